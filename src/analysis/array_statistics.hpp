#pragma once
// Summary statistics over per-lane (per-pixel) values of an array. Dead lanes are NaN
// and are skipped, as are infinities; a statistic of no finite values is NaN, so a map
// of dead lanes summarises to NaN rather than to a misleading number.
#include <cstddef>
#include <span>

namespace ledlab::analysis {

// Number of finite values.
std::size_t finite_count(std::span<const double> values);

// Percentile p in [0, 100], linear interpolation between order statistics
// (position (n-1) p/100; the Hyndman-Fan type 7 rule, as in numpy and R's default).
// NaN for p outside [0, 100] or no finite values.
double percentile(std::span<const double> values, double p);

double median(std::span<const double> values);
double mean(std::span<const double> values);

// Interquartile range: percentile 75 - percentile 25.
double interquartile_range(std::span<const double> values);

// Median absolute deviation from the median, unscaled; multiply by
// mad_to_sigma for a robust estimate of a normal sigma.
double median_absolute_deviation(std::span<const double> values);
inline constexpr double mad_to_sigma = 1.482602218505602;  // 1 / Phi^-1(3/4)

struct ArraySummary {
  std::size_t count = 0;         // all values
  std::size_t finite = 0;        // values used
  double min = 0.0;
  double max = 0.0;
  double mean = 0.0;
  double median = 0.0;
  double p5 = 0.0;
  double p95 = 0.0;
  double iqr = 0.0;
  double mad = 0.0;              // unscaled
};

ArraySummary summarise(std::span<const double> values);

}  // namespace ledlab::analysis
