// The one colour map of the report and the dashboard (src/viz/colormap.hpp).
#include "viz/colormap.hpp"

#include <catch2/catch.hpp>

using namespace ledlab::viz;

TEST_CASE("the colour map is viridis from dark violet to yellow, lighter at every step") {
  CHECK(css(colormap(0)) == "rgb(68,1,84)");
  CHECK(css(colormap(0.5)) == "rgb(33,145,140)");
  CHECK(css(colormap(1)) == "rgb(253,231,37)");
  // Perceived lightness (Rec. 709 luma) rises monotonically, so a dark cell is always a low value.
  auto luma = [](Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; };
  for (int i = 1; i <= 64; ++i) CHECK(luma(colormap(i / 64.0)) > luma(colormap((i - 1) / 64.0)));
}

TEST_CASE("dead lanes have their own colour, apart from failing ones and from the scale") {
  const Rgb dead = lane_colour(0.0, LaneMark::dead, 0, 1, false, true);
  const Rgb failed = lane_colour(0.0, LaneMark::none, 0, 1, false, true);
  CHECK(css(dead) == css(dead_colour));
  CHECK(css(failed) == css(fail_colour));
  CHECK(css(dead) != css(failed));
  CHECK(css(lane_colour(5.0, LaneMark::dead, 0, 10, false, false)) == css(dead_colour));
}
