#include "analysis/q_factor.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace ledlab::analysis {

double ber_from_q(double q) { return 0.5 * std::erfc(q / std::numbers::sqrt2); }

Result<double> q_from_ber(double ber) {
  if (!(ber > 0.0 && ber < 1.0))
    return fail(Errc::invalid_argument, fmt::format("BER {} is not in (0, 1)", ber));

  // g(q) = ln BER(q) - ln ber is decreasing in q. Work in logs so that the 1e-18
  // tail has the same relative accuracy as 1e-2. |q| <= 37 covers every ber that is a
  // normal double (BER(37) ~ 6e-300).
  const double target = std::log(ber);
  auto g = [&](double q) { return std::log(ber_from_q(q)) - target; };
  double lo = -37.0;
  double hi = 37.0;
  if (g(hi) > 0.0) return hi;  // below the smallest normal double; saturate

  double q = 0.0;
  for (int i = 0; i < 200; ++i) {
    const double gq = g(q);
    if (gq == 0.0) return q;
    if (gq > 0.0) lo = q; else hi = q;
    // d ln BER / dq = -phi(q) / BER(q), phi the standard normal density.
    const double phi = std::exp(-0.5 * q * q) / std::sqrt(2.0 * std::numbers::pi);
    const double slope = -phi / ber_from_q(q);
    double next = q - gq / slope;
    if (!std::isfinite(next) || next <= lo || next >= hi) next = 0.5 * (lo + hi);
    if (std::fabs(next - q) <= 1e-13 * std::max(1.0, std::fabs(next))) return next;
    q = next;
  }
  return q;
}

Result<double> q_from_levels(double mu1, double mu0, double sigma1, double sigma0) {
  if (!(mu1 > mu0))
    return fail(Errc::invalid_argument,
                fmt::format("eye is closed: one level {} is not above zero level {}", mu1, mu0));
  if (!(sigma1 >= 0.0 && sigma0 >= 0.0 && sigma1 + sigma0 > 0.0))
    return fail(Errc::invalid_argument,
                fmt::format("noise sigma1 {} / sigma0 {} must be non-negative and not both zero",
                            sigma1, sigma0));
  return (mu1 - mu0) / (sigma1 + sigma0);
}

}  // namespace ledlab::analysis
