#pragma once
// The steps analyse_burn_in and BurnInAccumulator share, so that a burn-in analysed from its
// whole table and one accumulated a reading at a time report the same figures in the same
// words. Internal to src/analysis.
#include <cstddef>
#include <string>

#include "analysis/burn_in.hpp"
#include "analysis/decay_fit.hpp"

namespace ledlab::analysis::burn_in_detail {

Status check_options(const BurnInOptions& options);
Status check_reading_count(std::size_t readings);
// Reading `number` (1-based) against the first reading's lane count and the previous time.
Status check_lanes(std::size_t number, std::size_t lanes, std::size_t first_lanes);
Status check_time(std::size_t number, double time_h, double previous_h);

// A lane whose first reading is under the floor is dark: flagged, left out of everything else.
bool is_dead(double first_w, const BurnInOptions& options);
std::string dead_note(double first_w, const BurnInOptions& options);

// Whether a reading is beyond the failure limit of its lane's first one (GR-468: > 10 %).
bool beyond_limit(double power_w, double first_w, const BurnInOptions& options);

// A lane's fit, or why it has none.
void apply_lane_fit(LaneBurnIn& lane, const Result<DecayFit>& fit);

// TM-21's cap by the number of units (live, not failed lanes), applied to every fitted lane.
void apply_caps(BurnInAnalysis& out);

inline constexpr const char* kNoUnits = "no live lane without a failure to average";

}  // namespace ledlab::analysis::burn_in_detail
