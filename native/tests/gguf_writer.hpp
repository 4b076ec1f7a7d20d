// Writes small GGUF files for the native tests (no Node needed).
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace codeq_test {

class Writer {
 public:
  void str(const std::string& s) {
    u64(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void f32(float v) { raw(&v, 4); }
  void raw(const void* p, size_t n) { bytes_.insert(bytes_.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); }
  void pad(size_t alignment) {
    while (bytes_.size() % alignment) bytes_.push_back(0);
  }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

struct TinyShape {
  int layers = 2, hidden = 8, heads = 2, kv_heads = 1, ffn = 12, vocab = 16, context = 64;
  float rope_base = 10000.0f, eps = 1e-6f;
  bool tied = false;
};

// A tiny qwen2 model with seeded random F32 weights (norms near 1): enough for llama.cpp's
// metadata checks is not needed here, only what the trainer reads.
inline void write_tiny_qwen2(const std::string& path, const TinyShape& s, uint64_t seed) {
  struct Tensor {
    std::string name;
    std::vector<uint64_t> ne;
    std::vector<float> values;
  };
  uint64_t state = seed;
  auto uniform = [&state](double scale) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return static_cast<float>(scale * (2.0 * (static_cast<double>(z >> 11) / 9007199254740992.0) - 1.0));
  };
  std::vector<Tensor> tensors;
  auto add = [&](const std::string& name, std::vector<uint64_t> ne, double scale, float offset = 0) {
    uint64_t n = 1;
    for (auto d : ne) n *= d;
    std::vector<float> v(n);
    for (auto& x : v) x = offset + uniform(scale);
    tensors.push_back({name, ne, v});
  };
  const uint64_t d = s.hidden, q = s.hidden, kv = static_cast<uint64_t>(s.kv_heads) * (s.hidden / s.heads), f = s.ffn, v = s.vocab;
  add("token_embd.weight", {d, v}, 1.0);
  add("output_norm.weight", {d}, 0.1, 1.0f);
  if (!s.tied) add("output.weight", {d, v}, 0.5);
  for (int l = 0; l < s.layers; l++) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm.weight", {d}, 0.1, 1.0f);
    add(p + "attn_q.weight", {d, q}, 0.5);
    add(p + "attn_q.bias", {q}, 0.1);
    add(p + "attn_k.weight", {d, kv}, 0.5);
    add(p + "attn_k.bias", {kv}, 0.1);
    add(p + "attn_v.weight", {d, kv}, 0.5);
    add(p + "attn_v.bias", {kv}, 0.1);
    add(p + "attn_output.weight", {q, d}, 0.5);
    add(p + "ffn_norm.weight", {d}, 0.1, 1.0f);
    add(p + "ffn_gate.weight", {d, f}, 0.5);
    add(p + "ffn_up.weight", {d, f}, 0.5);
    add(p + "ffn_down.weight", {f, d}, 0.5);
  }
  Writer w;
  w.u32(0x46554747);
  w.u32(3);
  w.u64(tensors.size());
  w.u64(9);
  auto key_u32 = [&](const char* key, uint32_t value) { w.str(key), w.u32(4), w.u32(value); };
  auto key_f32 = [&](const char* key, float value) { w.str(key), w.u32(6), w.f32(value); };
  w.str("general.architecture");
  w.u32(8);
  w.str("qwen2");
  key_u32("qwen2.block_count", s.layers);
  key_u32("qwen2.embedding_length", s.hidden);
  key_u32("qwen2.feed_forward_length", s.ffn);
  key_u32("qwen2.attention.head_count", s.heads);
  key_u32("qwen2.attention.head_count_kv", s.kv_heads);
  key_u32("qwen2.context_length", s.context);
  key_f32("qwen2.rope.freq_base", s.rope_base);
  key_f32("qwen2.attention.layer_norm_rms_epsilon", s.eps);
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    w.str(t.name);
    w.u32(static_cast<uint32_t>(t.ne.size()));
    for (auto dim : t.ne) w.u64(dim);
    w.u32(0);
    w.u64(offset);
    offset += (t.values.size() * 4 + 31) / 32 * 32;
  }
  w.pad(32);
  for (const auto& t : tensors) {
    w.raw(t.values.data(), t.values.size() * 4);
    w.pad(32);
  }
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(w.bytes().data()), static_cast<std::streamsize>(w.bytes().size()));
}

}  // namespace codeq_test
