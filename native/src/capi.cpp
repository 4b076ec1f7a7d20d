// The C ABI over the CPU reference: exceptions become return codes and a message in the caller's
// buffer. Each handle has a mutex: calls on one model or trainer never overlap, whatever thread
// they come from (koffi's async calls run on worker threads).
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "codeq_train.h"
#include "cpu/adapter.hpp"
#include "cpu/qwen2.hpp"
#include "cpu/trainer.hpp"

struct codeq_model {
  mutable std::mutex lock;
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
  } catch (...) {
    write_error(error, error_size, "unknown native error");
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

// Waits for a call in flight on the handle, then frees it (the caller makes no further calls).
void codeq_model_free(codeq_model* model) {
  if (!model) return;
  { std::lock_guard<std::mutex> hold(model->lock); }
  delete model;
}

int32_t codeq_model_info_get(const codeq_model* model, codeq_model_info* out, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!model || !out) throw std::invalid_argument("codeq_model_info_get: NULL argument");
    std::lock_guard<std::mutex> hold(model->lock);
    const auto& c = model->weights->config;
    *out = codeq_model_info{c.layers, c.hidden, c.ffn, c.heads, c.kv_heads, c.head_dim, c.vocab, c.context, c.rope_base, c.eps, c.tied ? 1 : 0,
                            model->adapter ? model->adapter->rank : 0, model->adapter ? model->adapter->scale : 0.0f};
  });
}

int32_t codeq_model_load_adapter(codeq_model* model, const char* adapter_path, float scale, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!model || !adapter_path) throw std::invalid_argument("codeq_model_load_adapter: NULL argument");
    std::lock_guard<std::mutex> hold(model->lock);
    codeq::GgufFile file(adapter_path);
    model->adapter = std::make_unique<codeq::LoraParams<float>>(codeq::read_lora_adapter(file, model->weights->config, scale));
  });
}

void codeq_model_clear_adapter(codeq_model* model) {
  if (!model) return;
  std::lock_guard<std::mutex> hold(model->lock);
  model->adapter.reset();
}

int32_t codeq_model_logprobs(codeq_model* model, const int32_t* tokens, int32_t n, int32_t first, float* out, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!model || !tokens || !out) throw std::invalid_argument("codeq_model_logprobs: NULL argument");
    std::lock_guard<std::mutex> hold(model->lock);
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

struct codeq_trainer {
  mutable std::mutex lock;
  std::unique_ptr<codeq::Trainer<float>> trainer;
};

codeq_trainer* codeq_trainer_create(codeq_model* model, const codeq_train_config* config, char* error, int32_t error_size) {
  auto out = std::make_unique<codeq_trainer>();
  const int32_t rc = guarded(error, error_size, [&] {
    if (!model || !config) throw std::invalid_argument("codeq_trainer_create: NULL argument");
    codeq::TrainConfig c;
    c.rank = config->rank;
    c.alpha = config->alpha;
    c.dropout = config->dropout;
    for (int t = 0; t < codeq::kTargets; t++) c.targets[t] = (config->targets_mask >> t) & 1u;
    if ((config->targets_mask & 0x7fu) == 0) throw std::invalid_argument("no LoRA target. HINT: adapt at least one of q, k, v, o, gate, up, down");
    if (config->loss_type < 0 || config->loss_type > 3) throw std::invalid_argument("loss_type " + std::to_string(config->loss_type) + " is not 0..3");
    if (config->schedule < 0 || config->schedule > 3) throw std::invalid_argument("schedule " + std::to_string(config->schedule) + " is not 0..3");
    c.loss = static_cast<codeq::LossType>(config->loss_type);
    c.beta = config->beta;
    c.label_smoothing = config->label_smoothing;
    c.rpo_alpha = config->rpo_alpha;
    c.learning_rate = config->learning_rate;
    c.weight_decay = config->weight_decay;
    c.adam_beta1 = config->adam_beta1;
    c.adam_beta2 = config->adam_beta2;
    c.adam_epsilon = config->adam_epsilon;
    c.max_grad_norm = config->max_grad_norm;
    c.warmup_steps = config->warmup_steps;
    c.max_steps = config->max_steps;
    c.schedule = static_cast<codeq::Schedule>(config->schedule);
    c.batch_size = config->batch_size;
    c.gradient_accumulation_steps = config->gradient_accumulation_steps;
    c.max_length = config->max_length;
    c.seed = config->seed;
    out->trainer = std::make_unique<codeq::Trainer<float>>(*model->weights, c);
  });
  return rc == 0 ? out.release() : nullptr;
}

void codeq_trainer_free(codeq_trainer* trainer) {
  if (!trainer) return;
  { std::lock_guard<std::mutex> hold(trainer->lock); }
  delete trainer;
}

