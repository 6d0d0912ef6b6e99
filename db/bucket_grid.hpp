#pragma once
// Several series decimated onto one grid of time buckets, so that bucket k of one series
// covers the same stretch of time as bucket k of another and they can be combined bucket by
// bucket: the array mean of 400 lanes over a six-week burn-in from 400 decimated reads,
// without reading a sample. The grid is what Reader::decimate makes of the same bounds and
// bucket count: equal widths over [from_s, to_s], the last bucket closed at to_s.
#include "db/reader.hpp"

#include <functional>
#include <optional>
#include <vector>

namespace ledlab::db {

struct BucketGrid {
  double from_s = 0, to_s = 0;
  std::size_t buckets = 1;

  // The bucket holding time t_s (clamped to the grid), computed as Reader::decimate does.
  std::size_t index(double t_s) const;
};

// The grid spanning every sample of `series` (first to last time), or empty when none has any.
std::optional<BucketGrid> grid_over(const std::vector<const SeriesRecord*>& series, std::size_t buckets);

// Decimates one series onto `grid`, visiting each non-empty bucket with its index.
using BucketVisitor = std::function<void(std::size_t k, const SampleBucket& bucket)>;
Status for_each_bucket(Reader& reader, SeriesId series, const BucketGrid& grid, const BucketVisitor& visit);

// The mean, bucket by bucket, of one value per series and bucket (each series' bucket mean,
// or a normalised form of it), with the mean time of the buckets that took part.
class BucketMean {
 public:
  explicit BucketMean(std::size_t buckets) : sum_(buckets, 0.0), t_sum_(buckets, 0.0), n_(buckets, 0) {}
  // Takes part: `value` for bucket k, whose samples lie between t_first and t_last.
  void add(std::size_t k, const SampleBucket& bucket, double value);
  std::size_t buckets() const { return n_.size(); }
  int count(std::size_t k) const { return n_[k]; }
  double mean(std::size_t k) const { return sum_[k] / n_[k]; }
  double t_s(std::size_t k) const { return t_sum_[k] / n_[k]; }

 private:
  std::vector<double> sum_, t_sum_;
  std::vector<int> n_;
};

}  // namespace ledlab::db
