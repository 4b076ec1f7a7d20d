#include "gguf.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace codeq {

uint64_t GgufTensor::elements() const {
  uint64_t n = 1;
  for (uint64_t d : ne) n *= d;
  return n;
}

namespace {

enum ValueType : uint32_t { U8 = 0, I8, U16, I16, U32, I32, F32, BOOL, STRING, ARRAY, U64, I64, F64 };

// Reads the header with a bound on every step: a truncated or corrupt file is an error naming
// the offset, never a read past the mapping.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& path) : data_(data), size_(size), path_(path) {}

  template <typename T>
  T read() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_ + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }

  std::string string() {
    const uint64_t n = read<uint64_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return s;
  }

  // A scalar of any numeric type, widened.
  GgufValue scalar(uint32_t type) {
    switch (type) {
      case U8: return static_cast<uint64_t>(read<uint8_t>());
      case I8: return static_cast<int64_t>(read<int8_t>());
      case U16: return static_cast<uint64_t>(read<uint16_t>());
      case I16: return static_cast<int64_t>(read<int16_t>());
      case U32: return static_cast<uint64_t>(read<uint32_t>());
      case I32: return static_cast<int64_t>(read<int32_t>());
      case F32: return static_cast<double>(read<float>());
      case BOOL: return read<uint8_t>() != 0;
      case STRING: return string();
      case U64: return read<uint64_t>();
      case I64: return read<int64_t>();
      case F64: return read<double>();
      default: fail("unknown metadata value type " + std::to_string(type));
    }
  }

  GgufValue value(uint32_t type) {
    if (type != ARRAY) return scalar(type);
    const uint32_t item = read<uint32_t>();
    const uint64_t count = read<uint64_t>();
    if (count > size_ - at_) fail("metadata array of " + std::to_string(count) + " items is longer than the file");
    if (item == STRING) {
      std::vector<std::string> items;
      items.reserve(count);
      for (uint64_t i = 0; i < count; i++) items.push_back(string());
      return items;
    }
    if (item == ARRAY) fail("nested metadata arrays are not supported");
    std::vector<double> items;
    items.reserve(count);
    for (uint64_t i = 0; i < count; i++) {
      const GgufValue v = scalar(item);
      if (auto u = std::get_if<uint64_t>(&v)) items.push_back(static_cast<double>(*u));
      else if (auto s = std::get_if<int64_t>(&v)) items.push_back(static_cast<double>(*s));
      else if (auto d = std::get_if<double>(&v)) items.push_back(*d);
      else if (auto b = std::get_if<bool>(&v)) items.push_back(*b ? 1 : 0);
    }
    return items;
  }

  size_t offset() const { return at_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw GgufError(path_ + ": " + what + " at byte " + std::to_string(at_) + ". HINT: the file is truncated or not a GGUF model");
  }

 private:
  void need(uint64_t n) const {
    if (n > size_ || at_ > size_ - n) fail("unexpected end of file (needs " + std::to_string(n) + " more bytes)");
  }
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
  const std::string& path_;
};

}  // namespace

