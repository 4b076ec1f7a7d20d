// The GGUF reader: metadata and tensors written by a small writer here (every supported type,
// quantized blocks packed from chosen integers), read back and compared with the values those
// integers define; bad files fail with their path; a real model (CODEQ_TEST_MODEL) dequantizes.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../src/cpu/gguf.hpp"
#include "gguf_writer.hpp"
#include "test_main.hpp"

using codeq::float_to_fp16;
using codeq::fp16_to_float;

namespace {

struct TensorSpec {
  std::string name;
  uint32_t type;
  uint64_t ne0, ne1;
  std::vector<uint8_t> data;
  std::vector<float> expected;
};

std::string write_gguf(const std::string& path, const std::vector<TensorSpec>& tensors) {
  codeq_test::Writer w;
  w.u32(0x46554747);
  w.u32(3);
  w.u64(tensors.size());
  w.u64(3);
  w.str("general.architecture");
  w.u32(8);
  w.str("qwen2");
  w.str("qwen2.rope.freq_base");
  w.u32(6);
  w.f32(1000000.0f);
  w.str("tokenizer.ggml.tokens");
  w.u32(9);
  w.u32(8);
  w.u64(3);
  for (const char* t : {"a", "b", "<|im_end|>"}) w.str(t);
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    w.str(t.name);
    w.u32(2);
    w.u64(t.ne0);
    w.u64(t.ne1);
    w.u32(t.type);
    w.u64(offset);
    offset += (t.data.size() + 31) / 32 * 32;
  }
  w.pad(32);
  for (const auto& t : tensors) {
    w.raw(t.data.data(), t.data.size());
    w.pad(32);
  }
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(w.bytes().data()), static_cast<std::streamsize>(w.bytes().size()));
  return path;
}

void put16(std::vector<uint8_t>& out, uint16_t v) { out.insert(out.end(), {static_cast<uint8_t>(v & 0xff), static_cast<uint8_t>(v >> 8)}); }

// Q4_K: 8 groups of 32, group g has 6-bit scale s[g] and min m[g], values d·s·q − dmin·m.
TensorSpec q4_k(codeq_test::Rng& rng) {
  TensorSpec t{"q4k", 12, 256, 1, {}, std::vector<float>(256)};
  const float d = fp16_to_float(float_to_fp16(0.03f)), dmin = fp16_to_float(float_to_fp16(0.01f));
  uint8_t s[8], m[8], q[256];
  for (int g = 0; g < 8; g++) s[g] = static_cast<uint8_t>(rng.next() % 64), m[g] = static_cast<uint8_t>(rng.next() % 64);
  for (auto& v : q) v = static_cast<uint8_t>(rng.next() % 16);
  put16(t.data, float_to_fp16(d));
  put16(t.data, float_to_fp16(dmin));
  uint8_t scales[12] = {};
  for (int j = 0; j < 4; j++) {
    scales[j] = static_cast<uint8_t>(s[j] | ((s[j + 4] >> 4) << 6));
    scales[j + 4] = static_cast<uint8_t>(m[j] | ((m[j + 4] >> 4) << 6));
    scales[j + 8] = static_cast<uint8_t>((s[j + 4] & 0x0f) | ((m[j + 4] & 0x0f) << 4));
  }
  t.data.insert(t.data.end(), scales, scales + 12);
  // Each 64-value chunk: 32 bytes, low nibble = value l of the first group, high = of the second.
  for (int chunk = 0; chunk < 4; chunk++)
    for (int l = 0; l < 32; l++) t.data.push_back(static_cast<uint8_t>(q[chunk * 64 + l] | (q[chunk * 64 + 32 + l] << 4)));
  for (int i = 0; i < 256; i++) t.expected[i] = d * s[i / 32] * q[i] - dmin * m[i / 32];
  return t;
}

