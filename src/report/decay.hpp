#pragma once
// A burn-in's power decay as the report plots it: per lane P/P0 (each lane's optical power
// over its first reading) and the mean over live, not failed lanes. Read decimated: every lane
// on one grid of `buckets` time buckets (Reader::decimate), so six weeks of 400 lanes cost 400
// bucketed reads, not every sample. Exact figures (decay rates, L70) come from the results,
// never from these curves.
#include "report/run_data.hpp"

#include <vector>

namespace ledlab::report {

struct DecayCurves {
  std::vector<double> t_h;   // bucket times, hours since the first reading
  std::vector<double> mean;  // mean P/P0 of the live, not failed lanes in that bucket
  double duration_h = 0;     // first to last reading, exactly
  struct Lane {
    int lane = 0;
    std::vector<double> ratio;  // P/P0 at t_h (NaN: no reading in that bucket)
  };
  std::vector<Lane> failed;  // the first few failed lanes, for their own curves
};

// `dead` and `failed` are indexed lane - 1. Dead lanes are left out; failed lanes are left out
// of the mean, and up to `failed_shown` of them get their own curve.
Result<DecayCurves> load_decay(const RunData& run, db::Reader& reader, const std::vector<bool>& dead,
                               const std::vector<bool>& failed, std::size_t buckets, std::size_t failed_shown = 3);

}  // namespace ledlab::report