GgufFile::GgufFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw GgufError(path + ": cannot open (" + std::strerror(errno) + "). HINT: check the path (codeq model pull prints it)");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < 24) {
    ::close(fd);
    throw GgufError(path + ": not a GGUF file (too small). HINT: pass a .gguf model");
  }
  size_ = static_cast<size_t>(st.st_size);
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) throw GgufError(path + ": cannot map (" + std::strerror(errno) + ")");
  data_ = static_cast<const uint8_t*>(mapped);
  try {
    Cursor c(data_, size_, path_);
    if (c.read<uint32_t>() != 0x46554747) throw GgufError(path + ": not a GGUF file (bad magic). HINT: pass a .gguf model");
    version_ = c.read<uint32_t>();
    if (version_ < 2 || version_ > 3) throw GgufError(path + ": GGUF version " + std::to_string(version_) + " is not supported (2 and 3 are)");
    const uint64_t tensor_count = c.read<uint64_t>();
    const uint64_t kv_count = c.read<uint64_t>();
    // Each entry takes at least 8 bytes: a count beyond that is a corrupt header, not a big model.
    if (tensor_count > size_ / 8 || kv_count > size_ / 8) c.fail("implausible tensor or metadata count");
    for (uint64_t i = 0; i < kv_count; i++) {
      const size_t start = c.offset();
      std::string key = c.string();
      const uint32_t type = c.read<uint32_t>();
      metadata_[key] = c.value(type);
      raw_metadata_.push_back({key, std::vector<uint8_t>(data_ + start, data_ + c.offset())});
    }
    tensors_.reserve(tensor_count);
    for (uint64_t i = 0; i < tensor_count; i++) {
      GgufTensor t;
      t.name = c.string();
      const uint32_t dims = c.read<uint32_t>();
      if (dims == 0 || dims > 4) c.fail("tensor " + t.name + " has " + std::to_string(dims) + " dimensions");
      for (uint32_t d = 0; d < dims; d++) t.ne.push_back(c.read<uint64_t>());
      t.type = c.read<uint32_t>();
      t.offset = c.read<uint64_t>();
      tensors_.push_back(std::move(t));
    }
    const uint64_t alignment = has("general.alignment") ? integer("general.alignment") : 32;
    if (alignment == 0 || alignment % 8 != 0) throw GgufError(path + ": general.alignment " + std::to_string(alignment) + " is not a positive multiple of 8");
    data_start_ = (c.offset() + alignment - 1) / alignment * alignment;
    for (const auto& t : tensors_) {
      if (t.offset % alignment != 0) throw GgufError(path + ": tensor " + t.name + " is not aligned to " + std::to_string(alignment));
      for (uint64_t d : t.ne)
        if (d == 0 || d > (uint64_t{1} << 40)) throw GgufError(path + ": tensor " + t.name + " has a dimension of " + std::to_string(d));
      const uint64_t bytes = row_bytes(t.type, t.ne[0]) * (t.elements() / t.ne[0]);
      if (data_start_ > size_ || t.offset > size_ - data_start_ || bytes > size_ - data_start_ - t.offset) {
        throw GgufError(path + ": tensor " + t.name + " runs past the end of the file. HINT: the file is truncated; download it again");
      }
    }
  } catch (...) {
    ::munmap(const_cast<uint8_t*>(data_), size_);
    throw;
  }
}

GgufFile::~GgufFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

const GgufTensor* GgufFile::find(const std::string& name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

const GgufTensor& GgufFile::tensor(const std::string& name) const {
  const GgufTensor* t = find(name);
  if (!t) throw GgufError(path_ + ": no tensor " + name + ". HINT: is this a qwen2 model (codeq model inspect lists its tensors)?");
  return *t;
}

namespace {
const GgufValue& lookup(const std::map<std::string, GgufValue>& m, const std::string& key, const std::string& path) {
  auto it = m.find(key);
  if (it == m.end()) throw GgufError(path + ": metadata key " + key + " is missing");
  return it->second;
}
}  // namespace

std::string GgufFile::string(const std::string& key) const {
  const auto& v = lookup(metadata_, key, path_);
  if (auto s = std::get_if<std::string>(&v)) return *s;
  throw GgufError(path_ + ": metadata " + key + " is not a string");
}

uint64_t GgufFile::integer(const std::string& key) const {
  const auto& v = lookup(metadata_, key, path_);
  if (auto u = std::get_if<uint64_t>(&v)) return *u;
  if (auto s = std::get_if<int64_t>(&v); s && *s >= 0) return static_cast<uint64_t>(*s);
  throw GgufError(path_ + ": metadata " + key + " is not a non-negative integer");
}

double GgufFile::number(const std::string& key) const {
  const auto& v = lookup(metadata_, key, path_);
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto u = std::get_if<uint64_t>(&v)) return static_cast<double>(*u);
  if (auto s = std::get_if<int64_t>(&v)) return static_cast<double>(*s);
  throw GgufError(path_ + ": metadata " + key + " is not a number");
}

size_t GgufFile::array_length(const std::string& key) const {
  const auto& v = lookup(metadata_, key, path_);
  if (auto s = std::get_if<std::vector<std::string>>(&v)) return s->size();
  if (auto d = std::get_if<std::vector<double>>(&v)) return d->size();
  throw GgufError(path_ + ": metadata " + key + " is not an array");
}

std::vector<float> GgufFile::dequantize(const GgufTensor& t) const {
  std::vector<float> out(t.elements());
  const uint64_t row = t.ne[0];
  const size_t bytes = row_bytes(t.type, row);
  const uint8_t* src = data_ + data_start_ + t.offset;
  for (uint64_t r = 0; r < t.elements() / row; r++) dequantize_row(t.type, src + r * bytes, out.data() + r * row, row);
  return out;
}

}  // namespace codeq
