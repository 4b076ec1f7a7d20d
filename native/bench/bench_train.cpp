// One DPO configuration timed end to end on the CPU: load a qwen2 GGUF, take synthetic pairs of
// fixed lengths, compute reference log-probs, then time optimizer steps (forward and backward of
// chosen and rejected). Prints one JSON object; bench/train.ts runs it beside the PyTorch peer.
//   codeq_bench_train MODEL.gguf PROMPT_TOKENS ANSWER_TOKENS STEPS RANK
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cpu/trainer.hpp"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s MODEL.gguf PROMPT_TOKENS ANSWER_TOKENS STEPS RANK\n", argv[0]);
    return 2;
  }
  try {
    const int prompt = std::atoi(argv[2]), answer = std::atoi(argv[3]), steps = std::atoi(argv[4]), rank = std::atoi(argv[5]);
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    codeq::GgufFile file(argv[1]);
    const auto weights = codeq::Qwen2Weights<float>::load(file);
    const double load_s = std::chrono::duration<double>(clock::now() - t0).count();
    codeq::TrainConfig cfg;
    cfg.rank = rank;
    cfg.alpha = 2.0 * rank;
    cfg.max_steps = steps;
    cfg.max_length = prompt + answer + 1;
    cfg.learning_rate = 1e-5;
    codeq::Trainer<float> trainer(weights, cfg);
    // Token ids spread over the vocabulary, the same rule as the PyTorch peer.
    const int vocab = weights.config.vocab;
    auto ids = [vocab](int n, int salt) {
      std::vector<int32_t> v(n);
      for (int i = 0; i < n; i++) v[i] = static_cast<int32_t>((1009LL * (i + 1) + 7919LL * salt) % vocab);
      return v;
    };
    codeq::Pair pair;
    pair.prompt = ids(prompt, 1);
    pair.chosen = ids(answer, 2);
    pair.rejected = ids(answer, 3);
    const auto t1 = clock::now();
    trainer.set_pairs({pair});
    const double ref_s = std::chrono::duration<double>(clock::now() - t1).count();
    double step_s = 0;
    for (int s = 0; s < steps; s++) {
      const auto t = clock::now();
      trainer.step();
      const double d = std::chrono::duration<double>(clock::now() - t).count();
      if (s > 0 || steps == 1) step_s += d;  // the first step warms caches up
    }
    step_s /= steps > 1 ? steps - 1 : 1;
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    const double tokens = 2.0 * (prompt + answer);
    std::printf("{\"step_seconds\": %.4f, \"tokens_per_second\": %.2f, \"reference_seconds\": %.3f, \"load_seconds\": %.2f, \"peak_rss_mb\": %.1f}\n", step_s,
                tokens / step_s, ref_s, load_s, usage.ru_maxrss / 1024.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
