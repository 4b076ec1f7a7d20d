// Qwen2 with LoRA adapters on the CPU: the forward pass to per-token log-probabilities of a
// sequence's response, and the backward pass from their gradients to the adapters' A and B.
// Base weights are frozen (dequantized once from GGUF); the element type T is float for
// training and double for the gradient checks.
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "gguf.hpp"
#include "ops.hpp"

namespace codeq {

struct Qwen2Config {
  int layers = 0, hidden = 0, ffn = 0, heads = 0, kv_heads = 0, head_dim = 0, vocab = 0, context = 0;
  double rope_base = 10000.0;
  double eps = 1e-6;
  bool tied = false;

  static Qwen2Config from(const GgufFile& file) {
    if (file.string("general.architecture") != "qwen2") {
      throw GgufError(file.path() + ": architecture " + file.string("general.architecture") + " is not qwen2. HINT: the trainer supports Qwen2 models");
    }
    Qwen2Config c;
    c.layers = static_cast<int>(file.integer("qwen2.block_count"));
    c.hidden = static_cast<int>(file.integer("qwen2.embedding_length"));
    c.ffn = static_cast<int>(file.integer("qwen2.feed_forward_length"));
    c.heads = static_cast<int>(file.integer("qwen2.attention.head_count"));
    c.kv_heads = file.has("qwen2.attention.head_count_kv") ? static_cast<int>(file.integer("qwen2.attention.head_count_kv")) : c.heads;
    if (c.layers <= 0 || c.hidden <= 0 || c.ffn <= 0 || c.heads <= 0 || c.kv_heads <= 0) {
      throw GgufError(file.path() + ": qwen2 sizes must be positive (layers " + std::to_string(c.layers) + ", hidden " + std::to_string(c.hidden) + ", ffn " +
                      std::to_string(c.ffn) + ", heads " + std::to_string(c.heads) + "/" + std::to_string(c.kv_heads) + ")");
    }
    c.head_dim = c.hidden / c.heads;
    c.context = static_cast<int>(file.integer("qwen2.context_length"));
    c.rope_base = file.has("qwen2.rope.freq_base") ? file.number("qwen2.rope.freq_base") : 10000.0;
    c.eps = file.number("qwen2.attention.layer_norm_rms_epsilon");
    const auto& embedding = file.tensor("token_embd.weight");
    if (embedding.ne.size() < 2) throw GgufError(file.path() + ": token_embd.weight is not a matrix");
    c.vocab = static_cast<int>(embedding.ne[1]);
    c.tied = file.find("output.weight") == nullptr;
    if (c.heads % c.kv_heads != 0 || c.hidden % c.heads != 0 || c.head_dim % 2 != 0) {
      throw GgufError(file.path() + ": inconsistent attention shape (hidden " + std::to_string(c.hidden) + ", heads " + std::to_string(c.heads) + ", kv heads " +
                      std::to_string(c.kv_heads) + ")");
    }
    return c;
  }
};

// The projections LoRA can adapt, in llama.cpp's tensor names.
enum LoraTarget { kQ = 0, kK, kV, kO, kGate, kUp, kDown, kTargets };
inline const char* lora_target_name(int t) {
  static const char* names[] = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
  return names[t];
}

// Input and output widths of each target's projection.
inline std::array<int, 2> lora_shape(const Qwen2Config& c, int target) {
  const int q = c.heads * c.head_dim, kv = c.kv_heads * c.head_dim;
  switch (target) {
    case kQ: return {c.hidden, q};
    case kK: return {c.hidden, kv};
    case kV: return {c.hidden, kv};
    case kO: return {q, c.hidden};
    case kGate: return {c.hidden, c.ffn};
    case kUp: return {c.hidden, c.ffn};
    default: return {c.ffn, c.hidden};
  }
}

template <typename T>
struct Qwen2Weights {
  struct Layer {
    std::vector<T> attn_norm, wq, bq, wk, bk, wv, bv, wo, ffn_norm, wgate, wup, wdown;
  };
  Qwen2Config config;
  std::vector<T> embedding, output_norm, output;  // output empty when tied to the embedding
  std::vector<Layer> layers;

  const T* output_matrix() const { return config.tied ? embedding.data() : output.data(); }

