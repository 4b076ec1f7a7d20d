// Every op's backward against central finite differences of its forward, in double precision:
// L = Σ w·y for fixed random w, so dL/dy = w and the analytic gradient must equal dL/dx.
#include <algorithm>
#include <cmath>

#include "../src/cpu/ops.hpp"
#include "grad_check.hpp"
#include "test_main.hpp"

using codeq_test::gradient_error;
using codeq_test::Rng;
using Vec = std::vector<double>;

namespace {

constexpr double kTolerance = 1e-7;

double dot(const Vec& a, const Vec& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); i++) s += a[i] * b[i];
  return s;
}

}  // namespace

TEST(linear_input_gradient) {
  Rng rng(1);
  const int n = 3, in = 5, out = 4;
  Vec x = rng.vec<double>(n * in), w = rng.vec<double>(out * in), b = rng.vec<double>(out), dy = rng.vec<double>(n * out);
  Vec y(n * out), dx(n * in, 0.0);
  codeq::linear_backward_input(dy.data(), w.data(), dx.data(), n, in, out);
  auto loss = [&] {
    codeq::linear_forward(x.data(), w.data(), b.data(), y.data(), n, in, out);
    return dot(y, dy);
  };
  CHECK(gradient_error(x, dx, loss) < kTolerance);
}

TEST(lora_gradients) {
  Rng rng(2);
  const int n = 3, in = 6, out = 5, r = 2;
  const double scale = 1.7;
  Vec x = rng.vec<double>(n * in), a = rng.vec<double>(r * in), b = rng.vec<double>(out * r), dy = rng.vec<double>(n * out);
  Vec h(n * r), y(n * out), dh(n * r), da(r * in, 0.0), db(out * r, 0.0), dx(n * in, 0.0);
  auto loss = [&] {
    std::fill(y.begin(), y.end(), 0.0);
    codeq::lora_forward(x.data(), a.data(), b.data(), scale, h.data(), y.data(), n, in, out, r);
    return dot(y, dy);
  };
  loss();
  codeq::lora_backward(x.data(), a.data(), b.data(), scale, h.data(), dy.data(), da.data(), db.data(), dx.data(), dh.data(), n, in, out, r);
  CHECK(gradient_error(a, da, loss) < kTolerance);
  CHECK(gradient_error(b, db, loss) < kTolerance);
  CHECK(gradient_error(x, dx, loss) < kTolerance);
  // B = 0 (PEFT's initialisation): the adapter adds nothing.
  Vec zero(out * r, 0.0);
  std::fill(y.begin(), y.end(), 0.0);
  codeq::lora_forward(x.data(), a.data(), zero.data(), scale, h.data(), y.data(), n, in, out, r);
  CHECK(std::all_of(y.begin(), y.end(), [](double v) { return v == 0.0; }));
}

TEST(rmsnorm_gradient) {
  Rng rng(3);
  const int n = 3, d = 8;
  Vec x = rng.vec<double>(n * d), g = rng.vec<double>(d), dy = rng.vec<double>(n * d);
  Vec y(n * d), rstd(n), dx(n * d, 0.0);
  auto loss = [&] {
    codeq::rmsnorm_forward(x.data(), g.data(), 1e-6, y.data(), rstd.data(), n, d);
    return dot(y, dy);
  };
  loss();
  codeq::rmsnorm_backward(x.data(), g.data(), rstd.data(), dy.data(), dx.data(), n, d);
  CHECK(gradient_error(x, dx, loss) < kTolerance);
}

TEST(rope_gradient_and_norm) {
  Rng rng(4);
  const int n = 4, heads = 2, dh = 8;
  const int32_t positions[] = {0, 1, 5, 17};
  Vec x = rng.vec<double>(n * heads * dh), dy = rng.vec<double>(n * heads * dh);
  Vec dx = dy;
  codeq::rope_backward(dx.data(), positions, n, heads, dh, 10000.0);
  auto loss = [&] {
    Vec y = x;
    codeq::rope_forward(y.data(), positions, n, heads, dh, 10000.0);
    return dot(y, dy);
  };
  CHECK(gradient_error(x, dx, loss) < kTolerance);
  Vec y = x;
  codeq::rope_forward(y.data(), positions, n, heads, dh, 10000.0);
  CHECK_CLOSE(dot(y, y), dot(x, x), 1e-12);  // a rotation keeps the norm
  for (int c = 0; c < heads * dh; c++) CHECK_CLOSE(y[c], x[c], 1e-15);  // position 0: identity
}

