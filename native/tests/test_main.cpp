#include <algorithm>
#include <cstring>
#include <exception>

#include "test_main.hpp"

// Usage: codeq_native_tests [substring]  — runs the tests whose name contains it (all by default).
int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : "";
  int run = 0;
  for (const auto& test : codeq_test::registry()) {
    if (!std::strstr(test.name, filter)) continue;
    const int before = codeq_test::failures();
    try {
      test.body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "  %s threw: %s\n", test.name, e.what());
      codeq_test::failures()++;
    }
    run++;
    std::printf("%s %s\n", codeq_test::failures() == before ? "ok  " : "FAIL", test.name);
  }
  std::printf("%d tests, %d failed checks\n", run, codeq_test::failures());
  codeq_test::remove_temp_dir();
  return codeq_test::failures() == 0 && run > 0 ? 0 : 1;
}
