#pragma once
// Per-lane analysis of a power burn-in (REFERENCE.md section 6): every lane of the array is a
// unit of one test. Readings are taken at the same times for all lanes.
//  - dead lanes (first reading below a floor) are flagged and left out of everything else;
//  - catastrophic failures are reported apart and left out of the array figures, as LM-80 /
//    TM-21-11 leave out units that stop working (TM-21 projects lumen maintenance, the gradual
//    decay of units that keep emitting): a lane whose power falls by a step between two
//    consecutive readings far beyond its own noise (see LaneJudge in burn_in_parts.hpp), or
//    that goes dark, confirmed over `confirm_readings` consecutive readings;
//  - a lane has failed (parametric) when its power stays more than `failure_limit` from its
//    first reading for `confirm_readings` consecutive readings (GR-468-CORE's common criterion:
//    > 10 % change at fixed current). A parametric failure is a flag on the lane only: the
//    lane stays a unit of the array average, or the average would keep only the slow decayers
//    and the array's decay rate and L70 would be optimistic (survivorship);
//  - each live lane's P/P0 is fitted to B exp(-alpha t) over the TM-21 window (or ledlab's
//    early-look window for tests under 2000 h), with alpha's standard error and a "resolved"
//    flag, and projected to L70 / L90, capped at the TM-21 multiple of the test duration for
//    the number of units (live lanes without a catastrophic failure);
//  - the array figure is TM-21 proper (TM-21-11 section 5, the projection method: every unit
//    normalised to its 0 h reading, averaged, the average fitted), over the units, with a
//    confidence interval from the lane-to-lane spread of decay rates (ArrayDecayInterval).
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/tm21.hpp"
#include "core/error.hpp"

namespace ledlab::analysis {

struct BurnInOptions {
  double failure_limit = 0.10;  // fraction of the first reading
  double dead_below_w = 1e-6;   // a first reading below this is a dark lane
  // A failure (parametric or catastrophic) counts when this many consecutive readings show it:
  // one noisy reading never fails a lane.
  std::size_t confirm_readings = 3;
  // A sudden drop: a fall between consecutive readings, beyond the lane's own trend, of more
  // than this fraction and more than `sudden_drop_sigmas` of the lane's reading-to-reading noise.
  double sudden_drop_fraction = 0.05;
  double sudden_drop_sigmas = 8.0;
  double confidence = 0.95;  // two-sided level of the array's decay-rate and L_p intervals
};

struct LaneBurnIn {
  bool dead = false;
  bool catastrophic = false;    // a confirmed sudden drop or a lane gone dark: not a unit
  double catastrophic_at_h = 0.0;  // the reading where it dropped
  double catastrophic_of_level = 1.0;  // power after the drop / before it
  bool failed = false;          // parametric: beyond failure_limit, confirmed
  double failed_at_h = 0.0;     // first of the confirming readings (when failed)
  double change = 0.0;          // last reading / first reading - 1
  bool fitted = false;          // false for dead lanes and when the fit failed (see note)
  std::string note;
  double b = 1.0;
  double alpha_per_h = 0.0;
  double decay_percent_per_1000h = 0.0;
  double rms_residual_ln = 0.0;
  std::size_t fit_points = 0;
  double alpha_se_per_h = 0.0;  // NaN with fewer than three points
  bool resolved = false;        // decay_resolved(): alpha told from zero
  double l70_raw_h = 0.0;       // uncapped; +inf when the fit does not decay
  double l90_raw_h = 0.0;
  std::optional<double> l70_h;  // reported: min(raw, cap); empty when there is no cap factor
  std::optional<double> l90_h;
  bool l70_capped = false;
  bool l90_capped = false;
};

// The array decay rate's confidence interval and the L_p it brackets (uncapped hours; the
// lower L_p comes from the upper alpha). See array_interval() in burn_in_parts.hpp.
struct ArrayDecayInterval {
  double confidence = 0.95;
  std::size_t lanes = 0;        // fitted units whose decay rates give the spread
  double alpha_sd_per_h = 0.0;  // lane-to-lane standard deviation of alpha
  double alpha_lo_per_h = 0.0, alpha_hi_per_h = 0.0;
  double l70_lo_h = 0.0, l70_hi_h = 0.0;
  double l90_lo_h = 0.0, l90_hi_h = 0.0;
};

struct BurnInAnalysis {
  double duration_h = 0.0;
  Tm21Window window;
  std::size_t units = 0;              // live lanes without a catastrophic failure
  std::size_t catastrophic = 0;       // lanes with a catastrophic failure (not dead at the start)
  std::optional<double> cap_factor;   // 6 / 5.5 / none by units
  double cap_h = 0.0;                 // cap_factor x duration, 0 without a factor
  std::vector<LaneBurnIn> lanes;
  std::optional<Tm21Projection> array_l70;  // empty when no lane is left to average
  std::optional<Tm21Projection> array_l90;
  std::optional<ArrayDecayInterval> array_interval;  // empty under two fitted units
  std::string array_note;
};

// The median decay rate over the units' fitted lanes (live, no catastrophic failure): the rate
// to fit Arrhenius across stress temperatures. Every lane's rate scales with the same
// acceleration factor, so the median lane's does too, exactly; the TM-21 average of lanes that
// decay at spread rates does not (at a hotter stress the fast lanes have faded out of the
// average, its fitted rate falls behind, and Ea comes out low). Empty without a fitted unit.
std::optional<double> median_lane_alpha_per_h(const BurnInAnalysis& analysis);

// time_h: reading times (any origin; t - t[0] is the test time), increasing.
// readings[k][lane]: power of every lane at reading k, W. Fails on fewer than two readings,
// ragged readings, times that do not increase, a failure_limit or sudden_drop_fraction outside
// (0, 1), confirm_readings of 0, sudden_drop_sigmas not > 0 or a confidence outside (0, 1).
Result<BurnInAnalysis> analyse_burn_in(std::span<const double> time_h,
                                       const std::vector<std::vector<double>>& readings,
                                       const BurnInOptions& options = {});

}  // namespace ledlab::analysis
