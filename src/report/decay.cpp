#include "report/decay.hpp"

#include "db/bucket_grid.hpp"

#include <cmath>

namespace ledlab::report {

Result<DecayCurves> load_decay(const RunData& run, db::Reader& reader, const std::vector<bool>& dead,
                               const std::vector<bool>& failed, std::size_t buckets, std::size_t failed_shown) {
  std::vector<const db::SeriesRecord*> lanes;
  for (const auto* s : run.series_of("optical_power")) {
    if (!s->spec.lane || *s->spec.lane < 1 || *s->spec.lane > run.lanes) continue;
    if (!dead[static_cast<std::size_t>(*s->spec.lane - 1)]) lanes.push_back(s);
  }
  DecayCurves d;
  const auto grid = db::grid_over(lanes, buckets);
  if (!grid) return d;
  db::BucketMean mean(grid->buckets), every(grid->buckets);  // live lanes; every lane read (for the times)
  std::vector<DecayCurves::Lane> shown;
  for (const auto* s : lanes) {
    const int lane = *s->spec.lane;
    const bool is_failed = failed[static_cast<std::size_t>(lane - 1)];
    DecayCurves::Lane* own = nullptr;
    if (is_failed && shown.size() < failed_shown) {
      shown.push_back({lane, std::vector<double>(grid->buckets, NAN)});
      own = &shown.back();
    }
    double p0 = NAN;  // the lane's first reading: the first bucket's first value
    auto st = db::for_each_bucket(reader, s->id, *grid, [&](std::size_t k, const db::SampleBucket& b) {
      if (std::isnan(p0)) p0 = b.first;
      const double ratio = b.mean / p0;
      every.add(k, b, 0.0);
      if (own) own->ratio[k] = ratio;
      // A lane dark from its first reading has no P/P0 to average.
      if (!is_failed && std::isfinite(ratio)) mean.add(k, b, ratio);
    });
    if (!st) return fail(st.error());
  }
  d.duration_h = (grid->to_s - grid->from_s) / 3600.0;
  std::vector<std::size_t> kept;  // buckets some lane has a reading in
  for (std::size_t k = 0; k < every.buckets(); ++k)
    if (every.count(k) > 0) kept.push_back(k);
  for (std::size_t k : kept) {
    // The time of the lanes in the mean, where there are some (failed lanes may read less often).
    d.t_h.push_back(((mean.count(k) > 0 ? mean.t_s(k) : every.t_s(k)) - grid->from_s) / 3600.0);
    d.mean.push_back(mean.count(k) > 0 ? mean.mean(k) : NAN);
  }
  for (auto& lane : shown) {
    DecayCurves::Lane curve{lane.lane, {}};
    for (std::size_t k : kept) curve.ratio.push_back(lane.ratio[k]);
    d.failed.push_back(std::move(curve));
  }
  return d;
}

}  // namespace ledlab::report
