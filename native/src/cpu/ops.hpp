// The CPU reference ops of a Qwen2 forward and backward pass, one forward/backward pair each.
// Templated on the element type: the trainer runs them in float, the gradient checks in double.
// Layouts are row-major with the last index fastest; "N" is the number of positions.
// Backward functions accumulate (+=) into gradient buffers, so a caller zeroes them once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "gemm.hpp"

namespace codeq {

// y[N,out] = x[N,in] · W[out,in]ᵀ (+ b[out]). W and b are frozen base weights.
template <typename T>
void linear_forward(const T* x, const T* w, const T* b, T* y, int n, int in, int out) {
  gemm_nt(n, out, in, T(1), x, in, w, in, T(0), y, out);
  if (!b) return;
  for (int i = 0; i < n; i++)
    for (int o = 0; o < out; o++) y[static_cast<size_t>(i) * out + o] += b[o];
}

// dx[N,in] += dy[N,out] · W[out,in]
template <typename T>
void linear_backward_input(const T* dy, const T* w, T* dx, int n, int in, int out) {
  gemm_nn(n, in, out, T(1), dy, out, w, in, T(1), dx, in);
}

// LoRA: y[N,out] += scale · (x · Aᵀ) · Bᵀ with A[r,in], B[out,r] (llama.cpp's lora_a ne=[in,r],
// lora_b ne=[r,out]). h[N,r] = x · Aᵀ is kept for the backward pass.
template <typename T>
void lora_forward(const T* x, const T* a, const T* b, T scale, T* h, T* y, int n, int in, int out, int r) {
  gemm_nt(n, r, in, T(1), x, in, a, in, T(0), h, r);
  gemm_nt(n, out, r, scale, h, r, b, r, T(1), y, out);
}

// Gradients of the LoRA term: dA[r,in], dB[out,r] and dx[N,in] (all +=). dh is scratch [N,r].
template <typename T>
void lora_backward(const T* x, const T* a, const T* b, T scale, const T* h, const T* dy, T* da, T* db, T* dx, T* dh, int n,
                   int in, int out, int r) {
  gemm_tn(out, r, n, scale, dy, out, h, r, T(1), db, r);  // dB += s·dyᵀ·h
  gemm_nn(n, r, out, scale, dy, out, b, r, T(0), dh, r);  // dh = s·dy·B
  gemm_tn(r, in, n, T(1), dh, r, x, in, T(1), da, in);    // dA += dhᵀ·x
  if (dx) gemm_nn(n, in, r, T(1), dh, r, a, in, T(1), dx, in);  // dx += dh·A
}

// RMSNorm: y = x · rstd · g, rstd = 1/sqrt(mean(x²) + eps), per row of D. g is frozen.
template <typename T, typename W>
void rmsnorm_forward(const T* x, const W* g, T eps, T* y, T* rstd, int n, int d) {
  for (int i = 0; i < n; i++) {
    const T* xi = x + static_cast<size_t>(i) * d;
    T* yi = y + static_cast<size_t>(i) * d;
    T ss = 0;
    for (int k = 0; k < d; k++) ss += xi[k] * xi[k];
    const T r = T(1) / std::sqrt(ss / T(d) + eps);
    rstd[i] = r;
    for (int k = 0; k < d; k++) yi[k] = xi[k] * r * static_cast<T>(g[k]);
  }
}

// dx += rstd·(g∘dy) − x·rstd³/D·Σ(g∘dy∘x)
template <typename T, typename W>
void rmsnorm_backward(const T* x, const W* g, const T* rstd, const T* dy, T* dx, int n, int d) {
  for (int i = 0; i < n; i++) {
    const T* xi = x + static_cast<size_t>(i) * d;
    const T* dyi = dy + static_cast<size_t>(i) * d;
    T* dxi = dx + static_cast<size_t>(i) * d;
    const T r = rstd[i];
    T dot = 0;
    for (int k = 0; k < d; k++) dot += static_cast<T>(g[k]) * dyi[k] * xi[k];
    const T c = dot * r * r * r / T(d);
    for (int k = 0; k < d; k++) dxi[k] += r * static_cast<T>(g[k]) * dyi[k] - xi[k] * c;
  }
}

// Rotary embedding, NEOX layout (llama.cpp's rope type for qwen2): the pair of element i is
// i + Dh/2, angle = position · base^(−2i/Dh). x[N,H,Dh] rotated in place.
template <typename T>
void rope_forward(T* x, const int32_t* positions, int n, int heads, int dh, double base, bool inverse = false) {
  const int half = dh / 2;
  for (int i = 0; i < n; i++) {
    for (int k = 0; k < half; k++) {
      const double angle = static_cast<double>(positions[i]) * std::pow(base, -2.0 * k / dh);
      const T c = static_cast<T>(std::cos(angle));
      const T s = static_cast<T>(inverse ? -std::sin(angle) : std::sin(angle));
      for (int h = 0; h < heads; h++) {
        T* v = x + (static_cast<size_t>(i) * heads + h) * dh;
        const T x0 = v[k], x1 = v[k + half];
        v[k] = x0 * c - x1 * s;
        v[k + half] = x0 * s + x1 * c;
      }
    }
  }
}

// The rotation is orthogonal: its backward is the inverse rotation of the gradient, in place.
template <typename T>
void rope_backward(T* dx, const int32_t* positions, int n, int heads, int dh, double base) {
  rope_forward(dx, positions, n, heads, dh, base, true);
}

// Causal grouped-query attention. q[N,Hq,Dh], k and v [N,Hkv,Dh] → out[N,Hq,Dh]; probs[Hq,N,N]
// keeps the softmax (zeros above the diagonal) for the backward pass. Query head h reads
// key/value head h / (Hq/Hkv). Per head: S = scale·Q·Kᵀ, P = softmax(mask(S)), O = P·V.
template <typename T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* probs, int n, int hq, int hkv, int dh) {
  const int group = hq / hkv;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const int qs = hq * dh, ks = hkv * dh;  // row strides
  for (int h = 0; h < hq; h++) {
    const int kvh = h / group;
    T* p = probs + static_cast<size_t>(h) * n * n;
    gemm_nt(n, n, dh, scale, q + h * dh, qs, k + kvh * dh, ks, T(0), p, n);
    for (int i = 0; i < n; i++) {
      T* row = p + static_cast<size_t>(i) * n;
      T m = row[0];
      for (int j = 1; j <= i; j++) m = std::max(m, row[j]);
      T sum = 0;
      for (int j = 0; j <= i; j++) sum += (row[j] = std::exp(row[j] - m));
      for (int j = 0; j <= i; j++) row[j] /= sum;
      for (int j = i + 1; j < n; j++) row[j] = 0;
    }
    gemm_nn(n, dh, n, T(1), p, n, v + kvh * dh, ks, T(0), out + h * dh, qs);
  }
}

