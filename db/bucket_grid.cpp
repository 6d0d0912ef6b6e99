#include "db/bucket_grid.hpp"

#include <algorithm>

namespace ledlab::db {

std::size_t BucketGrid::index(double t_s) const {
  // The same expression as Reader::decimate, so a bucket's first sample maps back to its index.
  const double width = (to_s - from_s) / static_cast<double>(buckets);
  if (!(width > 0) || !(t_s > from_s)) return 0;
  return std::min(static_cast<std::size_t>((t_s - from_s) / width), buckets - 1);
}

std::optional<BucketGrid> grid_over(const std::vector<const SeriesRecord*>& series, std::size_t buckets) {
  std::optional<BucketGrid> grid;
  for (const SeriesRecord* s : series) {
    if (!s->first_t_s || !s->last_t_s || s->sample_count == 0) continue;
    if (!grid) grid = BucketGrid{*s->first_t_s, *s->last_t_s, std::max<std::size_t>(buckets, 1)};
    grid->from_s = std::min(grid->from_s, *s->first_t_s);
    grid->to_s = std::max(grid->to_s, *s->last_t_s);
  }
  return grid;
}

Status for_each_bucket(Reader& reader, SeriesId series, const BucketGrid& grid, const BucketVisitor& visit) {
  auto buckets = reader.decimate(series, grid.buckets, grid.from_s, grid.to_s);
  if (!buckets) return fail(buckets.error());
  for (const SampleBucket& b : *buckets) visit(grid.index(b.t_first), b);
  return {};
}

void BucketMean::add(std::size_t k, const SampleBucket& bucket, double value) {
  sum_[k] += value;
  t_sum_[k] += 0.5 * (bucket.t_first + bucket.t_last);
  ++n_[k];
}

}  // namespace ledlab::db
