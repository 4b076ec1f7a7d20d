// DPO on LoRA adapters: pairs → sequence log-probs under the adapter and (once) under the base
// model → a preference loss (+ optional NLL on the chosen answer) → gradients → global-norm
// clipping → AdamW with warmup and linear or cosine decay. Deterministic for a seed on the CPU.
#pragma once

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "atomic_file.hpp"
#include "dpo.hpp"
#include "gguf_writer.hpp"
#include "qwen2.hpp"

namespace codeq {

// transformers' names: constant (no warmup), linear and cosine (after warmup), constant_with_warmup.
enum class Schedule { Constant = 0, Linear = 1, Cosine = 2, ConstantWithWarmup = 3 };

// A step stopped on request, before it changed anything.
struct StepCancelled : std::runtime_error {
  StepCancelled() : std::runtime_error("the step was cancelled") {}
};

struct TrainConfig {
  int rank = 8;
  double alpha = 16;
  double dropout = 0;  // PEFT's lora_dropout
  std::array<bool, kTargets> targets{true, true, true, true, true, true, true};
  LossType loss = LossType::Sigmoid;
  double beta = 0.1;
  double label_smoothing = 0;
  double rpo_alpha = 0;  // weight of the NLL term on the chosen answer; 0 = off
  double learning_rate = 5e-5;
  double weight_decay = 0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  double max_grad_norm = 1.0;  // 0 = no clipping
  int warmup_steps = 0;
  int max_steps = 1;
  Schedule schedule = Schedule::Linear;
  int batch_size = 1;                   // pairs per micro-batch
  int gradient_accumulation_steps = 1;  // micro-batches per optimizer step
  int max_length = 1024;                // prompt + answer tokens; prompts are cut from the left
  uint64_t seed = 0;
};

struct Pair {
  std::vector<int32_t> prompt, chosen, rejected;
  // Sequence log-probs under the base model (adapter off); computed once when NaN.
  double ref_chosen = std::numeric_limits<double>::quiet_NaN();
  double ref_rejected = std::numeric_limits<double>::quiet_NaN();
};

// TRL's metric names, averaged over the pairs of a step.
struct StepMetrics {
  int64_t step = 0;
  double loss = 0, rewards_chosen = 0, rewards_rejected = 0, rewards_accuracies = 0, rewards_margins = 0;
  double logps_chosen = 0, logps_rejected = 0, nll_loss = 0, grad_norm = 0, learning_rate = 0;
  double tokens_per_second = 0;
  int64_t tokens = 0;
};

// Seeded, portable random numbers (splitmix64): the same init and data order everywhere.
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

template <typename T>
class Trainer {
 public:
  Trainer(const Qwen2Weights<T>& weights, const TrainConfig& config) : w_(weights), cfg_(config), rng_{config.seed} {
    if (cfg_.rank < 1) throw std::invalid_argument("rank must be at least 1");
    if (cfg_.dropout < 0 || cfg_.dropout >= 1) throw std::invalid_argument("lora_dropout must be in [0, 1)");
    if (cfg_.beta <= 0) throw std::invalid_argument("beta must be positive");
    if (cfg_.label_smoothing < 0 || cfg_.label_smoothing >= 0.5) throw std::invalid_argument("label_smoothing must be in [0, 0.5)");
    if (cfg_.batch_size < 1 || cfg_.gradient_accumulation_steps < 1 || cfg_.max_steps < 1) throw std::invalid_argument("batch_size, gradient_accumulation_steps and max_steps must be at least 1");
    if (cfg_.max_length < 2) throw std::invalid_argument("max_length must be at least 2");
    params_ = LoraParams<T>::zeros(w_.config, cfg_.rank, static_cast<T>(cfg_.alpha / cfg_.rank), cfg_.targets);
    // PEFT: A ~ Kaiming-uniform(a = √5) = U(−1/√in, 1/√in), B = 0 (the adapter starts as a no-op).
    for (int l = 0; l < w_.config.layers; l++)
      for (int t = 0; t < kTargets; t++) {
        if (!cfg_.targets[t]) continue;
        const double bound = 1.0 / std::sqrt(static_cast<double>(lora_shape(w_.config, t)[0]));
        for (auto& x : params_.a[l][t]) x = static_cast<T>((2 * rng_.uniform() - 1) * bound);
      }
    m_ = LoraParams<T>::zeros(w_.config, cfg_.rank, params_.scale, cfg_.targets);
    v_ = m_;
  }

