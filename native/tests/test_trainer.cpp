// DPO training on the tiny model: loss derivatives, the whole loss's gradient for every loss
// type against finite differences (double), learning on synthetic pairs, determinism, schedules.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "../src/cpu/adapter.hpp"
#include "../src/cpu/trainer.hpp"
#include "gguf_writer.hpp"
#include "grad_check.hpp"
#include "test_main.hpp"

namespace {

std::string tiny_model() {
  const std::string path = codeq_test::temp_path("trainer-tiny.gguf");
  codeq_test::write_tiny_qwen2(path, codeq_test::TinyShape{}, 5);
  return path;
}

std::vector<codeq::Pair> synthetic_pairs() {
  // Prefer "count up" answers to "count down" ones after the same prompts.
  std::vector<codeq::Pair> pairs;
  for (int32_t start : {1, 3, 5, 7}) {
    codeq::Pair p;
    p.prompt = {0, start, 2};
    p.chosen = {start, start + 1, start + 2, 15};
    p.rejected = {start + 2, start + 1, start, 15};
    pairs.push_back(p);
  }
  return pairs;
}

}  // namespace

TEST(preference_losses_and_their_derivatives) {
  using codeq::LossType;
  for (LossType type : {LossType::Sigmoid, LossType::Robust, LossType::Hinge, LossType::Ipo}) {
    for (double pc : {-3.0, -1.2, 0.4}) {
      const double beta = 0.7, eps = type == LossType::Hinge || type == LossType::Ipo ? 0.0 : 0.1, pr = -2.0, rc = -2.5, rr = -1.0, h = 1e-6;
      const auto at = codeq::preference_loss(type, beta, eps, pc, pr, rc, rr);
      const double numeric_c = (codeq::preference_loss(type, beta, eps, pc + h, pr, rc, rr).loss - codeq::preference_loss(type, beta, eps, pc - h, pr, rc, rr).loss) / (2 * h);
      const double numeric_r = (codeq::preference_loss(type, beta, eps, pc, pr + h, rc, rr).loss - codeq::preference_loss(type, beta, eps, pc, pr - h, rc, rr).loss) / (2 * h);
      CHECK_CLOSE(at.d_chosen, numeric_c, 1e-7);
      CHECK_CLOSE(at.d_rejected, numeric_r, 1e-7);
    }
  }
  // TRL's definitions at β = 0.1, h = 2 (ε = 0.1 where used), worked by hand:
  // sigmoid −log σ(0.2) = 0.598139; cDPO 0.9·0.598139 + 0.1·0.798139 = 0.618139;
  // robust (0.9·0.598139 − 0.1·0.798139)/0.8 = 0.573139; hinge relu(1 − 0.2) = 0.8; IPO (2 − 5)² = 9.
  CHECK_CLOSE(codeq::preference_loss(LossType::Sigmoid, 0.1, 0, 2, 0, 0, 0).loss, 0.598138869, 1e-8);
  CHECK_CLOSE(codeq::preference_loss(LossType::Sigmoid, 0.1, 0.1, 2, 0, 0, 0).loss, 0.618138869, 1e-8);
  CHECK_CLOSE(codeq::preference_loss(LossType::Robust, 0.1, 0.1, 2, 0, 0, 0).loss, 0.573138869, 1e-8);
  CHECK_CLOSE(codeq::preference_loss(LossType::Hinge, 0.1, 0, 2, 0, 0, 0).loss, 0.8, 1e-12);
  CHECK_CLOSE(codeq::preference_loss(LossType::Ipo, 0.1, 0, 2, 0, 0, 0).loss, 9.0, 1e-12);
  // DPO at a zero margin is log 2; IPO's minimum is at h = 1/(2β).
  CHECK_CLOSE(codeq::preference_loss(LossType::Sigmoid, 0.1, 0, -1, -1, -1, -1).loss, std::log(2.0), 1e-15);
  CHECK_CLOSE(codeq::preference_loss(LossType::Ipo, 0.5, 0, 1, 0, 0, 0).loss, 0.0, 1e-15);
  CHECK(std::isfinite(codeq::preference_loss(LossType::Sigmoid, 1, 0, 1000, -1000, 0, 0).loss));
}

