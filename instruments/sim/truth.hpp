#pragma once
// Ground truth of a simulated bench, for tests that check a measurement recovers it and for
// `ledlab sim --dump-truth F.json`. Everything is at stated reference conditions (junction
// 25 C, unaged, the link's reference drive and bit rate) so it does not depend on when it is
// written; the formulas to move it to other conditions are in "models".
#include "instruments/sim/bench.hpp"

#include <nlohmann/json.hpp>

#include <span>

namespace ledlab::sim {

inline constexpr int kTruthFormatVersion = 1;

// {"format": "ledlab-sim-truth", "version": 1, "seed", "rows", "cols", "reference": {...},
//  "models": {...}, "lanes": [{"index", "row", "col", "dead", "weak", "weak_factor",
//  "f3db": [{"current_a", "f3db_hz", "f3db_optical_hz", "tau_s"}, ...] (null values if dead),
//  "power_w_at_reference", "q_at_reference", "ber_at_reference", "alpha_ref_per_h",
//  "early_failure": null | {"stress_h", "remaining_fraction"}, "abc": {...}, "rc_s"}, ...]}
nlohmann::json truth(const Bench& bench, std::span<const double> currents_a);

}  // namespace ledlab::sim
