#pragma once
// One emitter's electrical I-V in closed form, for the source-measure unit's twin and for the
// bench's energy-per-bit truth: a Shockley diode with ideality n and a temperature-dependent
// saturation current, in series with R_s(T) and shunted by R_sh (leakage at reverse bias):
//   I = I0(T) (exp(V_j / (n V_t)) - 1) + V_j / R_sh,   V = V_j + I R_s(T),   V_t = k T / q.
// Pure functions of the lane's parameters, so tests check exactly what the twin answers.
#include "instruments/sim/bench_config.hpp"

#include <cstddef>
#include <cstdint>

namespace ledlab::sim {

struct DiodeParams {
  double ideality = 2.0;
  double saturation_current_25c_a = 0;   // I0 at a 25 C junction
  double bandgap_ev = 3.05;              // in I0(T) ~ T^3 exp(-E_g / (n k T))
  double series_resistance_25c_ohm = 0;
  double series_resistance_per_c = 0;    // relative change of R_s per C
  double shunt_resistance_ohm = 1e9;
};

// A lane's parameters: the config's values with the lane's lognormal spreads, drawn from the
// seed (the same lane always gets the same diode).
DiodeParams diode_params(const DiodeConfig& config, std::uint64_t seed, std::size_t lane);
// The config's median diode, without spread.
DiodeParams median_diode_params(const DiodeConfig& config);

double saturation_current_a(const DiodeParams& d, double junction_c);
double series_resistance_ohm(const DiodeParams& d, double junction_c);

// Terminal voltage with `current_a` forced through the lane (a current source). Negative
// currents give the reverse branch.
double diode_voltage_v(const DiodeParams& d, double current_a, double junction_c);
// Terminal current with `voltage_v` forced across the lane (a voltage source).
double diode_current_a(const DiodeParams& d, double voltage_v, double junction_c);

// Noise of reading `index` of `lane` (each reading its own draw, from the seed): the voltage
// offset in volts and the current's relative error.
struct ReadingNoise {
  double voltage_v = 0;
  double current_relative = 0;
};
ReadingNoise smu_reading_noise(const DiodeConfig& config, std::uint64_t seed, std::size_t lane, std::uint64_t index);

// Mean electrical power of one lane driven with NRZ data: half the time at bias + half the
// peak-to-peak modulation, half at bias - half of it (not below zero current), each level
// I V(I, T_j). Unmodulated it is I V(I, T_j). The one electrical figure of the bench: the
// array's self-heating, the SMU twin's readings and the energy-per-bit truth all come from it.
double lane_electrical_power_w(const DiodeParams& d, double bias_a, double modulation_pp_a, double junction_c);

// The bench's truth of LED-only energy per bit: sum over the driven lanes of I x V(I, T_j)
// over their aggregate rate (driven lanes x lane rate), in pJ/bit.
double led_energy_per_bit_truth_pj(const BenchConfig& config, std::size_t lanes, double current_a, double junction_c,
                                   double lane_rate_bps);

}  // namespace ledlab::sim
