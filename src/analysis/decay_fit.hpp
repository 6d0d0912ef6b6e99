#pragma once
// Exponential decay of light output, Phi(t) = B exp(-alpha t), fitted by least squares
// on ln Phi (IES TM-21's model; REFERENCE.md section 6).
#include <cstddef>
#include <span>

#include "core/error.hpp"

namespace ledlab::analysis {

struct DecayFit {
  double b = 1.0;            // Phi at t = 0 of the fitted line (B)
  double alpha_per_h = 0.0;  // decay constant; negative when output rises
  double rms_residual_ln = 0.0;  // RMS residual of ln Phi (~ relative error)
  std::size_t points = 0;
};

// Fails with fewer than two points, fewer than two distinct times, mismatched sizes or
// any non-positive / non-finite output.
Result<DecayFit> fit_exponential_decay(std::span<const double> time_h, std::span<const double> phi);

// Output lost per 1000 h, in percent: 100 (1 - exp(-1000 alpha)); 0.0995 for 1e-6/h.
double decay_percent_per_1000h(double alpha_per_h);

// L_p = ln(100 B / p) / alpha: hours until output falls to p percent. +infinity when
// the fit never gets there (alpha <= 0 with 100 B > p).
double lifetime_lp_h(double b, double alpha_per_h, double p_percent);

}  // namespace ledlab::analysis