TEST(dpo_loss_gradients_match_finite_differences_for_every_loss_type) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<double>::load(file);
  for (auto [type, rpo] : std::vector<std::pair<codeq::LossType, double>>{
           {codeq::LossType::Sigmoid, 0.0}, {codeq::LossType::Sigmoid, 0.5}, {codeq::LossType::Robust, 0.0}, {codeq::LossType::Hinge, 0.0}, {codeq::LossType::Ipo, 0.0}}) {
    codeq::TrainConfig cfg;
    cfg.rank = 2;
    cfg.alpha = 3;
    cfg.loss = type;
    cfg.beta = 0.8;
    cfg.label_smoothing = type == codeq::LossType::Sigmoid || type == codeq::LossType::Robust ? 0.1 : 0.0;
    cfg.rpo_alpha = rpo;
    cfg.seed = 9;
    codeq::Trainer<double> trainer(weights, cfg);
    auto pairs = synthetic_pairs();
    pairs.resize(2);
    trainer.set_pairs(pairs);
    // B away from zero, so that A's gradients are not zero.
    codeq_test::Rng rng(31);
    for (auto& layer : trainer.params().b)
      for (auto& b : layer)
        for (auto& x : b) x = rng.uniform(-0.3, 0.3);
    const std::vector<size_t> batch = {0, 1};
    auto grads = codeq::LoraParams<double>::zeros(weights.config, cfg.rank, trainer.params().scale, cfg.targets);
    trainer.gradients(batch, grads);
    auto loss = [&] {
      auto scratch = codeq::LoraParams<double>::zeros(weights.config, cfg.rank, trainer.params().scale, cfg.targets);
      return trainer.gradients(batch, scratch).loss;
    };
    // Every third parameter: all shapes, a third of the time.
    const double worst = codeq_test::gradient_error(trainer.params(), grads, loss, 3);
    if (worst >= 1e-7) std::fprintf(stderr, "  loss type %d (rpo %.1f): worst relative error %.3g\n", static_cast<int>(type), rpo, worst);
    CHECK(worst < 1e-7);
  }
}

TEST(dpo_training_learns_the_preference_and_is_deterministic) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  codeq::TrainConfig cfg;
  cfg.rank = 4;
  cfg.alpha = 8;
  cfg.beta = 0.5;
  cfg.learning_rate = 2e-2;
  cfg.max_steps = 30;
  cfg.warmup_steps = 3;
  cfg.batch_size = 2;
  cfg.gradient_accumulation_steps = 2;
  cfg.seed = 4;
  auto run = [&] {
    codeq::Trainer<float> trainer(weights, cfg);
    trainer.set_pairs(synthetic_pairs());
    std::vector<codeq::StepMetrics> metrics;
    for (int s = 0; s < cfg.max_steps; s++) metrics.push_back(trainer.step());
    return std::make_pair(metrics, trainer.params());
  };
  const auto [first, params] = run();
  // The adapter starts as a no-op: the first step sees policy = reference.
  CHECK_CLOSE(first.front().loss, std::log(2.0), 1e-6);
  CHECK_CLOSE(first.front().rewards_margins, 0.0, 1e-6);
  CHECK(first.front().learning_rate == 0.0);  // warmup starts at 0
  const auto& last = first.back();
  CHECK(last.loss < 0.3);
  CHECK(last.rewards_accuracies == 1.0);
  CHECK(last.rewards_margins > 1.0);
  CHECK(last.rewards_chosen > 0);
  CHECK(last.grad_norm > 0 && std::isfinite(last.grad_norm));
  std::printf("     loss %.4f -> %.4f, margins %.3f -> %.3f over %d steps\n", first.front().loss, last.loss, first.front().rewards_margins, last.rewards_margins, cfg.max_steps);
  // Same seed, same everything, bit for bit.
  const auto [again, params2] = run();
  for (size_t s = 0; s < first.size(); s++) CHECK(std::memcmp(&first[s].loss, &again[s].loss, sizeof(double)) == 0);
  for (int l = 0; l < weights.config.layers; l++)
    for (int t = 0; t < codeq::kTargets; t++) CHECK(params.a[l][t] == params2.a[l][t] && params.b[l][t] == params2.b[l][t]);
}

TEST(trainer_cuts_long_pairs_and_schedules_the_learning_rate) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  codeq::TrainConfig cfg;
  cfg.max_length = 6;
  cfg.learning_rate = 1.0;
  cfg.warmup_steps = 2;
  cfg.max_steps = 6;
  codeq::Trainer<float> trainer(weights, cfg);
  codeq::Pair p;
  p.prompt = {1, 2, 3, 4, 5};
  p.chosen = {6, 7};
  p.rejected = {8, 9, 10};
  trainer.set_pairs({p});
  CHECK(trainer.truncated() == 1);
  CHECK(trainer.pairs()[0].prompt.back() == 5);  // cut from the left: the end of the prompt stays
  CHECK((trainer.pairs()[0].prompt == std::vector<int32_t>{3, 4, 5}));  // 6 − 3 (the longer answer) = 3 prompt tokens
  CHECK_CLOSE(trainer.learning_rate(0), 0.0, 0);
  CHECK_CLOSE(trainer.learning_rate(1), 0.5, 1e-15);
  CHECK_CLOSE(trainer.learning_rate(2), 1.0, 1e-15);
  CHECK_CLOSE(trainer.learning_rate(4), 0.5, 1e-15);  // linear: halfway through the decay
  cfg.schedule = codeq::Schedule::Cosine;
  codeq::Trainer<float> cosine(weights, cfg);
  CHECK_CLOSE(cosine.learning_rate(4), 0.5, 1e-12);
  CHECK_CLOSE(cosine.learning_rate(3), 0.5 * (1 + std::cos(M_PI * 0.25)), 1e-12);
}

