#include "instruments/sim/diode_model.hpp"

#include "instruments/sim/random.hpp"

#include <algorithm>
#include <cmath>

namespace ledlab::sim {

namespace {

constexpr double kBoltzmann_ev_per_k = 8.617333262e-5;
constexpr double kZeroCelsius_k = 273.15;
constexpr double kReference_k = 25.0 + kZeroCelsius_k;
// A family of draws of its own (random.hpp: a new family gets a new number, never a reused
// one); kept here, next to its only user, and far from the bench's own numbers.
constexpr auto kDiodeStream = static_cast<Stream>(0xD10DE);
constexpr auto kReadingStream = static_cast<Stream>(0xD10DF);

double thermal_voltage_v(double junction_c) { return kBoltzmann_ev_per_k * (junction_c + kZeroCelsius_k); }

// Junction current at junction voltage v_j: increasing in v_j, which the solvers rely on.
double junction_current_a(const DiodeParams& d, double i0, double n_vt, double v_j) {
  return i0 * std::expm1(v_j / n_vt) + v_j / d.shunt_resistance_ohm;
}

// Root of an increasing f on [lo, hi] with f(lo) <= 0 <= f(hi), by bisection: the exponential
// makes Newton overshoot by orders of magnitude far up the forward branch, and 200 halvings
// reach the last bit of a double whatever the bracket.
template <class F>
double increasing_root(F f, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (f(mid) > 0.0 ? hi : lo) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

DiodeParams median_diode_params(const DiodeConfig& c) {
  DiodeParams d;
  d.ideality = c.ideality;
  d.bandgap_ev = c.bandgap_ev;
  // I0 from the junction voltage at 1 mA and 25 C (the shunt's share there is negligible).
  d.saturation_current_25c_a = 1e-3 / std::expm1(c.junction_voltage_at_1ma_v / (c.ideality * thermal_voltage_v(25.0)));
  d.series_resistance_25c_ohm = c.series_resistance_ohm;
  d.series_resistance_per_c = c.series_resistance_per_c;
  d.shunt_resistance_ohm = c.shunt_resistance_ohm;
  return d;
}

DiodeParams diode_params(const DiodeConfig& c, std::uint64_t seed, std::size_t lane) {
  DiodeParams d = median_diode_params(c);
  CounterRng rng(seed, kDiodeStream, lane, 0);
  d.saturation_current_25c_a *= rng.lognormal_factor(c.saturation_current_spread_ln);
  d.series_resistance_25c_ohm *= rng.lognormal_factor(c.series_resistance_spread_ln);
  d.shunt_resistance_ohm *= rng.lognormal_factor(c.shunt_resistance_spread_ln);
  return d;
}

double saturation_current_a(const DiodeParams& d, double junction_c) {
  const double t_k = junction_c + kZeroCelsius_k;
  return d.saturation_current_25c_a * std::pow(t_k / kReference_k, 3.0) *
         std::exp(-d.bandgap_ev / (d.ideality * kBoltzmann_ev_per_k) * (1.0 / t_k - 1.0 / kReference_k));
}

double series_resistance_ohm(const DiodeParams& d, double junction_c) {
  return std::max(d.series_resistance_25c_ohm * (1.0 + d.series_resistance_per_c * (junction_c - 25.0)), 0.0);
}

double diode_voltage_v(const DiodeParams& d, double current_a, double junction_c) {
  const double i0 = saturation_current_a(d, junction_c);
  const double n_vt = d.ideality * thermal_voltage_v(junction_c);
  const double r_sh = d.shunt_resistance_ohm;
  // Bracket: the shunt alone carries the current at v_j = I R_sh, the diode alone at
  // n V_t ln(1 + I / I0); the junction sits below the smaller of the two (forward) or
  // between I R_sh and (I + I0) R_sh (reverse, where the diode term is between -I0 and 0).
  const auto excess = [&](double v) { return junction_current_a(d, i0, n_vt, v) - current_a; };
  if (current_a >= 0) {
    // Newton from the bracket's top: I(v_j) is increasing and convex for v_j >= 0, so from a
    // point where it is at or above the current every step stays above the root and falls
    // monotonically onto it (a few steps; the self-heating solve calls this for every lane).
    double v_j = std::min(current_a * r_sh, n_vt * std::log1p(current_a / i0));
    for (int i = 0; i < 200; ++i) {
      const double slope = i0 / n_vt * std::exp(v_j / n_vt) + 1.0 / r_sh;
      const double next = v_j - excess(v_j) / slope;
      if (!(next < v_j)) break;  // no further progress in doubles
      v_j = next;
    }
    return v_j + current_a * series_resistance_ohm(d, junction_c);
  }
  const double v_j = increasing_root(excess, current_a * r_sh, (current_a + i0) * r_sh);
  return v_j + current_a * series_resistance_ohm(d, junction_c);
}

double diode_current_a(const DiodeParams& d, double voltage_v, double junction_c) {
  const double i0 = saturation_current_a(d, junction_c);
  const double n_vt = d.ideality * thermal_voltage_v(junction_c);
  const double r_s = series_resistance_ohm(d, junction_c);
  if (!(r_s > 0)) return junction_current_a(d, i0, n_vt, voltage_v);
  // The junction takes part of V, R_s the rest: v_j lies between 0 and V.
  const auto balance = [&](double v_j) { return junction_current_a(d, i0, n_vt, v_j) - (voltage_v - v_j) / r_s; };
  const double v_j = increasing_root(balance, std::min(voltage_v, 0.0), std::max(voltage_v, 0.0));
  return (voltage_v - v_j) / r_s;
}

ReadingNoise smu_reading_noise(const DiodeConfig& config, std::uint64_t seed, std::size_t lane, std::uint64_t index) {
  CounterRng rng(seed, kReadingStream, lane, index);
  ReadingNoise n;
  n.voltage_v = config.voltage_noise_v * rng.normal();
  n.current_relative = config.current_noise_relative * rng.normal();
  return n;
}

double lane_electrical_power_w(const DiodeParams& d, double bias_a, double modulation_pp_a, double junction_c) {
  const double bias = std::max(bias_a, 0.0);
  const double half_swing = 0.5 * std::max(modulation_pp_a, 0.0);
  const auto level_w = [&](double i) { return i > 0 ? i * diode_voltage_v(d, i, junction_c) : 0.0; };
  if (half_swing == 0) return level_w(bias);
  return 0.5 * (level_w(bias + half_swing) + level_w(std::max(bias - half_swing, 0.0)));
}

double led_energy_per_bit_truth_pj(const BenchConfig& config, std::size_t lanes, double current_a, double junction_c,
                                   double lane_rate_bps) {
  double watts = 0;
  for (std::size_t lane = 0; lane < lanes; ++lane)
    watts += lane_electrical_power_w(diode_params(config.diode, config.seed, lane), current_a, 0.0, junction_c);
  return watts / (static_cast<double>(lanes) * lane_rate_bps) * 1e12;
}

}  // namespace ledlab::sim
