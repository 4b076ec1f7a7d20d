// A minimal test runner for the native library: no dependencies, so the binary builds anywhere
// (CI, a GPU machine) and runs without Node. Each TEST registers itself; main runs them all.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace codeq_test {

struct Case {
  const char* name;
  std::function<void()> body;
};

inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

inline int& failures() {
  static int count = 0;
  return count;
}

struct Registrar {
  Registrar(const char* name, std::function<void()> body) { registry().push_back({name, std::move(body)}); }
};

// This run's scratch directory: made (mkdtemp under $TMPDIR, else /tmp) on first use; main removes it
// with everything in it, so a run leaves nothing behind and two runs never share a file.
inline std::string& temp_dir_path() {
  static std::string dir;
  return dir;
}

inline std::string temp_path(const std::string& name) {
  std::string& dir = temp_dir_path();
  if (dir.empty()) {
    const char* root = std::getenv("TMPDIR");
    std::string pattern = std::string(root && *root ? root : "/tmp") + "/codeq-native-tests-XXXXXX";
    if (!mkdtemp(pattern.data())) {
      std::fprintf(stderr, "cannot create a temporary directory from %s. HINT: set TMPDIR to a writable directory\n", pattern.c_str());
      std::exit(2);
    }
    dir = pattern;
  }
  return dir + "/" + name;
}

inline void remove_temp_dir() {
  std::string& dir = temp_dir_path();
  if (dir.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  dir.clear();
}

// Seeded, portable random numbers (splitmix64): the same inputs on every machine.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * (static_cast<double>(next() >> 11) / 9007199254740992.0); }
  template <typename T>
  std::vector<T> vec(size_t n, double scale = 1.0) {
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(uniform(-scale, scale));
    return v;
  }

 private:
  uint64_t state_;
};

}  // namespace codeq_test

#define CQ_CONCAT2(a, b) a##b
#define CQ_CONCAT(a, b) CQ_CONCAT2(a, b)
#define TEST(name)                                                                               \
  static void name();                                                                            \
  static codeq_test::Registrar CQ_CONCAT(registrar_, name)(#name, name);                         \
  static void name()

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);           \
      codeq_test::failures()++;                                                                  \
    }                                                                                            \
  } while (0)

#define CHECK_CLOSE(a, b, tol)                                                                   \
  do {                                                                                           \
    const double va_ = static_cast<double>(a), vb_ = static_cast<double>(b);                     \
    if (!(std::fabs(va_ - vb_) <= (tol) * std::max(1.0, std::max(std::fabs(va_), std::fabs(vb_))))) { \
      std::fprintf(stderr, "  %s:%d: %s = %.12g, %s = %.12g (tolerance %g)\n", __FILE__, __LINE__, #a, va_, #b, vb_, \
                   static_cast<double>(tol));                                                    \
      codeq_test::failures()++;                                                                  \
    }                                                                                            \
  } while (0)
