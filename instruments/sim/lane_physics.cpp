#include "instruments/sim/lane_physics.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ledlab::sim {

namespace {
constexpr double kElementaryCharge_c = 1.602176634e-19;
}

LaneParams at_junction_temperature(const LaneParams& p25, double junction_c, double a_exponent, double b_exponent,
                                   double c_exponent) {
  constexpr double kReferenceK = 298.15;  // 25 C, where the array's coefficients are quoted
  // Far below any chamber's range the law has no meaning; 1 K keeps it finite.
  const double ratio = std::max(junction_c + 273.15, 1.0) / kReferenceK;
  LaneParams p = p25;
  p.a_per_s *= std::pow(ratio, a_exponent);
  p.b_cm3_per_s *= std::pow(ratio, b_exponent);
  p.c_cm6_per_s *= std::pow(ratio, c_exponent);
  return p;
}

double carrier_density_cm3(const LaneParams& p, double current_a) {
  if (!(current_a > 0.0) || p.area_cm2 <= 0.0 || p.active_thickness_cm <= 0.0) return 0.0;
  const double generation = current_a / p.area_cm2 / (kElementaryCharge_c * p.active_thickness_cm);
  // R(n) is increasing and convex for n > 0, so Newton started above the root descends to it
  // monotonically. Each single-term root (A n = G, B n^2 = G, C n^3 = G) lies above the true
  // root; start from the smallest. The halving guard only protects against rounding.
  double n = generation / p.a_per_s;
  if (p.b_cm3_per_s > 0) n = std::min(n, std::sqrt(generation / p.b_cm3_per_s));
  if (p.c_cm6_per_s > 0) n = std::min(n, std::cbrt(generation / p.c_cm6_per_s));
  for (int i = 0; i < 100; ++i) {
    const double r = p.a_per_s * n + p.b_cm3_per_s * n * n + p.c_cm6_per_s * n * n * n - generation;
    const double dr = p.a_per_s + 2.0 * p.b_cm3_per_s * n + 3.0 * p.c_cm6_per_s * n * n;
    const double step = r / dr;
    n = std::max(n - step, 0.5 * n);
    if (std::fabs(step) <= 1e-13 * n) break;
  }
  return n;
}

double internal_quantum_efficiency(const LaneParams& p, double n_cm3) {
  if (!(n_cm3 > 0.0)) return 0.0;
  const double radiative = p.b_cm3_per_s * n_cm3 * n_cm3;
  return radiative / (p.a_per_s * n_cm3 + radiative + p.c_cm6_per_s * n_cm3 * n_cm3 * n_cm3);
}

double differential_lifetime_s(const LaneParams& p, double n_cm3) {
  return 1.0 / (p.a_per_s + 2.0 * p.b_cm3_per_s * n_cm3 + 3.0 * p.c_cm6_per_s * n_cm3 * n_cm3);
}

double optical_power_25c_w(const LaneParams& p, double current_a) {
  if (!(current_a > 0.0)) return 0.0;
  const double n = carrier_density_cm3(p, current_a);
  // h nu / q in volts equals the photon energy in eV: photons per second times energy.
  return p.extraction * internal_quantum_efficiency(p, n) * p.photon_energy_ev * current_a;
}

double response_magnitude(double tau_s, double rc_s, double frequency_hz) {
  const double w = 2.0 * std::numbers::pi * frequency_hz;
  const double carrier = 1.0 + (w * tau_s) * (w * tau_s);
  const double electrical = 1.0 + (w * rc_s) * (w * rc_s);
  return 1.0 / std::sqrt(carrier * electrical);
}

double frequency_at_power_ratio_hz(double tau_s, double rc_s, double power_ratio) {
  const double t2 = tau_s * tau_s;
  const double r2 = rc_s * rc_s;
  const double k = power_ratio - 1.0;
  double x = 0.0;
  if (t2 * r2 <= 0.0) {
    x = k / (t2 + r2);  // one pole only
  } else {
    // Positive root of a x^2 + b x - k = 0 written without cancellation.
    const double a = t2 * r2;
    const double b = t2 + r2;
    x = 2.0 * k / (b + std::sqrt(b * b + 4.0 * a * k));
  }
  return std::sqrt(x) / (2.0 * std::numbers::pi);
}

double f3db_hz(double tau_s, double rc_s) { return frequency_at_power_ratio_hz(tau_s, rc_s, 2.0); }

double f3db_optical_hz(double tau_s, double rc_s) {
  return frequency_at_power_ratio_hz(tau_s, rc_s, 4.0);
}

double thermal_droop_factor(double junction_c, double fraction_at_85c) {
  return std::exp(std::log(fraction_at_85c) * (junction_c - 25.0) / 60.0);
}

}  // namespace ledlab::sim
