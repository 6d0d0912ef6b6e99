#pragma once
// Ground truth of a simulated bench, for tests that check a measurement recovers it and for
// `ledlab sim --dump-truth F.json`. Everything is at stated reference conditions (junction
// 25 C, unaged, the link's reference drive and bit rate) so it does not depend on when it is
// written; the formulas to move it to other conditions are in "models".
#include "instruments/sim/bench.hpp"

#include <nlohmann/json.hpp>

#include <span>

namespace ledlab::sim {

inline constexpr int kTruthFormatVersion = 3;

// The DUT temperatures the truth lists by default: those of sequences/ber_vs_temperature.lua.
inline constexpr double kTruthTemperaturesC[] = {0.0, 25.0, 45.0, 65.0, 85.0, 105.0};

// {"format": "ledlab-sim-truth", "version": 2, "seed", "rows", "cols", "reference": {...},
//  "models": {...}, "temperatures": [{"dut_c", "junction_c", "electrical_power_w"}, ...],
//  "lanes": [{"index", "row", "col", "dead", "weak", "weak_factor",
//  "f3db": [{"current_a", "f3db_hz", "f3db_optical_hz", "tau_s"}, ...] (25 C junction; null if dead),
//  "power_w_at_reference", "q_at_reference", "ber_at_reference", "alpha_ref_per_h",
//  "at_temperature": [{"dut_c", "junction_c", "electrical_power_w", "f3db_hz", "tau_s", "q", "ber"}, ...] (reference drive
//  and bit rate, unaged; null if dead), "early_failure": null | {"stress_h", "remaining_fraction"},
//  "abc": {...} (at 25 C), "rc_s", "diode": {"ideality", "saturation_current_25c_a", "bandgap_ev",
//  "series_resistance_25c_ohm", "series_resistance_per_c", "shunt_resistance_ohm",
//  "forward_voltage_v_at_reference"}}, ...]}
// Version 2 added "temperatures", "at_temperature" and models.recombination_temperature.
// Version 3: self-heating from each lane's diode (models.diode, lanes[].diode, electrical_power_w
// at each temperature); models.self_heating lost forward_voltage_v and series_resistance_ohm.
nlohmann::json truth(const Bench& bench, std::span<const double> currents_a,
                     std::span<const double> dut_temperatures_c = kTruthTemperaturesC);

}  // namespace ledlab::sim