  LoraParams<T>& params() { return params_; }
  const TrainConfig& config() const { return cfg_; }
  int64_t step_count() const { return step_; }
  size_t truncated() const { return truncated_; }
  const std::vector<Pair>& pairs() const { return pairs_; }

  // Takes the pairs (cut to max_length) and computes missing reference log-probs, adapter off.
  void set_pairs(std::vector<Pair> pairs) {
    if (pairs.empty()) throw std::invalid_argument("no pairs to train on");
    truncated_ = 0;
    for (size_t i = 0; i < pairs.size(); i++) {
      Pair& p = pairs[i];
      if (p.prompt.empty() || p.chosen.empty() || p.rejected.empty()) throw std::invalid_argument("pair " + std::to_string(i) + " has an empty prompt, chosen or rejected answer");
      for (const auto* seq : {&p.prompt, &p.chosen, &p.rejected})
        for (int32_t tok : *seq)
          if (tok < 0 || tok >= w_.config.vocab) {
            throw std::invalid_argument("pair " + std::to_string(i) + " has token " + std::to_string(tok) + ", outside the vocabulary of " + std::to_string(w_.config.vocab) +
                                        ". HINT: tokenize with the base model's own tokenizer");
          }
      truncated_ += fit(p.prompt, p.chosen, p.rejected);
      if (std::isnan(p.ref_chosen) || std::isnan(p.ref_rejected)) {
        Qwen2Pass<T> base(w_, nullptr);
        p.ref_chosen = sequence_logp(base, p.prompt, p.chosen, nullptr);
        Qwen2Pass<T> base2(w_, nullptr);
        p.ref_rejected = sequence_logp(base2, p.prompt, p.rejected, nullptr);
      }
    }
    pairs_ = std::move(pairs);
    order_.clear();
    cursor_ = 0;
  }

  // Loss and metrics of the given pairs, and dL/dθ (averaged over them) into grads. `between`
  // hears of each pair done and may return false to stop (StepCancelled).
  StepMetrics gradients(const std::vector<size_t>& batch, LoraParams<T>& grads, const std::function<bool(int, int)>& between = {}) {
    StepMetrics m;
    const double share = 1.0 / static_cast<double>(batch.size());
    int done = 0;
    for (size_t index : batch) {
      if (between && !between(done++, static_cast<int>(batch.size()))) throw StepCancelled();
      const Pair& p = pairs_[index];
      // Dropout masks: fresh per sequence from the trainer's RNG (saved in checkpoints).
      const uint64_t seed_c = cfg_.dropout > 0 ? rng_.next() : 0, seed_r = cfg_.dropout > 0 ? rng_.next() : 0;
      Qwen2Pass<T> chosen(w_, &params_, cfg_.dropout, seed_c), rejected(w_, &params_, cfg_.dropout, seed_r);
      std::vector<T> lc, lr;
      const double pc = sequence_logp(chosen, p.prompt, p.chosen, &lc);
      const double pr = sequence_logp(rejected, p.prompt, p.rejected, &lr);
      const PairLoss pl = preference_loss(cfg_.loss, cfg_.beta, cfg_.label_smoothing, pc, pr, p.ref_chosen, p.ref_rejected);
      double nll = 0;
      for (T v : lc) nll -= static_cast<double>(v) / lc.size();
      m.loss += share * (pl.loss + cfg_.rpo_alpha * nll);
      m.nll_loss += share * nll;
      const double rc = cfg_.beta * (pc - p.ref_chosen), rr = cfg_.beta * (pr - p.ref_rejected);
      m.rewards_chosen += share * rc;
      m.rewards_rejected += share * rr;
      m.rewards_accuracies += share * (rc > rr ? 1.0 : 0.0);
      m.rewards_margins += share * (rc - rr);
      m.logps_chosen += share * pc;
      m.logps_rejected += share * pr;
      m.tokens += static_cast<int64_t>(2 * p.prompt.size() + p.chosen.size() + p.rejected.size());
      // π is a sum of token log-probs (a mean for IPO): each token's gradient is dL/dπ (÷ length).
      const double per_c = cfg_.loss == LossType::Ipo ? 1.0 / lc.size() : 1.0, per_r = cfg_.loss == LossType::Ipo ? 1.0 / lr.size() : 1.0;
      std::vector<T> dc(lc.size()), dr(lr.size());
      for (size_t i = 0; i < dc.size(); i++) dc[i] = static_cast<T>(share * (pl.d_chosen * per_c - cfg_.rpo_alpha / lc.size()));
      for (size_t i = 0; i < dr.size(); i++) dr[i] = static_cast<T>(share * pl.d_rejected * per_r);
      chosen.backward(dc, grads);
      rejected.backward(dr, grads);
    }
    return m;
  }

