#include "analysis/repeatability.hpp"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "analysis/array_statistics.hpp"

namespace ledlab::analysis {

namespace {
// Median of |N(0, 1)|: the 75th percentile of the standard normal.
constexpr double kMedianAbsNormal = 0.6744897501960817;
}  // namespace

Result<Repeatability> repeatability(std::span<const std::vector<double>> readings, double floor) {
  if (readings.size() < 2)
    return fail(Errc::invalid_argument, fmt::format("repeatability needs two or more readings, got {}", readings.size()));
  const std::size_t lanes = readings.front().size();
  std::vector<double> changes;
  for (std::size_t r = 1; r < readings.size(); ++r) {
    if (readings[r].size() != lanes)
      return fail(Errc::invalid_argument,
                  fmt::format("reading {} has {} lanes, the first has {}", r + 1, readings[r].size(), lanes));
    for (std::size_t i = 0; i < lanes; ++i) {
      const double a = readings[r - 1][i];
      const double b = readings[r][i];
      if (a > floor && std::isfinite(a) && std::isfinite(b)) changes.push_back(std::abs(b / a - 1.0));
    }
  }
  if (changes.empty()) return fail(Errc::invalid_argument, fmt::format("no lane reads above {}", floor));
  Repeatability out;
  out.median_change = median(changes);
  out.relative_sigma = out.median_change / (kMedianAbsNormal * std::numbers::sqrt2);
  out.pairs = changes.size();
  return out;
}

}  // namespace ledlab::analysis