  static Qwen2Weights load(const GgufFile& file) {
    Qwen2Weights w;
    w.config = Qwen2Config::from(file);
    auto get = [&](const std::string& name, size_t expected) {
      const GgufTensor& t = file.tensor(name);
      if (t.elements() != expected) {
        throw GgufError(file.path() + ": tensor " + name + " has " + std::to_string(t.elements()) + " elements, the config implies " + std::to_string(expected));
      }
      std::vector<float> f = file.dequantize(t);
      return std::vector<T>(f.begin(), f.end());
    };
    const Qwen2Config& c = w.config;
    const size_t d = c.hidden, q = static_cast<size_t>(c.heads) * c.head_dim, kv = static_cast<size_t>(c.kv_heads) * c.head_dim, f = c.ffn;
    w.embedding = get("token_embd.weight", d * c.vocab);
    w.output_norm = get("output_norm.weight", d);
    if (!c.tied) w.output = get("output.weight", d * c.vocab);
    for (int l = 0; l < c.layers; l++) {
      const std::string p = "blk." + std::to_string(l) + ".";
      Layer L;
      L.attn_norm = get(p + "attn_norm.weight", d);
      L.wq = get(p + "attn_q.weight", d * q);
      L.bq = get(p + "attn_q.bias", q);
      L.wk = get(p + "attn_k.weight", d * kv);
      L.bk = get(p + "attn_k.bias", kv);
      L.wv = get(p + "attn_v.weight", d * kv);
      L.bv = get(p + "attn_v.bias", kv);
      L.wo = get(p + "attn_output.weight", q * d);
      L.ffn_norm = get(p + "ffn_norm.weight", d);
      L.wgate = get(p + "ffn_gate.weight", d * f);
      L.wup = get(p + "ffn_up.weight", d * f);
      L.wdown = get(p + "ffn_down.weight", f * d);
      w.layers.push_back(std::move(L));
    }
    return w;
  }
};

// LoRA parameters (or their gradients): per layer and target, A[r,in] and B[out,r]; a target
// not in the set has empty vectors. scale = alpha / rank.
template <typename T>
struct LoraParams {
  int rank = 0;
  T scale = 1;
  std::array<bool, kTargets> targets{};
  std::vector<std::array<std::vector<T>, kTargets>> a, b;

  static LoraParams zeros(const Qwen2Config& c, int rank, T scale, const std::array<bool, kTargets>& targets) {
    LoraParams p;
    p.rank = rank;
    p.scale = scale;
    p.targets = targets;
    p.a.resize(c.layers);
    p.b.resize(c.layers);
    for (int l = 0; l < c.layers; l++)
      for (int t = 0; t < kTargets; t++) {
        if (!targets[t]) continue;
        const auto [in, out] = lora_shape(c, t);
        p.a[l][t].assign(static_cast<size_t>(rank) * in, T(0));
        p.b[l][t].assign(static_cast<size_t>(out) * rank, T(0));
      }
    return p;
  }
};

// One sequence through the model, keeping what the backward pass needs.
template <typename T>
class Qwen2Pass {
 public:
  // dropout: PEFT's lora_dropout on the adapter's input (training passes only); the masks come
  // from a hash of (dropout_seed, layer, target, element), so a pass is reproducible.
  Qwen2Pass(const Qwen2Weights<T>& weights, const LoraParams<T>* lora, double dropout = 0, uint64_t dropout_seed = 0)
      : w_(weights), lora_(lora), dropout_(dropout), dropout_seed_(dropout_seed) {}

