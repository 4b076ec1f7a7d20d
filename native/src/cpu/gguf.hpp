// A GGUF (v2/v3) reader for the trainer's base weights: metadata, tensor directory, and tensors
// dequantized to float (F32, F16, BF16, Q4_0, Q5_0, Q8_0, Q4_K, Q6_K — what Q4_K_M files hold).
// The file is memory-mapped; nothing is copied until a tensor is dequantized.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace codeq {

// ggml type ids (ggml.h) of the types this reader knows.
enum class GgmlType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q5_0 = 6, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30 };

// An error that names the file and what is wrong; the C ABI passes its text on.
class GgufError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using GgufValue = std::variant<uint64_t, int64_t, double, bool, std::string, std::vector<std::string>, std::vector<double>>;

struct GgufTensor {
  std::string name;
  std::vector<uint64_t> ne;  // ne[0] is the fastest-varying dimension (a row)
  uint32_t type = 0;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t elements() const;
};

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  // Each metadata entry as its encoded bytes (key, type, value), in file order: copied verbatim
  // into a merged model, tokenizer arrays and all.
  const std::vector<std::pair<std::string, std::vector<uint8_t>>>& raw_metadata() const { return raw_metadata_; }

  bool has(const std::string& key) const { return metadata_.count(key) > 0; }
  const GgufTensor* find(const std::string& name) const;
  const GgufTensor& tensor(const std::string& name) const;  // throws naming the tensor
  std::string string(const std::string& key) const;
  uint64_t integer(const std::string& key) const;
  double number(const std::string& key) const;
  size_t array_length(const std::string& key) const;

  // The tensor as floats, row-major with ne[0] fastest.
  std::vector<float> dequantize(const GgufTensor& tensor) const;

 private:
  std::string path_;
  uint32_t version_ = 0;
  const uint8_t* data_ = nullptr;  // the mapping
  size_t size_ = 0;
  size_t data_start_ = 0;
  std::map<std::string, GgufValue> metadata_;
  std::vector<std::pair<std::string, std::vector<uint8_t>>> raw_metadata_;
  std::vector<GgufTensor> tensors_;
};

// Dequantization of one run of `count` elements of a type (count a multiple of its block size).
void dequantize_row(uint32_t type, const uint8_t* src, float* dst, size_t count);
// Bytes taken by `count` elements of a type; throws for an unknown type.
size_t row_bytes(uint32_t type, size_t count);
const char* type_name(uint32_t type);

float fp16_to_float(uint16_t h);
float bf16_to_float(uint16_t h);
uint16_t float_to_fp16(float f);

}  // namespace codeq
