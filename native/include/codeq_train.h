/*
 * codeq's native trainer library: the C ABI that TypeScript reaches through koffi
 * (src/training/nativeLibrary.ts is the only module that touches it).
 *
 * Conventions: functions that can fail return 0 on success and -1 on failure (NULL for
 * constructors) and write the message, with a HINT where there is one, into the caller's
 * `error` buffer (NUL-terminated, truncated to error_size). A buffer per call, not a per-thread
 * "last error": calls may run on any worker thread (koffi's async calls do). Buffers are
 * caller-owned.
 */
#ifndef CODEQ_TRAIN_H
#define CODEQ_TRAIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CODEQ_ABI_VERSION 1
#define CODEQ_API __attribute__((visibility("default")))

typedef struct codeq_model codeq_model;

typedef struct {
  int32_t layers, hidden, ffn, heads, kv_heads, head_dim, vocab, context;
  double rope_base, eps;
  int32_t tied;
  /* The adapter in use: its rank (0 = none) and effective scale (user scale * alpha / rank). */
  int32_t adapter_rank;
  float adapter_scale;
} codeq_model_info;

CODEQ_API int32_t codeq_abi_version(void);

/* A qwen2 GGUF (F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q6_K tensors) as frozen float weights. */
CODEQ_API codeq_model* codeq_model_load(const char* gguf_path, char* error, int32_t error_size);
CODEQ_API void codeq_model_free(codeq_model* model);
CODEQ_API int32_t codeq_model_info_get(const codeq_model* model, codeq_model_info* out, char* error, int32_t error_size);

/* A llama.cpp LoRA adapter GGUF (general.type=adapter, adapter.type=lora) applied at `scale`. */
CODEQ_API int32_t codeq_model_load_adapter(codeq_model* model, const char* adapter_path, float scale, char* error, int32_t error_size);
CODEQ_API void codeq_model_clear_adapter(codeq_model* model);

/* log p(tokens[i] | tokens[<i]) for i in [first, n) into out[0 .. n-first); 1 <= first < n. */
CODEQ_API int32_t codeq_model_logprobs(codeq_model* model, const int32_t* tokens, int32_t n, int32_t first, float* out, char* error,
                                       int32_t error_size);

#ifdef __cplusplus
}
#endif

#endif
