// The C ABI over the CPU reference: exceptions become return codes and a per-thread message.
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "codeq_train.h"
#include "cpu/adapter.hpp"
#include "cpu/qwen2.hpp"

struct codeq_model {
  std::unique_ptr<codeq::Qwen2Weights<float>> weights;
  std::unique_ptr<codeq::LoraParams<float>> adapter;
};

namespace {

void write_error(char* error, int32_t error_size, const char* message) {
  if (!error || error_size <= 0) return;
  std::strncpy(error, message, static_cast<size_t>(error_size) - 1);
  error[error_size - 1] = '\0';
}

template <typename F>
int32_t guarded(char* error, int32_t error_size, F&& body) {
  try {
    body();
    write_error(error, error_size, "");
    return 0;
  } catch (const std::bad_alloc&) {
    write_error(error, error_size, "out of memory. HINT: a smaller model or shorter sequences");
  } catch (const std::exception& e) {
    write_error(error, error_size, e.what());
  }
  return -1;
}

}  // namespace

extern "C" {

int32_t codeq_abi_version(void) { return CODEQ_ABI_VERSION; }

codeq_model* codeq_model_load(const char* gguf_path, char* error, int32_t error_size) {
  auto model = std::make_unique<codeq_model>();
  const int32_t rc = guarded(error, error_size, [&] {
    if (!gguf_path) throw std::invalid_argument("codeq_model_load: the path is NULL");
    codeq::GgufFile file(gguf_path);
    model->weights = std::make_unique<codeq::Qwen2Weights<float>>(codeq::Qwen2Weights<float>::load(file));
  });
  return rc == 0 ? model.release() : nullptr;
}

void codeq_model_free(codeq_model* model) { delete model; }

int32_t codeq_model_info_get(const codeq_model* model, codeq_model_info* out, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!model || !out) throw std::invalid_argument("codeq_model_info_get: NULL argument");
    const auto& c = model->weights->config;
    *out = codeq_model_info{c.layers, c.hidden, c.ffn, c.heads, c.kv_heads, c.head_dim, c.vocab, c.context, c.rope_base, c.eps, c.tied ? 1 : 0,
                            model->adapter ? model->adapter->rank : 0, model->adapter ? model->adapter->scale : 0.0f};
  });
}

int32_t codeq_model_load_adapter(codeq_model* model, const char* adapter_path, float scale, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!model || !adapter_path) throw std::invalid_argument("codeq_model_load_adapter: NULL argument");
    codeq::GgufFile file(adapter_path);
    model->adapter = std::make_unique<codeq::LoraParams<float>>(codeq::read_lora_adapter(file, model->weights->config, scale));
  });
}

void codeq_model_clear_adapter(codeq_model* model) {
  if (model) model->adapter.reset();
}

int32_t codeq_model_logprobs(codeq_model* model, const int32_t* tokens, int32_t n, int32_t first, float* out, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!model || !tokens || !out) throw std::invalid_argument("codeq_model_logprobs: NULL argument");
    const auto& c = model->weights->config;
    if (first < 1 || first >= n) throw std::invalid_argument("codeq_model_logprobs: need 1 <= first < n, got first " + std::to_string(first) + ", n " + std::to_string(n));
    for (int32_t i = 0; i < n; i++) {
      if (tokens[i] < 0 || tokens[i] >= c.vocab) {
        throw std::invalid_argument("token " + std::to_string(tokens[i]) + " at " + std::to_string(i) + " is outside the vocabulary of " + std::to_string(c.vocab));
      }
    }
    codeq::Qwen2Pass<float> pass(*model->weights, model->adapter.get());
    const auto logp = pass.forward(std::vector<int32_t>(tokens, tokens + n), first);
    std::memcpy(out, logp.data(), logp.size() * sizeof(float));
  });
}

}  // extern "C"
