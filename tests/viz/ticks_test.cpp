// Ticks and labels shared by the report and the dashboard (src/viz/ticks.hpp).
#include "viz/ticks.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace ledlab::viz;

namespace {

std::vector<std::string> labels(const std::vector<Tick>& ticks) {
  std::vector<std::string> out;
  for (const auto& t : ticks)
    if (!t.label.empty()) out.push_back(t.label);
  return out;
}

}  // namespace

TEST_CASE("a frequency axis is labelled with SI prefixes, not as powers of ten") {
  // The dashboard's frequency response from 10 MHz to 10 GHz read "1e7 .. 1e10".
  const auto ticks = log_ticks(1e7, 1e10, 10, log_tick_style("Hz"));
  CHECK(labels(ticks) == std::vector<std::string>{"10 M", "100 M", "1 G", "10 G"});
  CHECK(log_tick_style("W") == TickStyle::si);
}

TEST_CASE("a ratio's log axis keeps powers of ten, in ASCII for the dashboard's font") {
  CHECK(log_tick_style("1") == TickStyle::exponent);
  const auto ticks = log_ticks(1e-15, 1e-9, 10, log_tick_style("1"));
  CHECK(labels(ticks).front() == "1e-15");
  CHECK(exponent_label(2.5e-13) == "2.5e-13");
  CHECK(exponent_label(9.9999e-13) == "1e-12");  // rounding carries into the exponent
  CHECK(exponent_label(250) == "250");
}

TEST_CASE("log ticks have minor ticks between decades and only decades over many of them") {
  const auto few = log_ticks(1e6, 1e10, 10, TickStyle::si);
  std::size_t majors = 0, minors = 0;
  for (const auto& t : few) (t.major ? majors : minors)++;
  CHECK(majors == 5);
  CHECK(minors == 4 * 8);
  const auto many = log_ticks(1e-18, 1, 10, TickStyle::si);
  CHECK(many.size() == 19);
  CHECK(labels(many).size() <= 10);
}

TEST_CASE("tick values are multiples of the step, with an exact zero") {
  const auto v = tick_values(-0.3, 0.31, 0.1);
  REQUIRE(v.size() == 7);
  CHECK(v[3] == 0.0);
  CHECK_FALSE(std::signbit(v[3]));
  CHECK(tick_values(0, 1, 0).empty());
  CHECK(tick_values(0, 1e9, 1e-3).empty());  // a step that would give a billion ticks gives none
}

TEST_CASE("an hours axis under two hours reads in minutes, and so does its hover read-out") {
  const AxisUnit a = axis_unit(0, 1, "h", false);
  CHECK(a.unit == "min");
  CHECK(a.title("time") == "time (min)");
  CHECK(a.format(0.5) == "30.0 min");  // the tooltip said "0.50 h" on a minutes axis
  const auto ticks = linear_ticks(0, 1, 4, a.tick_scale());
  CHECK(ticks.back().label == "60");
  const AxisUnit h = axis_unit(0, 12, "h", false);
  CHECK(h.unit == "h");
  CHECK(h.title("time") == "time (h)");
  CHECK(h.format(6.5) == "6.50 h");
}

TEST_CASE("an axis in a prefixed unit titles, ticks and reads values in the same unit") {
  const AxisUnit w = axis_unit(0, 3e-6, "W", false);
  CHECK(w.title("power") == "power (µW)");
  CHECK(linear_ticks(0, 3e-6, 4, w.tick_scale()).back().label == "3");
  CHECK(w.format(1.5e-6) == "1.50 µW");
  const AxisUnit f = axis_unit(1e7, 1e10, "Hz", true);  // a log axis: its ticks carry the prefix
  CHECK(f.title("modulation frequency") == "modulation frequency (Hz)");
  CHECK(f.format(8.7e8) == "870 MHz");
  CHECK(axis_unit(0, 1, "1", false).title("BER") == "BER");
}