  // log p(tokens[i] | tokens[<i]) for i in [first, n); first ≥ 1.
  std::vector<T> forward(const std::vector<int32_t>& tokens, int first) {
    const Qwen2Config& c = w_.config;
    n_ = static_cast<int>(tokens.size());
    first_ = first;
    tokens_ = tokens;
    const size_t N = n_, D = c.hidden, Q = static_cast<size_t>(c.heads) * c.head_dim, KV = static_cast<size_t>(c.kv_heads) * c.head_dim, F = c.ffn;
    positions_.resize(N);
    for (int i = 0; i < n_; i++) positions_[i] = i;
    std::vector<T> x(N * D);
    for (size_t i = 0; i < N; i++)
      for (size_t k = 0; k < D; k++) x[i * D + k] = w_.embedding[static_cast<size_t>(tokens[i]) * D + k];
    acts_.assign(c.layers, {});
    for (int l = 0; l < c.layers; l++) {
      const auto& L = w_.layers[l];
      auto& A = acts_[l];
      A.x_in = x;
      A.h1.resize(N * D);
      A.rstd1.resize(N);
      rmsnorm_forward(x.data(), L.attn_norm.data(), T(c.eps), A.h1.data(), A.rstd1.data(), n_, D);
      A.q.resize(N * Q);
      A.k.resize(N * KV);
      A.v.resize(N * KV);
      project(l, kQ, A.h1, L.wq, L.bq.data(), A.q);
      project(l, kK, A.h1, L.wk, L.bk.data(), A.k);
      project(l, kV, A.h1, L.wv, L.bv.data(), A.v);
      rope_forward(A.q.data(), positions_.data(), n_, c.heads, c.head_dim, c.rope_base);
      rope_forward(A.k.data(), positions_.data(), n_, c.kv_heads, c.head_dim, c.rope_base);
      A.att.resize(N * Q);
      A.probs.resize(static_cast<size_t>(c.heads) * N * N);
      attention_forward(A.q.data(), A.k.data(), A.v.data(), A.att.data(), A.probs.data(), n_, c.heads, c.kv_heads, c.head_dim);
      std::vector<T> o(N * D);
      project(l, kO, A.att, L.wo, static_cast<const T*>(nullptr), o);
      for (size_t i = 0; i < N * D; i++) x[i] += o[i];
      A.x_mid = x;
      A.h2.resize(N * D);
      A.rstd2.resize(N);
      rmsnorm_forward(x.data(), L.ffn_norm.data(), T(c.eps), A.h2.data(), A.rstd2.data(), n_, D);
      A.gate.resize(N * F);
      A.up.resize(N * F);
      project(l, kGate, A.h2, L.wgate, static_cast<const T*>(nullptr), A.gate);
      project(l, kUp, A.h2, L.wup, static_cast<const T*>(nullptr), A.up);
      A.act.resize(N * F);
      swiglu_forward(A.gate.data(), A.up.data(), A.act.data(), N * F);
      std::vector<T> down(N * D);
      project(l, kDown, A.act, L.wdown, static_cast<const T*>(nullptr), down);
      for (size_t i = 0; i < N * D; i++) x[i] += down[i];
    }
    x_final_ = x;
    hf_.resize(N * D);
    rstdf_.resize(N);
    rmsnorm_forward(x.data(), w_.output_norm.data(), T(c.eps), hf_.data(), rstdf_.data(), n_, D);
    // Logits only where a response token is predicted: positions first−1 … n−2.
    const int R = n_ - first_;
    logits_.resize(static_cast<size_t>(R) * c.vocab);
    linear_forward(hf_.data() + static_cast<size_t>(first_ - 1) * D, w_.output_matrix(), static_cast<const T*>(nullptr), logits_.data(), R, D, c.vocab);
    std::vector<T> logp(R);
    stats_.resize(2 * static_cast<size_t>(R));
    logprob_forward(logits_.data(), tokens_.data() + first_, logp.data(), stats_.data(), R, c.vocab);
    return logp;
  }

  // Accumulates into `grads` (same targets and rank as the adapter) dL/dA and dL/dB from dL/dlogp.
  void backward(const std::vector<T>& dlogp, LoraParams<T>& grads) {
    const Qwen2Config& c = w_.config;
    const size_t N = n_, D = c.hidden, Q = static_cast<size_t>(c.heads) * c.head_dim, KV = static_cast<size_t>(c.kv_heads) * c.head_dim, F = c.ffn;
    const int R = n_ - first_;
    std::vector<T> dlogits(static_cast<size_t>(R) * c.vocab, T(0));
    logprob_backward(logits_.data(), tokens_.data() + first_, stats_.data(), dlogp.data(), dlogits.data(), R, c.vocab);
    std::vector<T> dhf(N * D, T(0));
    linear_backward_input(dlogits.data(), w_.output_matrix(), dhf.data() + static_cast<size_t>(first_ - 1) * D, R, D, c.vocab);
    std::vector<T> dx(N * D, T(0));
    rmsnorm_backward(x_final_.data(), w_.output_norm.data(), rstdf_.data(), dhf.data(), dx.data(), n_, D);
    std::vector<T> dp(N * N);
    for (int l = c.layers - 1; l >= 0; l--) {
      const auto& L = w_.layers[l];
      auto& A = acts_[l];
      // x_out = x_mid + down(swiglu(gate(h2), up(h2))), h2 = norm(x_mid)
      std::vector<T> dact(N * F, T(0)), dgate(N * F, T(0)), dup(N * F, T(0)), dh2(N * D, T(0));
      project_backward(l, kDown, A.act, L.wdown, dx, dact, grads);
      swiglu_backward(A.gate.data(), A.up.data(), dact.data(), dgate.data(), dup.data(), N * F);
      project_backward(l, kGate, A.h2, L.wgate, dgate, dh2, grads);
      project_backward(l, kUp, A.h2, L.wup, dup, dh2, grads);
      std::vector<T> dx_mid = dx;
      rmsnorm_backward(A.x_mid.data(), L.ffn_norm.data(), A.rstd2.data(), dh2.data(), dx_mid.data(), n_, D);
      // x_mid = x_in + o(attention(rope(q(h1)), rope(k(h1)), v(h1))), h1 = norm(x_in)
      std::vector<T> datt(N * Q, T(0)), dq(N * Q, T(0)), dk(N * KV, T(0)), dv(N * KV, T(0)), dh1(N * D, T(0));
      project_backward(l, kO, A.att, L.wo, dx_mid, datt, grads);
      attention_backward(A.q.data(), A.k.data(), A.v.data(), A.probs.data(), datt.data(), dq.data(), dk.data(), dv.data(), dp.data(), n_, c.heads, c.kv_heads,
                         c.head_dim);
      rope_backward(dq.data(), positions_.data(), n_, c.heads, c.head_dim, c.rope_base);
      rope_backward(dk.data(), positions_.data(), n_, c.kv_heads, c.head_dim, c.rope_base);
      project_backward(l, kQ, A.h1, L.wq, dq, dh1, grads);
      project_backward(l, kK, A.h1, L.wk, dk, dh1, grads);
      project_backward(l, kV, A.h1, L.wv, dv, dh1, grads);
      dx = dx_mid;
      rmsnorm_backward(A.x_in.data(), L.attn_norm.data(), A.rstd1.data(), dh1.data(), dx.data(), n_, D);
    }
  }

