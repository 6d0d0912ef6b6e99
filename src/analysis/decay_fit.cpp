#include "analysis/decay_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace ledlab::analysis {

Result<DecayFit> fit_exponential_decay(std::span<const double> time_h, std::span<const double> phi) {
  if (time_h.size() != phi.size())
    return fail(Errc::invalid_argument,
                fmt::format("{} times but {} output readings", time_h.size(), phi.size()));
  const std::size_t n = time_h.size();
  if (n < 2) return fail(Errc::invalid_argument, fmt::format("decay fit needs two points, got {}", n));

  double mean_t = 0.0;
  double mean_y = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(time_h[i]))
      return fail(Errc::invalid_argument, fmt::format("time[{}] is not finite", i));
    if (!(phi[i] > 0.0) || !std::isfinite(phi[i]))
      return fail(Errc::invalid_argument,
                  fmt::format("output[{}] = {} at {} h is not positive: cannot take its log", i,
                              phi[i], time_h[i]));
    mean_t += time_h[i];
    mean_y += std::log(phi[i]);
  }
  mean_t /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);

  // Centred sums keep the slope accurate for times of order 1e4 h.
  double stt = 0.0;
  double sty = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = time_h[i] - mean_t;
    stt += dt * dt;
    sty += dt * (std::log(phi[i]) - mean_y);
  }
  if (!(stt > 0.0)) return fail(Errc::invalid_argument, "all readings at one time: no slope to fit");

  const double slope = sty / stt;
  const double intercept = mean_y - slope * mean_t;
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::log(phi[i]) - (intercept + slope * time_h[i]);
    ss += r * r;
  }
  DecayFit fit;
  fit.b = std::exp(intercept);
  fit.alpha_per_h = -slope;
  fit.rms_residual_ln = std::sqrt(ss / static_cast<double>(n));
  fit.points = n;
  return fit;
}

double decay_percent_per_1000h(double alpha_per_h) { return -100.0 * std::expm1(-1000.0 * alpha_per_h); }

double lifetime_lp_h(double b, double alpha_per_h, double p_percent) {
  const double log_ratio = std::log(100.0 * b / p_percent);
  if (alpha_per_h <= 0.0)
    return log_ratio > 0.0 ? std::numeric_limits<double>::infinity() : 0.0;
  return std::max(0.0, log_ratio / alpha_per_h);
}

}  // namespace ledlab::analysis