// Q6_K: 16 groups of 16 with int8 scales; values d·scale·(q − 32), q in 0..63.
TensorSpec q6_k(codeq_test::Rng& rng) {
  TensorSpec t{"q6k", 14, 256, 1, {}, std::vector<float>(256)};
  const float d = fp16_to_float(float_to_fp16(0.02f));
  int8_t sc[16];
  uint8_t q[256];
  for (auto& v : sc) v = static_cast<int8_t>(static_cast<int>(rng.next() % 256) - 128);
  for (auto& v : q) v = static_cast<uint8_t>(rng.next() % 64);
  uint8_t ql[128] = {}, qh[64] = {};
  for (int half = 0; half < 2; half++) {
    const uint8_t* v = q + 128 * half;
    for (int l = 0; l < 32; l++) {
      ql[64 * half + l] = static_cast<uint8_t>((v[l] & 0x0f) | ((v[l + 64] & 0x0f) << 4));
      ql[64 * half + l + 32] = static_cast<uint8_t>((v[l + 32] & 0x0f) | ((v[l + 96] & 0x0f) << 4));
      qh[32 * half + l] = static_cast<uint8_t>((v[l] >> 4) | ((v[l + 32] >> 4) << 2) | ((v[l + 64] >> 4) << 4) | ((v[l + 96] >> 4) << 6));
    }
  }
  t.data.insert(t.data.end(), ql, ql + 128);
  t.data.insert(t.data.end(), qh, qh + 64);
  for (auto v : sc) t.data.push_back(static_cast<uint8_t>(v));
  put16(t.data, float_to_fp16(d));
  for (int i = 0; i < 256; i++) t.expected[i] = d * sc[i / 16] * (q[i] - 32);
  return t;
}

// Q5_0: 32 values d·(q − 16), q in 0..31; the 5th bits in a 32-bit mask.
TensorSpec q5_0(codeq_test::Rng& rng) {
  TensorSpec t{"q50", 6, 32, 1, {}, std::vector<float>(32)};
  const float d = fp16_to_float(float_to_fp16(0.5f));
  uint8_t q[32];
  uint32_t high = 0;
  for (int i = 0; i < 32; i++) {
    q[i] = static_cast<uint8_t>(rng.next() % 32);
    if (q[i] & 0x10) high |= 1u << i;
    t.expected[i] = d * (q[i] - 16);
  }
  put16(t.data, float_to_fp16(d));
  t.data.insert(t.data.end(), reinterpret_cast<uint8_t*>(&high), reinterpret_cast<uint8_t*>(&high) + 4);
  for (int j = 0; j < 16; j++) t.data.push_back(static_cast<uint8_t>((q[j] & 0x0f) | ((q[j + 16] & 0x0f) << 4)));
  return t;
}

TensorSpec simple(codeq_test::Rng& rng, const char* name, uint32_t type) {
  TensorSpec t{name, type, 32, 2, {}, std::vector<float>(64)};
  if (type == 8 || type == 2) {  // Q8_0, Q4_0: one block per row of 32
    for (int row = 0; row < 2; row++) {
      const float d = fp16_to_float(float_to_fp16(0.25f + row));
      put16(t.data, float_to_fp16(d));
      int q[32];
      for (int i = 0; i < 32; i++) {
        q[i] = type == 8 ? static_cast<int>(rng.next() % 255) - 127 : static_cast<int>(rng.next() % 16);
        t.expected[row * 32 + i] = d * (type == 8 ? q[i] : q[i] - 8);
      }
      if (type == 8) for (int i = 0; i < 32; i++) t.data.push_back(static_cast<uint8_t>(static_cast<int8_t>(q[i])));
      else for (int j = 0; j < 16; j++) t.data.push_back(static_cast<uint8_t>(q[j] | (q[j + 16] << 4)));
    }
    return t;
  }
  for (int i = 0; i < 64; i++) {
    const float v = static_cast<float>(rng.uniform(-3, 3));
    if (type == 0) {
      t.data.insert(t.data.end(), reinterpret_cast<const uint8_t*>(&v), reinterpret_cast<const uint8_t*>(&v) + 4);
      t.expected[i] = v;
    } else if (type == 1) {
      put16(t.data, float_to_fp16(v));
      t.expected[i] = fp16_to_float(float_to_fp16(v));
    } else {  // BF16: truncate
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      put16(t.data, static_cast<uint16_t>(bits >> 16));
      bits &= 0xffff0000u;
      std::memcpy(&t.expected[i], &bits, 4);
    }
  }
  return t;
}

using codeq_test::temp_path;

}  // namespace

