// The whole model, forward and backward, on a tiny qwen2 written here: gradients of response
// log-probs with respect to every LoRA parameter against finite differences, in double.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "../src/cpu/qwen2.hpp"
#include "gguf_writer.hpp"
#include "grad_check.hpp"
#include "test_main.hpp"

using Model = codeq::Qwen2Weights<double>;
using Lora = codeq::LoraParams<double>;

namespace {

std::string tiny_path(bool tied) {
  const std::string path = codeq_test::temp_path(tied ? "tiny-tied.gguf" : "tiny.gguf");
  codeq_test::TinyShape shape;
  shape.tied = tied;
  codeq_test::write_tiny_qwen2(path, shape, tied ? 3 : 2);
  return path;
}

Lora random_lora(const codeq::Qwen2Config& c, codeq_test::Rng& rng) {
  std::array<bool, codeq::kTargets> all;
  all.fill(true);
  Lora p = Lora::zeros(c, 2, 0.75, all);
  for (int l = 0; l < c.layers; l++)
    for (int t = 0; t < codeq::kTargets; t++) {
      for (auto& x : p.a[l][t]) x = rng.uniform(-0.5, 0.5);
      for (auto& x : p.b[l][t]) x = rng.uniform(-0.5, 0.5);
    }
  return p;
}

double weighted(const std::vector<double>& logp, const std::vector<double>& w) {
  double s = 0;
  for (size_t i = 0; i < logp.size(); i++) s += logp[i] * w[i];
  return s;
}

}  // namespace

TEST(qwen2_lora_gradients_match_finite_differences) {
  for (auto [tied, dropout] : std::vector<std::pair<bool, double>>{{false, 0.0}, {true, 0.0}, {false, 0.3}}) {
    codeq::GgufFile file(tiny_path(tied));
    const Model model = Model::load(file);
    codeq_test::Rng rng(21);
    Lora lora = random_lora(model.config, rng);
    const std::vector<int32_t> tokens = {1, 5, 9, 2, 15, 0, 7};
    const int first = 3;  // tokens 3.. are the response
    const std::vector<double> w = rng.vec<double>(tokens.size() - first);
    codeq::Qwen2Pass<double> pass(model, &lora, dropout, 99);
    const auto logp = pass.forward(tokens, first);
    CHECK(logp.size() == tokens.size() - first);
    for (double v : logp) CHECK(v < 0 && std::isfinite(v));
    Lora grads = Lora::zeros(model.config, lora.rank, lora.scale, lora.targets);
    pass.backward(w, grads);
    auto loss = [&] {
      codeq::Qwen2Pass<double> p(model, &lora, dropout, 99);  // the same masks every time
      return weighted(p.forward(tokens, first), w);
    };
    if (dropout > 0) {  // the masks matter
      codeq::Qwen2Pass<double> plain(model, &lora);
      CHECK(plain.forward(tokens, first) != logp);
    }
    size_t checked = 0;
    const double worst = codeq_test::gradient_error(lora, grads, loss, 1, &checked);
    if (worst >= 1e-7) std::fprintf(stderr, "  tied=%d dropout=%.1f: worst relative error %.3g over %zu parameters\n", tied, dropout, worst, checked);
    CHECK(worst < 1e-7);
    CHECK(checked == 464);  // every A and B entry of 7 targets × 2 layers
  }
}

TEST(qwen2_zero_b_equals_the_base_model) {
  codeq::GgufFile file(tiny_path(false));
  const Model model = Model::load(file);
  codeq_test::Rng rng(22);
  Lora lora = random_lora(model.config, rng);
  for (auto& layer : lora.b)
    for (auto& b : layer) std::fill(b.begin(), b.end(), 0.0);
  const std::vector<int32_t> tokens = {3, 1, 4, 1, 5, 9, 2, 6};
  codeq::Qwen2Pass<double> base(model, nullptr), adapted(model, &lora);
  const auto a = base.forward(tokens, 1), b = adapted.forward(tokens, 1);
  for (size_t i = 0; i < a.size(); i++) CHECK(a[i] == b[i]);
  // Probabilities over the vocabulary sum to 1 at a position (log-probs of every next token).
  double total = 0;
  for (int32_t next = 0; next < model.config.vocab; next++) {
    std::vector<int32_t> seq = {3, 1, next};
    codeq::Qwen2Pass<double> p(model, nullptr);
    total += std::exp(p.forward(seq, 2)[0]);
  }
  CHECK_CLOSE(total, 1.0, 1e-12);
}
