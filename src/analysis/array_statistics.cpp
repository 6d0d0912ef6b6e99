#include "analysis/array_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace ledlab::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

std::vector<double> sorted_finite(std::span<const double> values) {
  std::vector<double> out;
  out.reserve(values.size());
  for (double v : values)
    if (std::isfinite(v)) out.push_back(v);
  std::sort(out.begin(), out.end());
  return out;
}

double percentile_of_sorted(const std::vector<double>& s, double p) {
  if (s.empty() || !(p >= 0.0 && p <= 100.0)) return nan;
  const double pos = (static_cast<double>(s.size()) - 1.0) * p / 100.0;
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return s[lo] + frac * (s[hi] - s[lo]);
}

double mad_of_sorted(const std::vector<double>& s) {
  if (s.empty()) return nan;
  const double med = percentile_of_sorted(s, 50.0);
  std::vector<double> dev;
  dev.reserve(s.size());
  for (double v : s) dev.push_back(std::fabs(v - med));
  std::sort(dev.begin(), dev.end());
  return percentile_of_sorted(dev, 50.0);
}

}  // namespace

std::size_t finite_count(std::span<const double> values) {
  return static_cast<std::size_t>(
      std::count_if(values.begin(), values.end(), [](double v) { return std::isfinite(v); }));
}

double percentile(std::span<const double> values, double p) {
  return percentile_of_sorted(sorted_finite(values), p);
}

double median(std::span<const double> values) { return percentile(values, 50.0); }

double mean(std::span<const double> values) {
  double sum = 0.0;
  std::size_t n = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : nan;
}

double interquartile_range(std::span<const double> values) {
  const auto s = sorted_finite(values);
  return percentile_of_sorted(s, 75.0) - percentile_of_sorted(s, 25.0);
}

double median_absolute_deviation(std::span<const double> values) {
  return mad_of_sorted(sorted_finite(values));
}

ArraySummary summarise(std::span<const double> values) {
  const auto s = sorted_finite(values);
  ArraySummary out;
  out.count = values.size();
  out.finite = s.size();
  if (s.empty()) {
    out.min = out.max = out.mean = out.median = out.p5 = out.p95 = out.iqr = out.mad = nan;
    return out;
  }
  out.min = s.front();
  out.max = s.back();
  out.mean = mean(s);
  out.median = percentile_of_sorted(s, 50.0);
  out.p5 = percentile_of_sorted(s, 5.0);
  out.p95 = percentile_of_sorted(s, 95.0);
  out.iqr = percentile_of_sorted(s, 75.0) - percentile_of_sorted(s, 25.0);
  out.mad = mad_of_sorted(s);
  return out;
}

}  // namespace ledlab::analysis
