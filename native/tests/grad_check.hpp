// Central finite differences against analytic gradients, in double precision: the one checker
// every native gradient test uses.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../src/cpu/qwen2.hpp"

namespace codeq_test {

// Largest |numeric − analytic| / max(1, |numeric| + |analytic|) over params[0], params[stride], …;
// `checked` (when given) counts the parameters tried.
template <typename Loss>
double gradient_error(std::vector<double>& params, const std::vector<double>& analytic, Loss&& loss, size_t stride = 1, size_t* checked = nullptr) {
  const double h = 1e-6;
  double worst = 0;
  for (size_t i = 0; i < params.size(); i += stride) {
    const double keep = params[i];
    params[i] = keep + h;
    const double up = loss();
    params[i] = keep - h;
    const double down = loss();
    params[i] = keep;
    const double numeric = (up - down) / (2 * h);
    worst = std::max(worst, std::fabs(numeric - analytic[i]) / std::max(1.0, std::fabs(numeric) + std::fabs(analytic[i])));
    if (checked) ++*checked;
  }
  return worst;
}

// The same over every A and B of an adapter's adapted targets.
template <typename Loss>
double gradient_error(codeq::LoraParams<double>& params, const codeq::LoraParams<double>& analytic, Loss&& loss, size_t stride = 1, size_t* checked = nullptr) {
  double worst = 0;
  for (size_t l = 0; l < params.a.size(); l++)
    for (int t = 0; t < codeq::kTargets; t++) {
      if (!params.targets[t]) continue;
      worst = std::max(worst, gradient_error(params.a[l][t], analytic.a[l][t], loss, stride, checked));
      worst = std::max(worst, gradient_error(params.b[l][t], analytic.b[l][t], loss, stride, checked));
    }
  return worst;
}

}  // namespace codeq_test
