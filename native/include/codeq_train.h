/*
 * codeq's native trainer library: the C ABI that TypeScript reaches through koffi
 * (src/training/nativeLibrary.ts is the only module that touches it).
 *
 * Conventions: functions that can fail return 0 on success and -1 on failure (NULL for
 * constructors) and write the message, with a HINT where there is one, into the caller's
 * `error` buffer (NUL-terminated, truncated to error_size). A buffer per call, not a per-thread
 * "last error": calls may run on any worker thread (koffi's async calls do). Buffers are
 * caller-owned. Calls on one handle are serialized (a mutex per handle); freeing a handle waits
 * for its call in flight.
 */
#ifndef CODEQ_TRAIN_H
#define CODEQ_TRAIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CODEQ_ABI_VERSION 4
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

/* ---- DPO training of a LoRA adapter on a loaded model (the model must outlive the trainer) ---- */

typedef struct codeq_trainer codeq_trainer;

/* Names follow TRL where it has one. loss_type: 0 sigmoid, 1 ipo, 2 hinge, 3 robust.
 * schedule: 0 constant (no warmup), 1 linear, 2 cosine, 3 constant_with_warmup (transformers' names). targets_mask: bit i adapts q, k, v, o, gate, up, down. */
typedef struct {
  int32_t rank;
  double alpha;
  double dropout; /* lora_dropout on the adapter's input */
  uint32_t targets_mask;
  int32_t loss_type;
  double beta, label_smoothing, rpo_alpha;
  double learning_rate, weight_decay, adam_beta1, adam_beta2, adam_epsilon, max_grad_norm;
  int32_t warmup_steps, max_steps, schedule, batch_size, gradient_accumulation_steps, max_length;
  uint64_t seed;
} codeq_train_config;

typedef struct {
  int64_t step;
  double loss, rewards_chosen, rewards_rejected, rewards_accuracies, rewards_margins;
  double logps_chosen, logps_rejected, nll_loss, grad_norm, learning_rate, tokens_per_second;
  int64_t tokens;
} codeq_step_metrics;

/* Called between pairs of a step with how many of the step's pairs are done. */
typedef void (*codeq_progress_fn)(int32_t done, int32_t total);

CODEQ_API codeq_trainer* codeq_trainer_create(codeq_model* model, const codeq_train_config* config, char* error, int32_t error_size);
CODEQ_API void codeq_trainer_free(codeq_trainer* trainer);

/* n pairs; lengths[3i..3i+2] = prompt, chosen, rejected token counts, their tokens back to back
 * in `tokens`; refs[2i], refs[2i+1] = reference log-probs (NaN: computed now, adapter off).
 * Returns the number of pairs cut to max_length through *truncated. */
CODEQ_API int32_t codeq_trainer_set_pairs(codeq_trainer* trainer, int32_t n, const int32_t* tokens, const int32_t* lengths, const double* refs,
                                          int64_t* truncated, char* error, int32_t error_size);
/* The reference log-probs in use (2 per pair), to store them with the pairs. */
CODEQ_API int32_t codeq_trainer_reference_logps(const codeq_trainer* trainer, double* out, int32_t n, char* error, int32_t error_size);

/* One optimizer step. *cancel != 0 (set by another thread) stops it between pairs: returns 1,
 * nothing changed. progress may be NULL. */
CODEQ_API int32_t codeq_trainer_step(codeq_trainer* trainer, codeq_step_metrics* out, const volatile int32_t* cancel, codeq_progress_fn progress,
                                     char* error, int32_t error_size);
CODEQ_API int32_t codeq_trainer_save_checkpoint(const codeq_trainer* trainer, const char* path, char* error, int32_t error_size);
CODEQ_API int32_t codeq_trainer_load_checkpoint(codeq_trainer* trainer, const char* path, int64_t* step, char* error, int32_t error_size);
CODEQ_API int32_t codeq_trainer_export_adapter(const codeq_trainer* trainer, const char* path, const char* name, char* error, int32_t error_size);
/* The base GGUF (the trainer's model file) with the adapter merged in, as an F16 model. */
CODEQ_API int32_t codeq_trainer_export_merged(const codeq_trainer* trainer, const char* base_gguf_path, const char* path, char* error, int32_t error_size);

#ifdef __cplusplus
}
#endif

#endif