TEST(gguf_reads_metadata_and_every_supported_type) {
  codeq_test::Rng rng(11);
  std::vector<TensorSpec> tensors = {simple(rng, "f32", 0), simple(rng, "f16", 1), simple(rng, "bf16", 30), simple(rng, "q80", 8),
                                     simple(rng, "q40", 2), q5_0(rng), q4_k(rng), q6_k(rng)};
  const std::string path = write_gguf(temp_path("types.gguf"), tensors);
  codeq::GgufFile file(path);
  CHECK(file.version() == 3);
  CHECK(file.string("general.architecture") == "qwen2");
  CHECK_CLOSE(file.number("qwen2.rope.freq_base"), 1000000.0, 0);
  CHECK(file.array_length("tokenizer.ggml.tokens") == 3);
  for (const auto& spec : tensors) {
    const auto values = file.dequantize(file.tensor(spec.name));
    CHECK(values.size() == spec.expected.size());
    size_t wrong = 0;
    for (size_t i = 0; i < values.size(); i++) wrong += values[i] != spec.expected[i];
    if (wrong) std::fprintf(stderr, "  %s: %zu of %zu values differ (first %g vs %g)\n", spec.name.c_str(), wrong, values.size(), values[0], spec.expected[0]);
    CHECK(wrong == 0);
  }
  std::remove(path.c_str());
}

TEST(gguf_rejects_bad_files_with_their_path) {
  auto throws = [](const std::string& path, const char* needle) {
    try {
      codeq::GgufFile file(path);
    } catch (const codeq::GgufError& e) {
      const bool ok = std::strstr(e.what(), needle) && std::strstr(e.what(), path.c_str());
      if (!ok) std::fprintf(stderr, "  message: %s\n", e.what());
      return ok;
    }
    return false;
  };
  CHECK(throws(temp_path("missing.gguf"), "cannot open"));
  const std::string junk = temp_path("junk.gguf");
  std::ofstream(junk) << "this is not a gguf file at all, really";
  CHECK(throws(junk, "bad magic"));
  codeq_test::Rng rng(12);
  const std::string cut = write_gguf(temp_path("cut.gguf"), {q6_k(rng)});
  std::ifstream in(cut, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 100));
  CHECK(throws(cut, "runs past the end"));
  std::ofstream(cut, std::ios::binary).write(bytes.data(), 40);
  CHECK(throws(cut, "unexpected end of file"));
  // A zero dimension (would divide by zero) and a huge tensor count.
  std::vector<TensorSpec> zero = {q6_k(rng)};
  zero[0].ne0 = 0;
  write_gguf(cut, zero);
  CHECK(throws(cut, "has a dimension of 0"));
  std::vector<char> header = bytes;
  const uint64_t huge = uint64_t{1} << 60;
  std::memcpy(header.data() + 8, &huge, 8);
  std::ofstream(cut, std::ios::binary).write(header.data(), static_cast<std::streamsize>(header.size()));
  CHECK(throws(cut, "implausible tensor or metadata count"));
  std::remove(junk.c_str());
  std::remove(cut.c_str());
}

TEST(fp16_conversion_round_trips) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f}) CHECK(fp16_to_float(float_to_fp16(v)) == v);
  CHECK(float_to_fp16(1e6f) == 0x7c00);
}

// With CODEQ_TEST_MODEL set (tests/native passes the default model when present): every tensor
// of a real Q4_K_M file dequantizes to finite values, and its norms look like norms.
TEST(gguf_dequantizes_a_real_model) {
  const char* path = std::getenv("CODEQ_TEST_MODEL");
  if (!path || !*path) {
    std::printf("     (skipped: CODEQ_TEST_MODEL not set)\n");
    return;
  }
  codeq::GgufFile file(path);
  size_t tensors = 0;
  for (const auto& t : file.tensors()) {
    const auto v = file.dequantize(t);
    size_t bad = 0;
    for (float x : v) bad += !std::isfinite(x);
    CHECK(bad == 0);
    tensors++;
  }
  CHECK(tensors == file.tensors().size() && tensors > 0);
  const auto norm = file.dequantize(file.tensor("output_norm.weight"));
  double mean = 0;
  for (float x : norm) mean += x / norm.size();
  CHECK(mean > 0.1 && mean < 20);
}
