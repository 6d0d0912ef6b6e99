#include "instruments/sim/link_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ledlab::sim {

namespace {
constexpr double kElementaryCharge_c = 1.602176634e-19;
}

double ber_from_q(double q) { return 0.5 * std::erfc(q / std::numbers::sqrt2); }

double q_from_ber(double ber) {
  if (!(ber < 0.5)) return 0.0;
  if (!(ber > 0.0)) return 40.0;  // beyond double precision's reach of erfc
  // ber_from_q is decreasing; bisect in log space, where it is smooth.
  double lo = 0.0;
  double hi = 40.0;
  const double target = std::log(ber);
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (std::log(ber_from_q(mid)) > target) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

double isi_eye_fraction(double f3db_hz, double bit_rate_hz) {
  if (!(f3db_hz > 0.0) || !(bit_rate_hz > 0.0)) return 0.0;
  const double tau_s = 1.0 / (2.0 * std::numbers::pi * f3db_hz);
  const double bit_s = 1.0 / bit_rate_hz;
  return std::max(0.0, 1.0 - 2.0 * std::exp(-bit_s / tau_s));
}

double baseline_wander_fraction(int prbs_order, double bit_rate_hz, double low_cutoff_hz) {
  if (!(bit_rate_hz > 0.0) || !(low_cutoff_hz > 0.0)) return 0.0;
  return std::min(1.0, prbs_order / bit_rate_hz * 2.0 * std::numbers::pi * low_cutoff_hz);
}

LinkResult evaluate_link(const LinkInput& in, const LinkConfig& config) {
  LinkResult r;
  const double one_w = config.coupling * std::max(in.power_one_w, 0.0);
  const double zero_w = config.coupling * std::max(in.power_zero_w, 0.0);
  r.received_average_w = 0.5 * (one_w + zero_w);
  r.received_oma_w = std::max(one_w - zero_w, 0.0);
  r.eye_fraction = std::max(0.0, isi_eye_fraction(in.f3db_hz, in.bit_rate_hz) -
                                     baseline_wander_fraction(in.prbs_order, in.bit_rate_hz, config.low_cutoff_hz));
  if (!(in.bit_rate_hz > 0.0)) return r;
  // Thermal noise of the receiver plus shot noise of each rail's photocurrent.
  const double bandwidth_hz = config.noise_bandwidth_per_bit_rate * in.bit_rate_hz;
  const double thermal_a2 = config.noise_a_per_sqrt_hz * config.noise_a_per_sqrt_hz * bandwidth_hz;
  const double r_a_per_w = config.responsivity_a_per_w;
  const double sigma_one = std::sqrt(thermal_a2 + 2.0 * kElementaryCharge_c * r_a_per_w * one_w * bandwidth_hz);
  const double sigma_zero = std::sqrt(thermal_a2 + 2.0 * kElementaryCharge_c * r_a_per_w * zero_w * bandwidth_hz);
  const double eye_a = r_a_per_w * r.received_oma_w * r.eye_fraction;
  // Q = (mu1 - mu0) / (sigma1 + sigma0); a closed eye gives Q = 0 and BER = 1/2.
  r.q = (sigma_one + sigma_zero) > 0.0 ? eye_a / (sigma_one + sigma_zero) : 0.0;
  r.ber = ber_from_q(r.q);
  return r;
}

}  // namespace ledlab::sim