  // One optimizer step over the next batch_size × gradient_accumulation_steps pairs. A step
  // stopped through `between` (StepCancelled) leaves the trainer exactly as it was.
  StepMetrics step(const std::function<bool(int, int)>& between = {}) {
    if (pairs_.empty()) throw std::logic_error("step before set_pairs");
    const auto started = std::chrono::steady_clock::now();
    // What drawing a batch changes; put back when the step does not happen.
    const auto saved_order = order_;
    const auto saved_cursor = cursor_;
    const auto saved_rng = rng_.state;
    const auto undo_draw = [&] {
      order_ = saved_order;
      cursor_ = saved_cursor;
      rng_.state = saved_rng;
    };
    std::vector<size_t> batch;
    const size_t want = static_cast<size_t>(cfg_.batch_size) * cfg_.gradient_accumulation_steps;
    while (batch.size() < want) batch.push_back(next_index());
    LoraParams<T> grads = LoraParams<T>::zeros(w_.config, cfg_.rank, params_.scale, cfg_.targets);
    StepMetrics m;
    try {
      m = gradients(batch, grads, between);
    } catch (...) {
      undo_draw();
      throw;
    }
    double norm2 = 0;
    for_each_param(grads, [&](std::vector<T>& g, std::vector<T>&, std::vector<T>&, std::vector<T>&) {
      for (T x : g) norm2 += static_cast<double>(x) * x;
    });
    m.grad_norm = std::sqrt(norm2);
    if (!std::isfinite(m.loss) || !std::isfinite(m.grad_norm)) {
      undo_draw();
      const std::string tensor = non_finite_tensor(grads);
      throw std::runtime_error("step " + std::to_string(step_ + 1) + ": " + (!std::isfinite(m.loss) ? "the loss is " + std::to_string(m.loss) : std::string()) +
                               (tensor.empty() ? std::string(std::isfinite(m.loss) ? "the gradient norm overflowed" : "") : (std::isfinite(m.loss) ? "" : ", ") + std::string("the gradient of ") + tensor + " is not finite") +
                               "; training stopped, the adapter is as after step " + std::to_string(step_) + ". HINT: lower the learning rate or beta, or resume from a checkpoint");
    }
    const double clip = cfg_.max_grad_norm > 0 && m.grad_norm > cfg_.max_grad_norm ? cfg_.max_grad_norm / (m.grad_norm + 1e-6) : 1.0;
    m.learning_rate = learning_rate(step_);
    step_ += 1;
    const double b1 = cfg_.adam_beta1, b2 = cfg_.adam_beta2;
    const double c1 = 1 - std::pow(b1, static_cast<double>(step_)), c2 = 1 - std::pow(b2, static_cast<double>(step_));
    const double lr = m.learning_rate, wd = cfg_.weight_decay, eps = cfg_.adam_epsilon;
    for_each_param(grads, [&](std::vector<T>& g, std::vector<T>& p, std::vector<T>& mm, std::vector<T>& vv) {
      for (size_t i = 0; i < p.size(); i++) {
        const double gi = static_cast<double>(g[i]) * clip;
        double pi = static_cast<double>(p[i]) * (1 - lr * wd);  // decoupled weight decay (AdamW)
        const double mi = b1 * static_cast<double>(mm[i]) + (1 - b1) * gi;
        const double vi = b2 * static_cast<double>(vv[i]) + (1 - b2) * gi * gi;
        pi -= lr * (mi / c1) / (std::sqrt(vi / c2) + eps);
        p[i] = static_cast<T>(pi);
        mm[i] = static_cast<T>(mi);
        vv[i] = static_cast<T>(vi);
      }
    });
    m.step = step_;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    m.tokens_per_second = seconds > 0 ? m.tokens / seconds : 0;
    return m;
  }

