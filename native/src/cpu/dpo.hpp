// Preference losses on one pair, with TRL's names and definitions. h is the implicit reward
// margin: (π_chosen − π_rejected) − (ref_chosen − ref_rejected), π and ref being sequence
// log-probs (summed; length-averaged for IPO, as TRL does).
#pragma once

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace codeq {

enum class LossType { Sigmoid = 0, Ipo = 1, Hinge = 2, Robust = 3 };

inline LossType loss_type_from(const std::string& name) {
  if (name == "sigmoid") return LossType::Sigmoid;
  if (name == "ipo") return LossType::Ipo;
  if (name == "hinge") return LossType::Hinge;
  if (name == "robust") return LossType::Robust;
  throw std::invalid_argument("unknown loss_type " + name + ". HINT: one of sigmoid, ipo, hinge, robust");
}

struct PairLoss {
  double loss = 0;
  double d_chosen = 0;    // dL/dπ_chosen
  double d_rejected = 0;  // dL/dπ_rejected
};

// log σ(x), stable for large |x|.
inline double log_sigmoid(double x) { return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x)); }
inline double sigmoid(double x) { return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x)); }

// beta: DPO's β (IPO's τ); smoothing: label smoothing ε (sigmoid: conservative DPO; robust: rDPO).
inline PairLoss preference_loss(LossType type, double beta, double smoothing, double pi_chosen, double pi_rejected, double ref_chosen, double ref_rejected) {
  const double h = (pi_chosen - pi_rejected) - (ref_chosen - ref_rejected);
  const double s = sigmoid(beta * h);
  double loss = 0, dh = 0;
  switch (type) {
    case LossType::Sigmoid:
      loss = -log_sigmoid(beta * h) * (1 - smoothing) - log_sigmoid(-beta * h) * smoothing;
      dh = -beta * (1 - s) * (1 - smoothing) + beta * s * smoothing;
      break;
    case LossType::Robust:
      loss = (-log_sigmoid(beta * h) * (1 - smoothing) + log_sigmoid(-beta * h) * smoothing) / (1 - 2 * smoothing);
      dh = (-beta * (1 - s) * (1 - smoothing) - beta * s * smoothing) / (1 - 2 * smoothing);
      break;
    case LossType::Hinge:
      loss = std::max(0.0, 1 - beta * h);
      dh = 1 - beta * h > 0 ? -beta : 0;
      break;
    case LossType::Ipo: {
      const double target = 1 / (2 * beta);
      loss = (h - target) * (h - target);
      dh = 2 * (h - target);
      break;
    }
  }
  return {loss, dh, -dh};
}

}  // namespace codeq
