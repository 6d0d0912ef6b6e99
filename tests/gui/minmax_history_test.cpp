// The dashboard's bounded-memory history: min/max per pixel column, whatever the length.
#include "gui/core/minmax_history.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

using ledlab::gui::MinMaxHistory;

namespace {

// The true extremes of f(i) for points whose time falls in [t0, t1).
std::pair<double, double> truth(double (*f)(int), int n, double t0, double t1) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int i = 0; i < n; ++i)
    if (i >= t0 && i < t1) lo = std::min(lo, f(i)), hi = std::max(hi, f(i));
  return {lo, hi};
}

// A slow drift with one spike at point 777777.
double wave(int i) { return i == 777'777 ? 10.0 : std::sin(i * 3e-6); }

}  // namespace

TEST_CASE("a short history is kept exactly, one point per bucket") {
  MinMaxHistory h(1024);
  for (int i = 0; i < 100; ++i) h.append(i, i * 2.0);
  CHECK(h.points() == 100);
  CHECK(h.buckets() == 100);
  CHECK(h.points_per_bucket() == 1);
  std::vector<MinMaxHistory::Column> cols;
  h.decimate(0, 100, 100, cols);
  for (int c = 0; c < 100; ++c) {
    REQUIRE(cols[static_cast<std::size_t>(c)].filled);
    CHECK(cols[static_cast<std::size_t>(c)].lo == c * 2.0);
    CHECK(cols[static_cast<std::size_t>(c)].hi == c * 2.0);
  }
}

TEST_CASE("memory stays bounded however many points arrive") {
  MinMaxHistory h(4096);
  for (int i = 0; i < 1'000'000; ++i) h.append(i, wave(i));
  const auto after_1m = h.memory_bytes();
  for (int i = 1'000'000; i < 3'000'000; ++i) h.append(i, 0.0);
  CHECK(h.buckets() <= 4096);
  CHECK(h.memory_bytes() <= after_1m * 2);  // vectors may have grown once; no more
  CHECK(h.memory_bytes() < 1'000'000);      // under 1 MB for 3 million points
  CHECK(h.points() == 3'000'000);
  CHECK(h.max() == 10.0);
}

TEST_CASE("each column holds the true extremes of its points, including a one-sample spike") {
  MinMaxHistory h(1 << 14);
  constexpr int n = 1'000'000;
  for (int i = 0; i < n; ++i) h.append(i, wave(i));
  std::vector<MinMaxHistory::Column> cols;
  const int columns = 800;
  h.decimate(0, n, columns, cols);
  double spike = -1;
  for (const auto& c : cols) {
    REQUIRE(c.filled);
    spike = std::max(spike, c.hi);
  }
  CHECK(spike == 10.0);  // the spike at point 777777 survives decimation
  // A bucket belongs to the column of its centre, so a column may hold a few points of its
  // neighbours: nothing is lost over three columns, and nothing is invented.
  const double per = static_cast<double>(n) / columns;
  for (int c : {1, 100, 400, 798}) {
    INFO("column " << c);
    const auto [lo, hi] = truth(wave, n, c * per, (c + 1) * per);
    const auto [wide_lo, wide_hi] = truth(wave, n, (c - 1) * per, (c + 2) * per);
    double near_lo = 1e300, near_hi = -1e300;
    for (int k = c - 1; k <= c + 1; ++k) {
      near_lo = std::min(near_lo, cols[static_cast<std::size_t>(k)].lo);
      near_hi = std::max(near_hi, cols[static_cast<std::size_t>(k)].hi);
    }
    CHECK(near_lo <= lo);
    CHECK(near_hi >= hi);
    CHECK(cols[static_cast<std::size_t>(c)].lo >= wide_lo);
    CHECK(cols[static_cast<std::size_t>(c)].hi <= wide_hi);
  }
}

TEST_CASE("a zoomed view reads only the columns in view and the newest, incomplete buckets too") {
  MinMaxHistory h(64);
  for (int i = 0; i < 1001; ++i) h.append(i, i);  // 1001: the last bucket is incomplete
  std::vector<MinMaxHistory::Column> cols;
  h.decimate(990, 1000, 10, cols);
  double hi = 0;
  for (const auto& c : cols)
    if (c.filled) hi = std::max(hi, c.hi);
  CHECK(hi == 1000.0);
  h.decimate(2000, 3000, 10, cols);
  CHECK(std::none_of(cols.begin(), cols.end(), [](const auto& c) { return c.filled; }));
}

TEST_CASE("a capacity that is not a power of two is refused") {
  CHECK_THROWS_AS(MinMaxHistory(1000), std::invalid_argument);
}

TEST_CASE("the points just outside a view are found, so a plot zoomed in between two samples joins them") {
  MinMaxHistory h(8);
  for (int i = 0; i < 100; ++i) h.append(i, i * 2.0);  // compacted: buckets of several points
  const auto before = h.last_before(40.5);
  const auto after = h.first_after(40.7);
  REQUIRE(before);
  REQUIRE(after);
  CHECK(before->t < 40.5);
  CHECK(after->t > 40.7);
  CHECK(before->value == before->t * 2.0);
  CHECK(after->value == after->t * 2.0);
  CHECK_FALSE(h.last_before(0));
  CHECK_FALSE(h.first_after(99));
  MinMaxHistory exact;
  exact.append(0, 1);
  exact.append(1, 3);
  CHECK(exact.last_before(0.4)->value == 1);
  CHECK(exact.first_after(0.6)->t == 1);
}
