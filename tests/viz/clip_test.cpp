// Segments clipped to a plot's area (src/viz/clip.hpp).
#include "viz/clip.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab::viz;

TEST_CASE("a segment between two points outside the view is cut at the view's edges, not dropped") {
  // A plot zoomed in between two samples: both ends are outside, the line crosses the view.
  const auto s = clip({{-100, 0}, {300, 40}}, {0, -10, 200, 50});
  REQUIRE(s);
  CHECK(s->a.x == Approx(0));
  CHECK(s->a.y == Approx(10));
  CHECK(s->b.x == Approx(200));
  CHECK(s->b.y == Approx(30));
}

TEST_CASE("a segment inside the view is kept whole and one beside it is dropped") {
  const auto inside = clip({{1, 2}, {3, 4}}, {0, 0, 10, 10});
  REQUIRE(inside);
  CHECK(inside->a.x == 1);
  CHECK(inside->b.y == 4);
  CHECK_FALSE(clip({{-5, 1}, {-1, 9}}, {0, 0, 10, 10}));
  CHECK_FALSE(clip({{-5, 20}, {20, 15}}, {0, 0, 10, 10}));
  const auto vertical = clip({{5, -1e12}, {5, 1e12}}, {0, 0, 10, 10});
  REQUIRE(vertical);
  CHECK(vertical->a.y == Approx(0));
  CHECK(vertical->b.y == Approx(10));
  CHECK_FALSE(clip({{NAN, 0}, {1, 1}}, {0, 0, 10, 10}));
}