TEST(attention_gradients_grouped_causal) {
  Rng rng(5);
  const int n = 4, hq = 4, hkv = 2, dh = 3;
  Vec q = rng.vec<double>(n * hq * dh), k = rng.vec<double>(n * hkv * dh), v = rng.vec<double>(n * hkv * dh);
  Vec dout = rng.vec<double>(n * hq * dh);
  Vec out(n * hq * dh), probs(static_cast<size_t>(hq) * n * n), dp(n * n);
  auto loss = [&] {
    codeq::attention_forward(q.data(), k.data(), v.data(), out.data(), probs.data(), n, hq, hkv, dh);
    return dot(out, dout);
  };
  loss();
  Vec dq(q.size(), 0.0), dk(k.size(), 0.0), dv(v.size(), 0.0);
  codeq::attention_backward(q.data(), k.data(), v.data(), probs.data(), dout.data(), dq.data(), dk.data(), dv.data(), dp.data(), n, hq, hkv, dh);
  CHECK(gradient_error(q, dq, loss) < kTolerance);
  CHECK(gradient_error(k, dk, loss) < kTolerance);
  CHECK(gradient_error(v, dv, loss) < kTolerance);
  // Causal: the first position attends only to itself; rows are distributions.
  loss();
  for (int h = 0; h < hq; h++) {
    CHECK_CLOSE(probs[(static_cast<size_t>(h) * n) * n], 1.0, 1e-15);
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (int j = 0; j < n; j++) sum += probs[(static_cast<size_t>(h) * n + i) * n + j];
      CHECK_CLOSE(sum, 1.0, 1e-12);
    }
  }
}

TEST(swiglu_gradients) {
  Rng rng(6);
  const size_t count = 12;
  Vec gate = rng.vec<double>(count, 3.0), up = rng.vec<double>(count), dy = rng.vec<double>(count);
  Vec y(count), dgate(count, 0.0), dup(count, 0.0);
  auto loss = [&] {
    codeq::swiglu_forward(gate.data(), up.data(), y.data(), count);
    return dot(y, dy);
  };
  codeq::swiglu_backward(gate.data(), up.data(), dy.data(), dgate.data(), dup.data(), count);
  CHECK(gradient_error(gate, dgate, loss) < kTolerance);
  CHECK(gradient_error(up, dup, loss) < kTolerance);
}

TEST(logprob_gradient_and_values) {
  Rng rng(7);
  const int n = 3, vocab = 11;
  const int32_t targets[] = {0, 7, 10};
  Vec logits = rng.vec<double>(n * vocab, 4.0), dlogp = rng.vec<double>(n);
  Vec logp(n), stats(2 * n), dlogits(n * vocab, 0.0);
  auto loss = [&] {
    codeq::logprob_forward(logits.data(), targets, logp.data(), stats.data(), n, vocab);
    return dot(logp, dlogp);
  };
  loss();
  codeq::logprob_backward(logits.data(), targets, stats.data(), dlogp.data(), dlogits.data(), n, vocab);
  CHECK(gradient_error(logits, dlogits, loss) < kTolerance);
  // Uniform logits: log(1/V); huge logits stay finite in float.
  std::vector<float> flat(vocab, 1000.0f), lp(1), l(2);
  codeq::logprob_forward(flat.data(), targets, lp.data(), l.data(), 1, vocab);
  CHECK_CLOSE(lp[0], -std::log(11.0), 1e-6);
}

// The float products (BLAS when built with it) against the double loops, with strided operands.
TEST(float_gemm_matches_the_double_loops) {
  Rng rng(8);
  const int m = 5, n = 7, k = 4, lda = 9, ldb = 11, ldc = 8;
  auto to_float = [](const Vec& v) { return std::vector<float>(v.begin(), v.end()); };
  Vec a = rng.vec<double>(16 * 16), b = rng.vec<double>(16 * 16), c0 = rng.vec<double>(16 * 16);
  std::vector<float> af = to_float(a), bf = to_float(b);
  for (int variant = 0; variant < 3; variant++) {
    Vec c = c0;
    std::vector<float> cf = to_float(c0);
    if (variant == 0) {
      codeq::gemm_nt(m, n, k, 0.5, a.data(), lda, b.data(), ldb, 2.0, c.data(), ldc);
      codeq::gemm_nt(m, n, k, 0.5f, af.data(), lda, bf.data(), ldb, 2.0f, cf.data(), ldc);
    } else if (variant == 1) {
      codeq::gemm_nn(m, n, k, 0.5, a.data(), lda, b.data(), ldb, 2.0, c.data(), ldc);
      codeq::gemm_nn(m, n, k, 0.5f, af.data(), lda, bf.data(), ldb, 2.0f, cf.data(), ldc);
    } else {
      codeq::gemm_tn(m, n, k, 0.5, a.data(), lda, b.data(), ldb, 2.0, c.data(), ldc);
      codeq::gemm_tn(m, n, k, 0.5f, af.data(), lda, bf.data(), ldb, 2.0f, cf.data(), ldc);
    }
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) CHECK_CLOSE(cf[i * ldc + j], c[i * ldc + j], 1e-5);
    // A plain-loop reference for one entry of each variant.
    double expect = 0;
    for (int p = 0; p < k; p++) {
      const double x = variant == 2 ? a[p * lda + 2] : a[2 * lda + p];
      const double y = variant == 0 ? b[3 * ldb + p] : b[p * ldb + 3];
      expect += x * y;
    }
    CHECK_CLOSE(c[2 * ldc + 3], 0.5 * expect + 2.0 * c0[2 * ldc + 3], 1e-12);
  }
}
