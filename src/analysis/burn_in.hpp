#pragma once
// Per-lane analysis of a power burn-in (REFERENCE.md section 6): every lane of the array is a
// unit of one test. Readings are taken at the same times for all lanes.
//  - dead lanes (first reading below a floor) are flagged and left out of everything else;
//  - a lane has failed when its power moved more than `failure_limit` from its first reading
//    (GR-468-CORE's common criterion: > 10 % change at fixed current);
//  - each live lane's P/P0 is fitted to B exp(-alpha t) over the TM-21 window (or ledlab's
//    early-look window for tests under 2000 h) and projected to L70 / L90, capped at the
//    TM-21 multiple of the test duration for the number of units (live, not failed lanes);
//  - the array figure is TM-21 proper: the average of the normalised live, not failed lanes.
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
};

struct LaneBurnIn {
  bool dead = false;
  bool failed = false;
  double failed_at_h = 0.0;     // first reading beyond the limit (when failed)
  double change = 0.0;          // last reading / first reading - 1
  bool fitted = false;          // false for dead lanes and when the fit failed (see note)
  std::string note;
  double b = 1.0;
  double alpha_per_h = 0.0;
  double decay_percent_per_1000h = 0.0;
  double rms_residual_ln = 0.0;
  std::size_t fit_points = 0;
  double l70_raw_h = 0.0;       // uncapped; +inf when the fit does not decay
  double l90_raw_h = 0.0;
  std::optional<double> l70_h;  // reported: min(raw, cap); empty when there is no cap factor
  std::optional<double> l90_h;
  bool l70_capped = false;
  bool l90_capped = false;
};

struct BurnInAnalysis {
  double duration_h = 0.0;
  Tm21Window window;
  std::size_t units = 0;              // live, not failed lanes
  std::optional<double> cap_factor;   // 6 / 5.5 / none by units
  double cap_h = 0.0;                 // cap_factor x duration, 0 without a factor
  std::vector<LaneBurnIn> lanes;
  std::optional<Tm21Projection> array_l70;  // empty when no lane is left to average
  std::optional<Tm21Projection> array_l90;
  std::string array_note;
};

// time_h: reading times (any origin; t - t[0] is the test time), increasing.
// readings[k][lane]: power of every lane at reading k, W. Fails on fewer than two readings,
// ragged readings, times that do not increase, or a failure_limit outside (0, 1).
Result<BurnInAnalysis> analyse_burn_in(std::span<const double> time_h,
                                       const std::vector<std::vector<double>>& readings,
                                       const BurnInOptions& options = {});

}  // namespace ledlab::analysis
