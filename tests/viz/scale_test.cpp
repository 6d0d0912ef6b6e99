#include <catch2/catch.hpp>

#include "viz/scale.hpp"

#include <cmath>

using namespace ledlab::viz;

TEST_CASE("nice steps are 1, 2 or 5 times a power of ten") {
  CHECK(nice_step(0, 10, 5) == Approx(2));
  CHECK(nice_step(0, 1, 4) == Approx(0.2));   // 0.25 -> 0.2
  CHECK(nice_step(0, 730, 5) == Approx(100)); // 146 -> 100
  CHECK(nice_step(0, 900, 5) == Approx(200)); // 180 -> 200
  CHECK(nice_step(-3e9, 3e9, 6) == Approx(1e9));
  CHECK(nice_step(0, 0.0007, 5) == Approx(0.0001));
}

TEST_CASE("nice ranges widen to whole steps or whole decades") {
  auto lin = nice_range(ScaleKind::linear, 0.13, 9.7);
  REQUIRE(lin);
  CHECK(lin->first == Approx(0));
  CHECK(lin->second == Approx(10));
  auto log = nice_range(ScaleKind::log, 3e-13, 2e-9);
  REQUIRE(log);
  CHECK(log->first == Approx(1e-13));
  CHECK(log->second == Approx(1e-8));
  auto flat = nice_range(ScaleKind::log, 1e6, 1e6);
  REQUIRE(flat);
  CHECK(flat->second / flat->first == Approx(10));
  auto point = nice_range(ScaleKind::linear, 5, 5);
  REQUIRE(point);
  CHECK(point->first < 5);
  CHECK(point->second > 5);
  CHECK_FALSE(nice_range(ScaleKind::log, 0, 1));
  CHECK_FALSE(nice_range(ScaleKind::linear, 0, INFINITY));
}

TEST_CASE("labels carry SI prefixes") {
  CHECK(si_label(1.5e9) == "1.5 G");
  CHECK(si_label(2e-12) == "2 p");
  CHECK(si_label(0) == "0");
  CHECK(si_label(1234) == "1.23 k");
  CHECK(si_label(999.9e3) == "1 M");
  CHECK(si_label(-25) == "-25");
  CHECK(si_label(85) == "85");
  CHECK(si_label(1e-3) == "1 m");
}

TEST_CASE("powers of ten are written with superscript exponents, plain from 1 to 999") {
  CHECK(power_of_ten_label(1e-12) == "10⁻¹²");
  CHECK(power_of_ten_label(2.5e-13) == "2.5×10⁻¹³");
  CHECK(power_of_ten_label(9.9999e-13) == "10⁻¹²");  // rounding carries into the exponent
  CHECK(power_of_ten_label(0.1) == "10⁻¹");
  CHECK(power_of_ten_label(3e12) == "3×10¹²");
  CHECK(power_of_ten_label(250) == "250");
  CHECK(power_of_ten_label(1) == "1");
  CHECK(power_of_ten_label(0) == "0");
  CHECK(power_of_ten_label(-1e-9) == "-10⁻⁹");
  auto s = Scale::make(ScaleKind::log, 1e-15, 1e-9, 0, 400);
  REQUIRE(s);
  CHECK(s->ticks(5, TickStyle::power_of_ten).front().label == "10⁻¹⁵");
}

TEST_CASE("a linear scale maps its ends to the pixel ends, y axes upside down") {
  auto s = Scale::make(ScaleKind::linear, 0, 100, 300, 20);
  REQUIRE(s);
  CHECK(s->to_px(0) == Approx(300));
  CHECK(s->to_px(100) == Approx(20));
  CHECK(s->to_px(50) == Approx(160));
  const auto ticks = s->ticks(5);
  REQUIRE(ticks.size() == 6);
  CHECK(ticks.front().value == 0);
  CHECK(ticks.back().value == Approx(100));
  CHECK(ticks[1].label == "20");
}

TEST_CASE("linear ticks of small ranges read as plain numbers, large ones with prefixes") {
  auto ratio = Scale::make(ScaleKind::linear, 0.7, 1.0, 0, 100);
  REQUIRE(ratio);
  CHECK(ratio->ticks(5).front().label == "0.7");
  auto hours = Scale::make(ScaleKind::linear, 0, 60000, 0, 100);
  REQUIRE(hours);
  CHECK(hours->ticks(5)[1].label == "10 k");
}

TEST_CASE("a log scale puts decades at equal distances and minor ticks in between") {
  auto s = Scale::make(ScaleKind::log, 1e6, 1e10, 0, 400);
  REQUIRE(s);
  CHECK(s->to_px(1e7) == Approx(100));
  CHECK(s->to_px(1e9) == Approx(300));
  CHECK(s->to_px(std::sqrt(10.0) * 1e8) == Approx(250));
  CHECK(s->to_px(0) < 0);  // off the low end, not NaN
  const auto ticks = s->ticks();
  std::size_t majors = 0, minors = 0;
  for (const auto& t : ticks) (t.major ? majors : minors)++;
  CHECK(majors == 5);
  CHECK(minors == 4 * 8);
  CHECK(ticks.front().label == "1 M");
}

TEST_CASE("a log axis over many decades thins its labels and drops minor ticks") {
  auto s = Scale::make(ScaleKind::log, 1e-18, 1, 0, 400);
  REQUIRE(s);
  const auto ticks = s->ticks(5);
  std::size_t labelled = 0;
  for (const auto& t : ticks) {
    CHECK(t.major);
    if (!t.label.empty()) ++labelled;
  }
  CHECK(ticks.size() == 19);
  CHECK(labelled <= 10);
  CHECK(labelled >= 5);
}

TEST_CASE("scales refuse empty, non-finite and non-positive log ranges") {
  CHECK_FALSE(Scale::make(ScaleKind::linear, 1, 1, 0, 100));
  CHECK_FALSE(Scale::make(ScaleKind::linear, 0, NAN, 0, 100));
  auto e = Scale::make(ScaleKind::log, -1, 10, 0, 100);
  REQUIRE_FALSE(e);
  CHECK(e.error().message.find("positive") != std::string::npos);
}