// dq, dk, dv (+=) from dout. scratch holds N·N.
template <typename T>
void attention_backward(const T* q, const T* k, const T* v, const T* probs, const T* dout, T* dq, T* dk, T* dv, T* scratch, int n,
                        int hq, int hkv, int dh) {
  const int group = hq / hkv;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  const int qs = hq * dh, ks = hkv * dh;
  for (int h = 0; h < hq; h++) {
    const int kvh = h / group;
    const T* p = probs + static_cast<size_t>(h) * n * n;
    gemm_nt(n, n, dh, T(1), dout + h * dh, qs, v + kvh * dh, ks, T(0), scratch, n);  // dP = dO·Vᵀ
    gemm_tn(n, dh, n, T(1), p, n, dout + h * dh, qs, T(1), dv + kvh * dh, ks);       // dV += Pᵀ·dO
    for (int i = 0; i < n; i++) {  // dS = P∘(dP − Σ P∘dP)·scale
      const T* pi = p + static_cast<size_t>(i) * n;
      T* di = scratch + static_cast<size_t>(i) * n;
      T weighted = 0;
      for (int j = 0; j <= i; j++) weighted += pi[j] * di[j];
      for (int j = 0; j <= i; j++) di[j] = pi[j] * (di[j] - weighted) * scale;
      for (int j = i + 1; j < n; j++) di[j] = 0;
    }
    gemm_nn(n, dh, n, T(1), scratch, n, k + kvh * dh, ks, T(1), dq + h * dh, qs);  // dQ += dS·K
    gemm_tn(n, dh, n, T(1), scratch, n, q + h * dh, qs, T(1), dk + kvh * dh, ks);  // dK += dSᵀ·Q
  }
}

// SwiGLU: y = silu(gate) ∘ up, silu(g) = g·σ(g).
template <typename T>
void swiglu_forward(const T* gate, const T* up, T* y, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const T s = T(1) / (T(1) + std::exp(-gate[i]));
    y[i] = gate[i] * s * up[i];
  }
}

template <typename T>
void swiglu_backward(const T* gate, const T* up, const T* dy, T* dgate, T* dup, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const T s = T(1) / (T(1) + std::exp(-gate[i]));
    const T silu = gate[i] * s;
    dup[i] += dy[i] * silu;
    dgate[i] += dy[i] * up[i] * s * (T(1) + gate[i] * (T(1) - s));
  }
}

// log p(target) per position from logits[N,V], always accumulated in at least fp32 (the
// reference system saw NaN losses in half precision). stats[N,2] keeps (max, log Σ exp(l − max))
// for the backward pass: kept apart, not summed, so large logits lose no precision.
template <typename T>
void logprob_forward(const T* logits, const int32_t* targets, T* logp, T* stats, int n, int vocab) {
  using A = std::conditional_t<(sizeof(T) < sizeof(float)), float, T>;
  for (int i = 0; i < n; i++) {
    const T* li = logits + static_cast<size_t>(i) * vocab;
    A m = -INFINITY;
    for (int v = 0; v < vocab; v++) m = std::max<A>(m, li[v]);
    A sum = 0;
    for (int v = 0; v < vocab; v++) sum += std::exp(static_cast<A>(li[v]) - m);
    const A logsum = std::log(sum);
    stats[2 * i] = static_cast<T>(m);
    stats[2 * i + 1] = static_cast<T>(logsum);
    logp[i] = static_cast<T>((static_cast<A>(li[targets[i]]) - m) - logsum);
  }
}

// dlogits += dlogp · (onehot(target) − softmax)
template <typename T>
void logprob_backward(const T* logits, const int32_t* targets, const T* stats, const T* dlogp, T* dlogits, int n, int vocab) {
  for (int i = 0; i < n; i++) {
    const T g = dlogp[i];
    if (g == T(0)) continue;
    const T* li = logits + static_cast<size_t>(i) * vocab;
    T* di = dlogits + static_cast<size_t>(i) * vocab;
    const T m = stats[2 * i], logsum = stats[2 * i + 1];
    for (int v = 0; v < vocab; v++) di[v] -= g * std::exp((li[v] - m) - logsum);
    di[targets[i]] += g;
  }
}

}  // namespace codeq
