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

namespace codeq {

// y[N,out] = x[N,in] · W[out,in]ᵀ (+ b[out]). W and b are frozen base weights.
template <typename T, typename W>
void linear_forward(const T* x, const W* w, const W* b, T* y, int n, int in, int out) {
  for (int i = 0; i < n; i++) {
    const T* xi = x + static_cast<size_t>(i) * in;
    T* yi = y + static_cast<size_t>(i) * out;
    for (int o = 0; o < out; o++) {
      const W* wo = w + static_cast<size_t>(o) * in;
      T acc = b ? static_cast<T>(b[o]) : T(0);
      for (int k = 0; k < in; k++) acc += xi[k] * static_cast<T>(wo[k]);
      yi[o] = acc;
    }
  }
}

// dx[N,in] += dy[N,out] · W[out,in]
template <typename T, typename W>
void linear_backward_input(const T* dy, const W* w, T* dx, int n, int in, int out) {
  for (int i = 0; i < n; i++) {
    const T* dyi = dy + static_cast<size_t>(i) * out;
    T* dxi = dx + static_cast<size_t>(i) * in;
    for (int o = 0; o < out; o++) {
      const T g = dyi[o];
      if (g == T(0)) continue;
      const W* wo = w + static_cast<size_t>(o) * in;
      for (int k = 0; k < in; k++) dxi[k] += g * static_cast<T>(wo[k]);
    }
  }
}

// LoRA: y[N,out] += scale · (x · Aᵀ) · Bᵀ with A[r,in], B[out,r] (llama.cpp's lora_a ne=[in,r],
// lora_b ne=[r,out]). h[N,r] = x · Aᵀ is kept for the backward pass.
template <typename T>
void lora_forward(const T* x, const T* a, const T* b, T scale, T* h, T* y, int n, int in, int out, int r) {
  linear_forward<T, T>(x, a, nullptr, h, n, in, r);
  for (int i = 0; i < n; i++) {
    const T* hi = h + static_cast<size_t>(i) * r;
    T* yi = y + static_cast<size_t>(i) * out;
    for (int o = 0; o < out; o++) {
      const T* bo = b + static_cast<size_t>(o) * r;
      T acc = 0;
      for (int k = 0; k < r; k++) acc += hi[k] * bo[k];
      yi[o] += scale * acc;
    }
  }
}

// Gradients of the LoRA term: dA[r,in], dB[out,r] and dx[N,in] (all +=). dh is scratch [N,r].
template <typename T>
void lora_backward(const T* x, const T* a, const T* b, T scale, const T* h, const T* dy, T* da, T* db, T* dx, T* dh, int n,
                   int in, int out, int r) {
  std::fill(dh, dh + static_cast<size_t>(n) * r, T(0));
  for (int i = 0; i < n; i++) {
    const T* dyi = dy + static_cast<size_t>(i) * out;
    const T* hi = h + static_cast<size_t>(i) * r;
    T* dhi = dh + static_cast<size_t>(i) * r;
    for (int o = 0; o < out; o++) {
      const T g = scale * dyi[o];
      if (g == T(0)) continue;
      T* dbo = db + static_cast<size_t>(o) * r;
      const T* bo = b + static_cast<size_t>(o) * r;
      for (int k = 0; k < r; k++) {
        dbo[k] += g * hi[k];
        dhi[k] += g * bo[k];
      }
    }
  }
  for (int i = 0; i < n; i++) {
    const T* xi = x + static_cast<size_t>(i) * in;
    const T* dhi = dh + static_cast<size_t>(i) * r;
    for (int k = 0; k < r; k++) {
      T* dak = da + static_cast<size_t>(k) * in;
      const T g = dhi[k];
      for (int c = 0; c < in; c++) dak[c] += g * xi[c];
    }
  }
  if (dx) linear_backward_input<T, T>(dh, a, dx, n, in, r);
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
// keeps the softmax for the backward pass. Query head h reads key/value head h / (Hq/Hkv).
template <typename T>
void attention_forward(const T* q, const T* k, const T* v, T* out, T* probs, int n, int hq, int hkv, int dh) {
  const int group = hq / hkv;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  for (int h = 0; h < hq; h++) {
    const int kvh = h / group;
    for (int i = 0; i < n; i++) {
      T* p = probs + (static_cast<size_t>(h) * n + i) * n;
      const T* qi = q + (static_cast<size_t>(i) * hq + h) * dh;
      T m = -INFINITY;
      for (int j = 0; j <= i; j++) {
        const T* kj = k + (static_cast<size_t>(j) * hkv + kvh) * dh;
        T s = 0;
        for (int c = 0; c < dh; c++) s += qi[c] * kj[c];
        p[j] = s * scale;
        m = std::max(m, p[j]);
      }
      T sum = 0;
      for (int j = 0; j <= i; j++) sum += (p[j] = std::exp(p[j] - m));
      for (int j = 0; j <= i; j++) p[j] /= sum;
      for (int j = i + 1; j < n; j++) p[j] = 0;
      T* oi = out + (static_cast<size_t>(i) * hq + h) * dh;
      std::fill(oi, oi + dh, T(0));
      for (int j = 0; j <= i; j++) {
        const T* vj = v + (static_cast<size_t>(j) * hkv + kvh) * dh;
        for (int c = 0; c < dh; c++) oi[c] += p[j] * vj[c];
      }
    }
  }
}

// dq, dk, dv (+=) from dout. dp is scratch of N.
template <typename T>
void attention_backward(const T* q, const T* k, const T* v, const T* probs, const T* dout, T* dq, T* dk, T* dv, T* dp, int n,
                        int hq, int hkv, int dh) {
  const int group = hq / hkv;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  for (int h = 0; h < hq; h++) {
    const int kvh = h / group;
    for (int i = 0; i < n; i++) {
      const T* p = probs + (static_cast<size_t>(h) * n + i) * n;
      const T* doi = dout + (static_cast<size_t>(i) * hq + h) * dh;
      T weighted = 0;
      for (int j = 0; j <= i; j++) {
        const T* vj = v + (static_cast<size_t>(j) * hkv + kvh) * dh;
        T* dvj = dv + (static_cast<size_t>(j) * hkv + kvh) * dh;
        T s = 0;
        for (int c = 0; c < dh; c++) {
          s += doi[c] * vj[c];
          dvj[c] += p[j] * doi[c];
        }
        dp[j] = s;
        weighted += p[j] * s;
      }
      const T* qi = q + (static_cast<size_t>(i) * hq + h) * dh;
      T* dqi = dq + (static_cast<size_t>(i) * hq + h) * dh;
      for (int j = 0; j <= i; j++) {
        const T ds = p[j] * (dp[j] - weighted) * scale;
        const T* kj = k + (static_cast<size_t>(j) * hkv + kvh) * dh;
        T* dkj = dk + (static_cast<size_t>(j) * hkv + kvh) * dh;
        for (int c = 0; c < dh; c++) {
          dqi[c] += ds * kj[c];
          dkj[c] += ds * qi[c];
        }
      }
    }
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
