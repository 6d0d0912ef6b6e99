#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/array_statistics.hpp"

using namespace ledlab::analysis;

namespace {
constexpr double dead = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("median and percentiles skip dead lanes") {
  const std::vector<double> v{4, dead, 1, 3, dead, 2};
  CHECK(finite_count(v) == 4);
  CHECK(median(v) == Approx(2.5));
  CHECK(percentile(v, 0) == 1);
  CHECK(percentile(v, 100) == 4);
  CHECK(percentile(v, 25) == Approx(1.75));  // type 7: position 0.75 between 1 and 2
  CHECK(mean(v) == Approx(2.5));
}

TEST_CASE("IQR and MAD are robust to one wild lane") {
  const std::vector<double> v{1, 1, 2, 2, 4, 6, 9};
  CHECK(median_absolute_deviation(v) == Approx(1.0));
  CHECK(interquartile_range(v) == Approx(5.0 - 1.5));
  std::vector<double> wild = v;
  wild.back() = 1e6;
  CHECK(median_absolute_deviation(wild) == Approx(1.0));
  CHECK(interquartile_range(wild) == Approx(3.5));
}

TEST_CASE("an all-dead array summarises to NaN, not to zero") {
  const std::vector<double> v{dead, dead};
  CHECK(std::isnan(median(v)));
  CHECK(std::isnan(median_absolute_deviation(v)));
  const auto s = summarise(v);
  CHECK(s.count == 2);
  CHECK(s.finite == 0);
  CHECK(std::isnan(s.median));
  CHECK(std::isnan(percentile(std::vector<double>{1, 2}, 101)));
}

TEST_CASE("the summary of an array matches its parts") {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  v.push_back(dead);
  const auto s = summarise(v);
  CHECK(s.count == 101);
  CHECK(s.finite == 100);
  CHECK(s.min == 1);
  CHECK(s.max == 100);
  CHECK(s.mean == Approx(50.5));
  CHECK(s.median == Approx(50.5));
  CHECK(s.p5 == Approx(5.95));
  CHECK(s.p95 == Approx(95.05));
  CHECK(s.iqr == Approx(49.5));
  CHECK(s.mad == Approx(25.0));
}