  // transformers' schedules: linear warmup from 0, then constant, linear or cosine decay to 0.
  double learning_rate(int64_t step) const {
    const double base = cfg_.learning_rate;
    if (cfg_.schedule == Schedule::Constant) return base;
    if (step < cfg_.warmup_steps) return base * static_cast<double>(step) / std::max(1, cfg_.warmup_steps);
    const double progress = static_cast<double>(step - cfg_.warmup_steps) / std::max(1, cfg_.max_steps - cfg_.warmup_steps);
    switch (cfg_.schedule) {
      case Schedule::Constant:
      case Schedule::ConstantWithWarmup: return base;
      case Schedule::Linear: return base * std::max(0.0, 1 - progress);
      case Schedule::Cosine: return base * 0.5 * (1 + std::cos(M_PI * std::min(1.0, progress)));
    }
    return base;
  }

  // A checkpoint: adapter weights, optimizer moments, step, RNG state and data order in one file
  // with a magic number, a version and a checksum, written atomically. Loading it into a trainer
  // made with the same config, model and pairs continues the run exactly where it stopped.
  void save_checkpoint(const std::string& path) const {
    std::vector<uint8_t> out(kMagic, kMagic + 8);
    put<uint32_t>(out, kCheckpointVersion);
    put<uint32_t>(out, sizeof(T));
    put<uint64_t>(out, fingerprint());
    put<int64_t>(out, step_);
    put<uint64_t>(out, rng_.state);
    put<uint64_t>(out, cursor_);
    put<uint64_t>(out, order_.size());
    for (size_t i : order_) put<uint64_t>(out, i);
    for_each_state_of(params_, m_, v_, [&](const std::vector<T>& v) {
      put<uint64_t>(out, v.size());
      const auto* p = reinterpret_cast<const uint8_t*>(v.data());
      out.insert(out.end(), p, p + v.size() * sizeof(T));
    });
    put<uint64_t>(out, fnv1a(out));
    write_file_atomic(path, out);
  }

  void load_checkpoint(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open the checkpoint. HINT: --resume needs a checkpoint written by codeq train");
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto bad = [&](const std::string& why) { return std::runtime_error(path + ": " + why); };
    if (bytes.size() < 8 + 8 || std::memcmp(bytes.data(), kMagic, 8) != 0) throw bad("not a codeq checkpoint (bad magic)");
    uint64_t stored_sum;
    std::memcpy(&stored_sum, bytes.data() + bytes.size() - 8, 8);
    if (fnv1a(std::vector<uint8_t>(bytes.begin(), bytes.end() - 8)) != stored_sum) throw bad("checksum mismatch: the file is truncated or corrupt. HINT: resume from an earlier checkpoint");
    size_t at = 8;
    const size_t end = bytes.size() - 8;  // the checksum
    const auto need = [&](size_t n) {
      if (n > end || at > end - n) throw bad("too short for what it declares. HINT: resume from an earlier checkpoint");
    };
    const auto take = [&](auto& v) {
      need(sizeof(v));
      std::memcpy(&v, bytes.data() + at, sizeof(v));
      at += sizeof(v);
    };
    uint32_t version, width;
    uint64_t print, state, cursor, count;
    int64_t step;
    take(version);
    if (version != kCheckpointVersion) throw bad("checkpoint version " + std::to_string(version) + ", this build reads " + std::to_string(kCheckpointVersion));
    take(width);
    if (width != sizeof(T)) throw bad("written with " + std::to_string(width) + "-byte values, this trainer uses " + std::to_string(sizeof(T)));
    take(print);
    if (print != fingerprint()) throw bad("written for another model, adapter shape, training config or pair set. HINT: resume with the same --base, config and pairs");
    take(step);
    take(state);
    take(cursor);
    take(count);
    if (count > pairs_.size() * 2 + 1) throw bad("data order longer than the pairs");
    std::vector<size_t> order(count);
    for (auto& i : order) {
      uint64_t v;
      take(v);
      if (v >= pairs_.size()) throw bad("data order names pair " + std::to_string(v) + " of " + std::to_string(pairs_.size()));
      i = static_cast<size_t>(v);
    }
    // Everything checked, then applied: a bad file leaves the trainer as it was.
    auto params = params_, m = m_, v = v_;
    size_t which = 0;
    std::vector<std::vector<T>*> slots;
    for_each_state_of(params, m, v, [&](std::vector<T>& x) { slots.push_back(&x); });
    for (auto* x : slots) {
      uint64_t n;
      take(n);
      if (n != x->size()) throw bad("tensor " + std::to_string(which) + " has " + std::to_string(n) + " values, expected " + std::to_string(x->size()));
      need(n * sizeof(T));
      std::memcpy(x->data(), bytes.data() + at, n * sizeof(T));
      at += n * sizeof(T);
      which++;
    }
    if (at != end) throw bad("has " + std::to_string(end - at) + " bytes after its last tensor");
    params_ = std::move(params);
    m_ = std::move(m);
    v_ = std::move(v);
    step_ = step;
    rng_.state = state;
    cursor_ = static_cast<size_t>(cursor);
    order_ = std::move(order);
  }