int32_t codeq_trainer_set_pairs(codeq_trainer* trainer, int32_t n, const int32_t* tokens, const int32_t* lengths, const double* refs, int64_t* truncated,
                                char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!trainer || !tokens || !lengths || n <= 0) throw std::invalid_argument("codeq_trainer_set_pairs: no pairs");
    std::lock_guard<std::mutex> hold(trainer->lock);
    std::vector<codeq::Pair> pairs(n);
    size_t at = 0;
    for (int32_t i = 0; i < n; i++) {
      std::vector<int32_t>* parts[] = {&pairs[i].prompt, &pairs[i].chosen, &pairs[i].rejected};
      for (int k = 0; k < 3; k++) {
        const int32_t len = lengths[3 * i + k];
        if (len <= 0) throw std::invalid_argument("pair " + std::to_string(i) + " has an empty " + (k == 0 ? "prompt" : k == 1 ? "chosen answer" : "rejected answer"));
        parts[k]->assign(tokens + at, tokens + at + len);
        at += static_cast<size_t>(len);
      }
      if (refs) {
        pairs[i].ref_chosen = refs[2 * i];
        pairs[i].ref_rejected = refs[2 * i + 1];
      }
    }
    trainer->trainer->set_pairs(std::move(pairs));
    if (truncated) *truncated = static_cast<int64_t>(trainer->trainer->truncated());
  });
}

int32_t codeq_trainer_reference_logps(const codeq_trainer* trainer, double* out, int32_t n, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!trainer || !out) throw std::invalid_argument("codeq_trainer_reference_logps: NULL argument");
    std::lock_guard<std::mutex> hold(trainer->lock);
    const auto& pairs = trainer->trainer->pairs();
    if (static_cast<size_t>(n) != pairs.size()) throw std::invalid_argument("expected " + std::to_string(pairs.size()) + " pairs, got room for " + std::to_string(n));
    for (size_t i = 0; i < pairs.size(); i++) {
      out[2 * i] = pairs[i].ref_chosen;
      out[2 * i + 1] = pairs[i].ref_rejected;
    }
  });
}

int32_t codeq_trainer_step(codeq_trainer* trainer, codeq_step_metrics* out, const volatile int32_t* cancel, codeq_progress_fn progress, char* error,
                           int32_t error_size) {
  bool cancelled = false;
  const int32_t rc = guarded(error, error_size, [&] {
    if (!trainer || !out) throw std::invalid_argument("codeq_trainer_step: NULL argument");
    std::lock_guard<std::mutex> hold(trainer->lock);
    try {
      const auto m = trainer->trainer->step([&](int done, int total) {
        if (progress) progress(done, total);
        return !(cancel && *cancel);
      });
      *out = codeq_step_metrics{m.step, m.loss, m.rewards_chosen, m.rewards_rejected, m.rewards_accuracies, m.rewards_margins, m.logps_chosen, m.logps_rejected,
                                m.nll_loss, m.grad_norm, m.learning_rate, m.tokens_per_second, m.tokens};
    } catch (const codeq::StepCancelled&) {
      cancelled = true;
    }
  });
  return rc == 0 && cancelled ? 1 : rc;
}

int32_t codeq_trainer_save_checkpoint(const codeq_trainer* trainer, const char* path, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!trainer || !path) throw std::invalid_argument("codeq_trainer_save_checkpoint: NULL argument");
    std::lock_guard<std::mutex> hold(trainer->lock);
    trainer->trainer->save_checkpoint(path);
  });
}

int32_t codeq_trainer_load_checkpoint(codeq_trainer* trainer, const char* path, int64_t* step, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!trainer || !path) throw std::invalid_argument("codeq_trainer_load_checkpoint: NULL argument");
    std::lock_guard<std::mutex> hold(trainer->lock);
    trainer->trainer->load_checkpoint(path);
    if (step) *step = trainer->trainer->step_count();
  });
}

int32_t codeq_trainer_export_adapter(const codeq_trainer* trainer, const char* path, const char* name, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!trainer || !path) throw std::invalid_argument("codeq_trainer_export_adapter: NULL argument");
    std::lock_guard<std::mutex> hold(trainer->lock);
    trainer->trainer->export_adapter(path, name ? name : "codeq LoRA");
  });
}

int32_t codeq_trainer_export_merged(const codeq_trainer* trainer, const char* base_gguf_path, const char* path, char* error, int32_t error_size) {
  return guarded(error, error_size, [&] {
    if (!trainer || !base_gguf_path || !path) throw std::invalid_argument("codeq_trainer_export_merged: NULL argument");
    std::lock_guard<std::mutex> hold(trainer->lock);
    codeq::GgufFile base(base_gguf_path);
    trainer->trainer->export_merged(base, path);
  });
}

}  // extern "C"