 private:
  struct Activations {
    std::vector<T> x_in, h1, rstd1, q, k, v, probs, att, x_mid, h2, rstd2, gate, up, act;
    std::array<std::vector<T>, kTargets> lora_h;  // x·Aᵀ per adapted target
    std::array<std::vector<T>, kTargets> lora_x;  // the adapter's input after dropout (when on)
  };

  // Inverted dropout: kept elements scaled by 1/(1 − p), the rest zero.
  T keep_scale(int l, int target, size_t i) const {
    uint64_t z = dropout_seed_ ^ (static_cast<uint64_t>(l) << 48) ^ (static_cast<uint64_t>(target) << 40) ^ static_cast<uint64_t>(i);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    const double u = static_cast<double>(z >> 11) / 9007199254740992.0;
    return u < dropout_ ? T(0) : static_cast<T>(1.0 / (1.0 - dropout_));
  }

  bool adapted(int target) const { return lora_ && lora_->targets[target]; }

  // y = x·Wᵀ (+ b) (+ LoRA)
  void project(int l, int target, const std::vector<T>& x, const std::vector<T>& w, const T* bias, std::vector<T>& y) {
    const auto [in, out] = lora_shape(w_.config, target);
    linear_forward(x.data(), w.data(), bias, y.data(), n_, in, out);
    if (!adapted(target)) return;
    auto& h = acts_[l].lora_h[target];
    h.resize(static_cast<size_t>(n_) * lora_->rank);
    const T* input = x.data();
    if (dropout_ > 0) {
      auto& xd = acts_[l].lora_x[target];
      xd.resize(x.size());
      for (size_t i = 0; i < x.size(); i++) xd[i] = x[i] * keep_scale(l, target, i);
      input = xd.data();
    }
    lora_forward(input, lora_->a[l][target].data(), lora_->b[l][target].data(), lora_->scale, h.data(), y.data(), n_, in, out, lora_->rank);
  }

  // dx += dy·W (+ the adapter's share); dA, dB accumulated into grads.
  void project_backward(int l, int target, const std::vector<T>& x, const std::vector<T>& w, const std::vector<T>& dy, std::vector<T>& dx, LoraParams<T>& grads) {
    const auto [in, out] = lora_shape(w_.config, target);
    linear_backward_input(dy.data(), w.data(), dx.data(), n_, in, out);
    if (!adapted(target)) return;
    std::vector<T> dh(static_cast<size_t>(n_) * lora_->rank);
    if (dropout_ <= 0) {
      lora_backward(x.data(), lora_->a[l][target].data(), lora_->b[l][target].data(), lora_->scale, acts_[l].lora_h[target].data(), dy.data(),
                    grads.a[l][target].data(), grads.b[l][target].data(), dx.data(), dh.data(), n_, in, out, lora_->rank);
      return;
    }
    // Through the dropped-out input: its gradient, masked and scaled alike, joins dx.
    std::vector<T> dxd(x.size(), T(0));
    lora_backward(acts_[l].lora_x[target].data(), lora_->a[l][target].data(), lora_->b[l][target].data(), lora_->scale, acts_[l].lora_h[target].data(),
                  dy.data(), grads.a[l][target].data(), grads.b[l][target].data(), dxd.data(), dh.data(), n_, in, out, lora_->rank);
    for (size_t i = 0; i < dxd.size(); i++) dx[i] += dxd[i] * keep_scale(l, target, i);
  }

  const Qwen2Weights<T>& w_;
  const LoraParams<T>* lora_;
  double dropout_;
  uint64_t dropout_seed_;
  int n_ = 0, first_ = 1;
  std::vector<int32_t> tokens_, positions_;
  std::vector<Activations> acts_;
  std::vector<T> x_final_, hf_, rstdf_, logits_, stats_;
};

}  // namespace codeq