  // The adapter as a llama.cpp LoRA GGUF: general.type=adapter, adapter.type=lora,
  // adapter.lora.alpha; <base>.lora_a ne=[in, rank], <base>.lora_b ne=[rank, out].
  void export_adapter(const std::string& path, const std::string& name) const {
    GgufWriter w;
    w.meta_string("general.architecture", "qwen2");
    w.meta_string("general.type", "adapter");
    w.meta_string("general.name", name);
    w.meta_string("adapter.type", "lora");
    w.meta_f32("adapter.lora.alpha", static_cast<float>(cfg_.alpha));
    for (int l = 0; l < w_.config.layers; l++)
      for (int t = 0; t < kTargets; t++) {
        if (!cfg_.targets[t]) continue;
        const auto [in, out] = lora_shape(w_.config, t);
        const std::string base = "blk." + std::to_string(l) + "." + lora_target_name(t) + ".weight";
        w.tensor_f32(base + ".lora_a", {static_cast<uint64_t>(in), static_cast<uint64_t>(cfg_.rank)}, std::vector<float>(params_.a[l][t].begin(), params_.a[l][t].end()));
        w.tensor_f32(base + ".lora_b", {static_cast<uint64_t>(cfg_.rank), static_cast<uint64_t>(out)}, std::vector<float>(params_.b[l][t].begin(), params_.b[l][t].end()));
      }
    w.write(path);
  }

  // The base model with the adapter merged in (W + scale·B·A), matrices in F16 and vectors in F32,
  // every metadata entry copied but general.file_type (now MOSTLY_F16): a plain model file that
  // any llama.cpp loads without the adapter.
  void export_merged(const GgufFile& base, const std::string& path) const {
    GgufWriter w;
    for (const auto& [key, encoded] : base.raw_metadata())
      if (key != "general.file_type" && key != "general.alignment") w.meta_raw(key, encoded);
    w.meta_u32("general.file_type", 1);
    for (const auto& t : base.tensors()) {
      std::vector<float> values = base.dequantize(t);
      for (int l = 0; l < w_.config.layers; l++)
        for (int target = 0; target < kTargets; target++) {
          if (!cfg_.targets[target] || t.name != "blk." + std::to_string(l) + "." + lora_target_name(target) + ".weight") continue;
          const auto [in, out] = lora_shape(w_.config, target);
          const std::vector<float> a(params_.a[l][target].begin(), params_.a[l][target].end()), b(params_.b[l][target].begin(), params_.b[l][target].end());
          gemm_nn(out, in, cfg_.rank, static_cast<float>(params_.scale), b.data(), cfg_.rank, a.data(), in, 1.0f, values.data(), in);
        }
      if (t.ne.size() >= 2) w.tensor_f16(t.name, t.ne, values);
      else w.tensor_f32(t.name, t.ne, values);
    }
    w.write(path);
  }

 private:
  static constexpr char kMagic[8] = {'C', 'Q', 'C', 'K', 'P', 'T', '\r', '\n'};
  static constexpr uint32_t kCheckpointVersion = 1;

  template <typename V>
  static void put(std::vector<uint8_t>& out, V v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    out.insert(out.end(), p, p + sizeof(V));
  }

  static uint64_t fnv1a(const std::vector<uint8_t>& bytes) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ULL;
    return h;
  }

  // What a checkpoint must agree with: model shape, training config and the pairs' tokens.
  uint64_t fingerprint() const {
    std::vector<uint8_t> b;
    const auto& c = w_.config;
    for (int v : {c.layers, c.hidden, c.ffn, c.heads, c.kv_heads, c.vocab, cfg_.rank, cfg_.batch_size, cfg_.gradient_accumulation_steps, cfg_.max_length,
                  cfg_.warmup_steps, cfg_.max_steps, static_cast<int>(cfg_.loss), static_cast<int>(cfg_.schedule)})
      put<int>(b, v);
    for (double v : {cfg_.alpha, cfg_.dropout, cfg_.beta, cfg_.label_smoothing, cfg_.rpo_alpha, cfg_.learning_rate, cfg_.weight_decay, cfg_.adam_beta1, cfg_.adam_beta2,
                     cfg_.adam_epsilon, cfg_.max_grad_norm})
      put<double>(b, v);
    for (bool t : cfg_.targets) b.push_back(t);
    put<uint64_t>(b, cfg_.seed);
    for (const auto& p : pairs_) {
      for (const auto* seq : {&p.prompt, &p.chosen, &p.rejected}) {
        put<uint64_t>(b, seq->size());
        for (int32_t tok : *seq) put<int32_t>(b, tok);
      }
    }
    return fnv1a(b);
  }

