// LoRA adapters in llama.cpp's GGUF format: `<base>.lora_a` with ne = [in, rank] (A[rank][in])
// and `<base>.lora_b` with ne = [rank, out] (B[out][rank]); effective scale = scale · alpha / rank.
#pragma once

#include <string>

#include "gguf.hpp"
#include "qwen2.hpp"

namespace codeq {

inline LoraParams<float> read_lora_adapter(const GgufFile& file, const Qwen2Config& config, float scale) {
  const std::string where = file.path() + ": ";
  if (!file.has("general.type") || file.string("general.type") != "adapter" || !file.has("adapter.type") || file.string("adapter.type") != "lora") {
    throw GgufError(where + "not a LoRA adapter (general.type must be adapter, adapter.type lora). HINT: pass an adapter written by codeq train");
  }
  int rank = 0;
  std::array<bool, kTargets> targets{};
  for (const auto& t : file.tensors()) {
    const auto dot = t.name.rfind(".lora_a");
    if (dot == std::string::npos || dot + 7 != t.name.size()) continue;
    if (t.ne.size() < 2) throw GgufError(where + "tensor " + t.name + " is not a matrix");
    if (rank == 0) rank = static_cast<int>(t.ne[1]);
    if (static_cast<int>(t.ne[1]) != rank) throw GgufError(where + "tensor " + t.name + " has rank " + std::to_string(t.ne[1]) + ", others " + std::to_string(rank));
  }
  if (rank == 0) throw GgufError(where + "no *.lora_a tensors. HINT: the adapter is empty");
  const double alpha = file.has("adapter.lora.alpha") ? file.number("adapter.lora.alpha") : 0.0;
  // llama.cpp: scale · alpha / rank when alpha is set, else the scale alone.
  const float effective = alpha != 0.0 ? static_cast<float>(scale * alpha / rank) : scale;
  // Which targets the file adapts (all layers alike), then the values.
  for (const auto& t : file.tensors())
    for (int target = 0; target < kTargets; target++)
      if (t.name == std::string("blk.0.") + lora_target_name(target) + ".weight.lora_a") targets[target] = true;
  LoraParams<float> p = LoraParams<float>::zeros(config, rank, effective, targets);
  size_t used = 0;
  for (int l = 0; l < config.layers; l++)
    for (int target = 0; target < kTargets; target++) {
      if (!targets[target]) continue;
      const std::string base = "blk." + std::to_string(l) + "." + lora_target_name(target) + ".weight";
      const auto [in, out] = lora_shape(config, target);
      const GgufTensor& a = file.tensor(base + ".lora_a");
      const GgufTensor& b = file.tensor(base + ".lora_b");
      if (a.ne[0] != static_cast<uint64_t>(in) || b.ne.size() < 2 || b.ne[0] != static_cast<uint64_t>(rank) || b.ne[1] != static_cast<uint64_t>(out)) {
        throw GgufError(where + base + ": lora_a/lora_b shapes do not fit the model (expected ne [" + std::to_string(in) + ", " + std::to_string(rank) + "] and [" +
                        std::to_string(rank) + ", " + std::to_string(out) + "])");
      }
      p.a[l][target] = file.dequantize(a);
      p.b[l][target] = file.dequantize(b);
      used += 2;
    }
  size_t present = 0;
  for (const auto& t : file.tensors()) present += t.name.size() > 7 && (t.name.compare(t.name.size() - 7, 7, ".lora_a") == 0 || t.name.compare(t.name.size() - 7, 7, ".lora_b") == 0);
  if (used != present) throw GgufError(where + "adapts " + std::to_string(present) + " tensors, but only " + std::to_string(used) + " fit the same targets in every layer. HINT: codeq adapts a target in all layers or none");
  return p;
}

}  // namespace codeq
