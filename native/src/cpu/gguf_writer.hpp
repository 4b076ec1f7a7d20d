// Writes GGUF v3 files (string, u32 and f32 metadata; F32 and F16 tensors, 32-byte aligned) to a
// temporary name and renames them into place: a reader never sees half a file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "atomic_file.hpp"
#include "gguf.hpp"

namespace codeq {

class GgufWriter {
 public:
  void meta_string(const std::string& key, const std::string& value) {
    metadata_.push_back({key, 8, value, 0, 0});
  }
  void meta_u32(const std::string& key, uint32_t value) { metadata_.push_back({key, 4, "", value, 0}); }
  void meta_f32(const std::string& key, float value) { metadata_.push_back({key, 6, "", 0, value}); }
  // An entry already encoded (key, type and value), as GgufFile::raw_metadata gives it.
  void meta_raw(const std::string& key, const std::vector<uint8_t>& encoded) { metadata_.push_back({key, kRaw, "", 0, 0, encoded}); }

  // ne[0] is the row length (fastest); values are row-major.
  void tensor_f32(const std::string& name, std::vector<uint64_t> ne, const std::vector<float>& values) { add(name, std::move(ne), 0, values); }
  void tensor_f16(const std::string& name, std::vector<uint64_t> ne, const std::vector<float>& values) { add(name, std::move(ne), 1, values); }

  void write(const std::string& path) const {
    std::vector<uint8_t> out;
    auto raw = [&out](const void* p, size_t n) { out.insert(out.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n); };
    auto u32 = [&](uint32_t v) { raw(&v, 4); };
    auto u64 = [&](uint64_t v) { raw(&v, 8); };
    auto str = [&](const std::string& s) { u64(s.size()), raw(s.data(), s.size()); };
    auto pad = [&out] {
      while (out.size() % 32) out.push_back(0);
    };
    u32(0x46554747);
    u32(3);
    u64(tensors_.size());
    u64(metadata_.size());
    for (const auto& m : metadata_) {
      if (m.type == kRaw) {
        raw(m.encoded.data(), m.encoded.size());
        continue;
      }
      str(m.key);
      u32(m.type);
      if (m.type == 8) str(m.text);
      else if (m.type == 4) u32(m.u);
      else raw(&m.f, 4);
    }
    uint64_t offset = 0;
    for (const auto& t : tensors_) {
      str(t.name);
      u32(static_cast<uint32_t>(t.ne.size()));
      for (uint64_t d : t.ne) u64(d);
      u32(t.type);
      u64(offset);
      offset += (t.bytes.size() + 31) / 32 * 32;
    }
    pad();
    for (const auto& t : tensors_) {
      raw(t.bytes.data(), t.bytes.size());
      pad();
    }
    write_file_atomic(path, out);
  }

 private:
  static constexpr uint32_t kRaw = 0xffffffff;
  struct Meta {
    std::string key;
    uint32_t type;
    std::string text;
    uint32_t u;
    float f;
    std::vector<uint8_t> encoded = {};
  };
  struct Tensor {
    std::string name;
    std::vector<uint64_t> ne;
    uint32_t type;
    std::vector<uint8_t> bytes;
  };

  void add(const std::string& name, std::vector<uint64_t> ne, uint32_t type, const std::vector<float>& values) {
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    if (n != values.size()) throw GgufError("tensor " + name + ": " + std::to_string(values.size()) + " values for " + std::to_string(n) + " elements");
    Tensor t{name, std::move(ne), type, {}};
    if (type == 0) {
      t.bytes.resize(values.size() * 4);
      std::memcpy(t.bytes.data(), values.data(), t.bytes.size());
    } else {
      t.bytes.resize(values.size() * 2);
      for (size_t i = 0; i < values.size(); i++) {
        const uint16_t h = float_to_fp16(values[i]);
        std::memcpy(t.bytes.data() + 2 * i, &h, 2);
      }
    }
    tensors_.push_back(std::move(t));
  }

  std::vector<Meta> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace codeq