  // Every tensor of an adapter and its two moments, in checkpoint order (P is const or not).
  template <typename P, typename F>
  void for_each_state_of(P& p, P& m, P& v, F&& f) const {
    for (int l = 0; l < w_.config.layers; l++)
      for (int t = 0; t < kTargets; t++) {
        if (!cfg_.targets[t]) continue;
        for (auto* set : {&p, &m, &v}) {
          f(set->a[l][t]);
          f(set->b[l][t]);
        }
      }
  }

  // Sequence log-prob of `answer` after `prompt` (sum over the answer's tokens).
  double sequence_logp(Qwen2Pass<T>& pass, const std::vector<int32_t>& prompt, const std::vector<int32_t>& answer, std::vector<T>* per_token) {
    std::vector<int32_t> tokens(prompt);
    tokens.insert(tokens.end(), answer.begin(), answer.end());
    std::vector<T> lp = pass.forward(tokens, static_cast<int>(prompt.size()));
    double sum = 0;
    for (T v : lp) sum += static_cast<double>(v);
    if (per_token) *per_token = std::move(lp);
    return cfg_.loss == LossType::Ipo ? sum / static_cast<double>(answer.size()) : sum;
  }

  // Cuts a pair to max_length: answers keep at most max_length − 1 tokens, the prompt its last
  // ones (at least one). Returns whether anything was cut.
  bool fit(std::vector<int32_t>& prompt, std::vector<int32_t>& chosen, std::vector<int32_t>& rejected) const {
    const size_t limit = static_cast<size_t>(cfg_.max_length);
    bool cut = false;
    for (auto* answer : {&chosen, &rejected})
      if (answer->size() > limit - 1) answer->resize(limit - 1), cut = true;
    const size_t room = limit - std::max(chosen.size(), rejected.size());
    if (prompt.size() > room) {
      prompt.erase(prompt.begin(), prompt.end() - static_cast<std::ptrdiff_t>(room));
      cut = true;
    }
    return cut;
  }

  // The data order: a seeded shuffle per epoch.
  size_t next_index() {
    if (cursor_ >= order_.size()) {
      order_.resize(pairs_.size());
      for (size_t i = 0; i < order_.size(); i++) order_[i] = i;
      for (size_t i = order_.size() - 1; i > 0; i--) std::swap(order_[i], order_[static_cast<size_t>(rng_.next() % (i + 1))]);
      cursor_ = 0;
    }
    return order_[cursor_++];
  }

  // The llama.cpp name of the first gradient tensor holding a NaN or an infinity.
  std::string non_finite_tensor(const LoraParams<T>& grads) const {
    for (int l = 0; l < w_.config.layers; l++)
      for (int t = 0; t < kTargets; t++) {
        if (!cfg_.targets[t]) continue;
        const std::string base = "blk." + std::to_string(l) + "." + lora_target_name(t) + ".weight";
        for (T x : grads.a[l][t])
          if (!std::isfinite(x)) return base + ".lora_a";
        for (T x : grads.b[l][t])
          if (!std::isfinite(x)) return base + ".lora_b";
      }
    return "";
  }

  template <typename F>
  void for_each_param(LoraParams<T>& grads, F&& f) {
    for (int l = 0; l < w_.config.layers; l++)
      for (int t = 0; t < kTargets; t++) {
        if (!cfg_.targets[t]) continue;
        f(grads.a[l][t], params_.a[l][t], m_.a[l][t], v_.a[l][t]);
        f(grads.b[l][t], params_.b[l][t], m_.b[l][t], v_.b[l][t]);
      }
  }

  const Qwen2Weights<T>& w_;
  TrainConfig cfg_;
  SplitMix rng_;
  LoraParams<T> params_, m_, v_;
  std::vector<Pair> pairs_;
  std::vector<size_t> order_;
  size_t cursor_ = 0;
  int64_t step_ = 0;
  size_t truncated_ = 0;
};

}  // namespace codeq
