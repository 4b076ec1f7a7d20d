// DPO on LoRA adapters: pairs → sequence log-probs under the adapter and (once) under the base
// model → a preference loss (+ optional NLL on the chosen answer) → gradients → global-norm
// clipping → AdamW with warmup and linear or cosine decay. Deterministic for a seed on the CPU.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "dpo.hpp"
#include "qwen2.hpp"

namespace codeq {

enum class Schedule { Constant = 0, Linear = 1, Cosine = 2 };

struct TrainConfig {
  int rank = 8;
  double alpha = 16;
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

  // Loss and metrics of the given pairs, and dL/dθ (averaged over them) into grads.
  StepMetrics gradients(const std::vector<size_t>& batch, LoraParams<T>& grads) {
    StepMetrics m;
    const double share = 1.0 / static_cast<double>(batch.size());
    for (size_t index : batch) {
      const Pair& p = pairs_[index];
      Qwen2Pass<T> chosen(w_, &params_), rejected(w_, &params_);
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

  // One optimizer step over the next batch_size × gradient_accumulation_steps pairs.
  StepMetrics step() {
    if (pairs_.empty()) throw std::logic_error("step before set_pairs");
    const auto started = std::chrono::steady_clock::now();
    std::vector<size_t> batch;
    const size_t want = static_cast<size_t>(cfg_.batch_size) * cfg_.gradient_accumulation_steps;
    while (batch.size() < want) batch.push_back(next_index());
    LoraParams<T> grads = LoraParams<T>::zeros(w_.config, cfg_.rank, params_.scale, cfg_.targets);
    StepMetrics m = gradients(batch, grads);
    double norm2 = 0;
    for_each_param(grads, [&](std::vector<T>& g, std::vector<T>&, std::vector<T>&, std::vector<T>&) {
      for (T x : g) norm2 += static_cast<double>(x) * x;
    });
    m.grad_norm = std::sqrt(norm2);
    if (!std::isfinite(m.loss) || !std::isfinite(m.grad_norm)) {
      throw std::runtime_error("step " + std::to_string(step_ + 1) + ": " + (!std::isfinite(m.loss) ? "the loss" : "the gradient norm") + " is " +
                               std::to_string(!std::isfinite(m.loss) ? m.loss : m.grad_norm) + ". HINT: lower the learning rate or beta");
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
    if (step < cfg_.warmup_steps) return base * static_cast<double>(step) / std::max(1, cfg_.warmup_steps);
    const double progress = static_cast<double>(step - cfg_.warmup_steps) / std::max(1, cfg_.max_steps - cfg_.warmup_steps);
    switch (cfg_.schedule) {
      case Schedule::Constant: return base;
      case Schedule::Linear: return base * std::max(0.0, 1 - progress);
      case Schedule::Cosine: return base * 0.5 * (1 + std::cos(M_PI * std::min(1.0, progress)));
    }
    return base;
  }

 private:
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
