// Axis ticks and value formatting of the dashboard's plots.
#include "gui/core/colormap.hpp"
#include "gui/core/ticks.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab::gui;

TEST_CASE("nice steps are 1, 2 or 5 times a power of ten") {
  CHECK(nice_step(0.13) == Approx(0.2));
  CHECK(nice_step(3.0) == Approx(5.0));
  CHECK(nice_step(7.0) == Approx(10.0));
  CHECK(nice_step(1e-6) == Approx(1e-6));
}

TEST_CASE("linear ticks cover the range at round values with consistent decimals") {
  const auto t = linear_ticks(-0.3, 2.2, 6);
  REQUIRE(t.size() == 5);
  CHECK(t.front().value == Approx(0.0));
  CHECK(t.front().label == "0.0");
  CHECK(t.back().value == Approx(2.0));
  CHECK(t[1].label == "0.5");
}

TEST_CASE("linear ticks label in the axis prefix's units") {
  const auto t = linear_ticks(0, 3e-6, 4, 1e-6);  // µW axis
  REQUIRE(!t.empty());
  CHECK(t.back().label == "3");
  const auto minutes = linear_ticks(0.1, 0.4, 4, 1.0 / 60);  // hours shown in minutes: 10, 15, 20
  REQUIRE(minutes.size() == 3);
  CHECK(minutes.front().label == "10");
  CHECK(minutes.back().label == "20");
}

TEST_CASE("log ticks sit on decades and thin out over many decades") {
  auto t = log_ticks(1e-13, 1e-3, 5, TickStyle::exponent);
  int labelled = 0;
  for (const auto& k : t) {
    if (k.label.empty()) continue;
    ++labelled;
    CHECK(std::abs(std::log10(k.value) - std::round(std::log10(k.value))) < 1e-9);
  }
  CHECK(labelled <= 6);
  CHECK(labelled >= 3);
  t = log_ticks(1e-9, 5e-9, 5, TickStyle::exponent);  // less than a decade: 2x and 5x are labelled
  REQUIRE(t.size() == 5);                             // 1, 2, 3, 4, 5 e-9
  CHECK(t[0].label == "1e-9");
  CHECK(t[1].label == "2e-9");
  CHECK(t[2].label.empty());
  CHECK(t[4].label == "5e-9");
}

TEST_CASE("values read with SI prefixes where the unit takes one") {
  CHECK(format_value(1.234e-6, "W") == "1.23 µW");
  CHECK(format_value(8.7e8, "Hz") == "870 MHz");
  CHECK(format_value(85, "C") == "85.0 C");
  CHECK(format_value(0, "C") == "0.00 C");  // a 0 C setpoint in the Results tab's conditions
  CHECK(format_value(2.4e-12, "1") == "2.4e-12");
  CHECK(si_prefix(2e9, "Hz").symbol == "G");
  CHECK(si_prefix(2e9, "C").symbol.empty());
}

TEST_CASE("the lane colour map runs dark to light and marks verdicts and missing data") {
  const Rgb low = colormap(0), high = colormap(1);
  CHECK(low.r + low.g + low.b < high.r + high.g + high.b);
  CHECK(colormap(-3).g == low.g);
  CHECK(normalise(5, 0, 10, false) == Approx(0.5));
  CHECK(normalise(1e-9, 1e-12, 1e-6, true) == Approx(0.5));
  const Rgb none = lane_colour(std::nullopt, 0, 1, false, false);
  CHECK(none.r == no_data_colour.r);
  CHECK(lane_colour(0.0, 0, 1, false, true).r == fail_colour.r);
  CHECK(lane_colour(1.0, 0, 1, false, true).g == pass_colour.g);
}