namespace {

codeq::TrainConfig small_config() {
  codeq::TrainConfig cfg;
  cfg.rank = 4;
  cfg.alpha = 8;
  cfg.beta = 0.5;
  cfg.learning_rate = 1e-2;
  cfg.max_steps = 10;
  cfg.warmup_steps = 2;
  cfg.schedule = codeq::Schedule::Cosine;
  cfg.weight_decay = 0.01;
  cfg.dropout = 0.1;  // resume must reproduce the dropout masks too
  cfg.seed = 17;
  return cfg;
}

std::string temp_file(const char* name) { return codeq_test::temp_path(name); }

}  // namespace

TEST(resuming_from_a_checkpoint_reproduces_the_uninterrupted_run_bitwise) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  const auto cfg = small_config();
  codeq::Trainer<float> straight(weights, cfg);
  straight.set_pairs(synthetic_pairs());
  std::vector<double> losses;
  for (int s = 0; s < cfg.max_steps; s++) losses.push_back(straight.step().loss);

  const std::string ckpt = temp_file("resume.ckpt");
  {
    codeq::Trainer<float> first(weights, cfg);
    first.set_pairs(synthetic_pairs());
    for (int s = 0; s < 4; s++) first.step();
    first.save_checkpoint(ckpt);
  }
  codeq::Trainer<float> resumed(weights, cfg);
  resumed.set_pairs(synthetic_pairs());
  resumed.load_checkpoint(ckpt);
  CHECK(resumed.step_count() == 4);
  for (int s = 4; s < cfg.max_steps; s++) {
    const double loss = resumed.step().loss;
    CHECK(std::memcmp(&loss, &losses[s], sizeof(double)) == 0);
  }
  for (int l = 0; l < weights.config.layers; l++)
    for (int t = 0; t < codeq::kTargets; t++) CHECK(resumed.params().a[l][t] == straight.params().a[l][t] && resumed.params().b[l][t] == straight.params().b[l][t]);
  std::remove(ckpt.c_str());
}

TEST(a_bad_checkpoint_is_refused_and_changes_nothing) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  const std::string ckpt = temp_file("bad.ckpt");
  codeq::Trainer<float> trainer(weights, small_config());
  trainer.set_pairs(synthetic_pairs());
  trainer.step();
  trainer.save_checkpoint(ckpt);
  auto refused = [&](codeq::Trainer<float>& t, const char* needle) {
    try {
      t.load_checkpoint(ckpt);
    } catch (const std::exception& e) {
      if (!std::strstr(e.what(), needle)) std::fprintf(stderr, "  message: %s\n", e.what());
      return std::strstr(e.what(), needle) != nullptr;
    }
    return false;
  };
  auto other_cfg = small_config();
  other_cfg.seed = 18;
  codeq::Trainer<float> other(weights, other_cfg);
  other.set_pairs(synthetic_pairs());
  const auto before = other.params().a[0][0];
  CHECK(refused(other, "another model, adapter shape, training config or pair set"));
  CHECK(other.params().a[0][0] == before && other.step_count() == 0);
  // Truncated.
  std::ifstream in(ckpt, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(ckpt, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 9));
  codeq::Trainer<float> same(weights, small_config());
  same.set_pairs(synthetic_pairs());
  CHECK(refused(same, "checksum mismatch"));
  std::ofstream(ckpt) << "not a checkpoint";
  CHECK(refused(same, "bad magic"));
  std::remove(ckpt.c_str());
}

TEST(the_exported_adapter_reads_back_as_the_trained_one) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  codeq::Trainer<float> trainer(weights, small_config());
  trainer.set_pairs(synthetic_pairs());
  for (int s = 0; s < 3; s++) trainer.step();
  const std::string path = temp_file("adapter.gguf");
  trainer.export_adapter(path, "codeq test adapter");
  codeq::GgufFile adapter(path);
  CHECK(adapter.string("general.type") == "adapter");
  CHECK(adapter.string("adapter.type") == "lora");
  CHECK(adapter.number("adapter.lora.alpha") == 8.0);
  CHECK((adapter.tensor("blk.0.attn_q.weight.lora_a").ne == std::vector<uint64_t>{8, 4}));
  CHECK((adapter.tensor("blk.1.ffn_down.weight.lora_b").ne == std::vector<uint64_t>{4, 8}));
  const auto loaded = codeq::read_lora_adapter(adapter, weights.config, 1.0f);
  CHECK(loaded.scale == trainer.params().scale);
  const std::vector<int32_t> tokens = {0, 1, 2, 1, 2, 3, 15};
  codeq::Qwen2Pass<float> a(weights, &trainer.params()), b(weights, &loaded);
  CHECK(a.forward(tokens, 3) == b.forward(tokens, 3));
  std::remove(path.c_str());
}

TEST(a_non_finite_gradient_stops_training_naming_the_step_and_tensor) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  codeq::Trainer<float> trainer(weights, small_config());
  trainer.set_pairs(synthetic_pairs());
  trainer.step();
  trainer.params().a[1][codeq::kUp][3] = NAN;  // poison one weight
  try {
    trainer.step();
    CHECK(false);
  } catch (const std::runtime_error& e) {
    const bool named = std::strstr(e.what(), "step 2:") && std::strstr(e.what(), "not finite") && std::strstr(e.what(), "blk.");
    if (!named) std::fprintf(stderr, "  message: %s\n", e.what());
    CHECK(named);
  }
  CHECK(trainer.step_count() == 1);
}

TEST(bad_pairs_and_a_short_checkpoint_with_a_valid_checksum_are_refused) {
  codeq::GgufFile file(tiny_model());
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  codeq::Trainer<float> trainer(weights, small_config());
  auto pairs = synthetic_pairs();
  pairs[1].chosen[0] = 16;  // the tiny vocabulary has 16 tokens
  try {
    trainer.set_pairs(pairs);
    CHECK(false);
  } catch (const std::invalid_argument& e) {
    CHECK(std::strstr(e.what(), "pair 1 has token 16, outside the vocabulary of 16") != nullptr);
  }
  trainer.set_pairs(synthetic_pairs());
  const std::string ckpt = temp_file("short.ckpt");
  trainer.save_checkpoint(ckpt);
  std::ifstream in(ckpt, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Drop 100 bytes of tensor data and write a checksum that matches what is left.
  bytes.erase(bytes.end() - 108, bytes.end() - 8);
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i + 8 < bytes.size(); i++) h = (h ^ bytes[i]) * 0x100000001b3ULL;
  std::memcpy(bytes.data() + bytes.size() - 8, &h, 8);
  std::ofstream(ckpt, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  try {
    trainer.load_checkpoint(ckpt);
    CHECK(false);
  } catch (const std::runtime_error& e) {
    const bool ok = std::strstr(e.what(), "too short for what it declares") != nullptr;
    if (!ok) std::fprintf(stderr, "  message: %s\n", e.what());
    CHECK(ok);
  }
  std::remove(ckpt.c_str());
}

TEST(the_merged_model_scores_like_base_plus_adapter) {
  const std::string base_path = tiny_model();
  codeq::GgufFile file(base_path);
  const auto weights = codeq::Qwen2Weights<float>::load(file);
  codeq::Trainer<float> trainer(weights, small_config());
  trainer.set_pairs(synthetic_pairs());
  for (int s = 0; s < 5; s++) trainer.step();
  const std::string path = temp_file("merged.gguf");
  trainer.export_merged(file, path);
  codeq::GgufFile merged(path);
  CHECK(merged.string("general.architecture") == "qwen2");
  CHECK(merged.integer("general.file_type") == 1);
  CHECK(merged.tensor("blk.0.attn_q.weight").type == 1);    // F16
  CHECK(merged.tensor("blk.0.attn_norm.weight").type == 0);  // F32
  const auto merged_weights = codeq::Qwen2Weights<float>::load(merged);
  const std::vector<int32_t> tokens = {0, 1, 2, 1, 2, 3, 15};
  codeq::Qwen2Pass<float> adapted(weights, &trainer.params()), plain(merged_weights, nullptr), base(weights, nullptr);
  const auto a = adapted.forward(tokens, 3), m = plain.forward(tokens, 3), b = base.forward(tokens, 3);
  double worst = 0, moved = 0;
  for (size_t i = 0; i < a.size(); i++) {
    worst = std::max(worst, std::fabs(static_cast<double>(a[i] - m[i])));
    moved = std::max(moved, std::fabs(static_cast<double>(a[i] - b[i])));
  }
  CHECK(worst < 5e-3);  // F16 rounding of the merged weights
  CHECK(moved > 10 * worst);  // and the adapter is really in there
  std::remove(path.c_str());
}
