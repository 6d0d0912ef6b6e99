// A bench with several DUTs in one chamber (BenchConfig::duts): each array has its own lanes,
// drive, self-heating and ageing; they share the chamber.
#include "instruments/sim/bench.hpp"
#include "instruments/sim/truth.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab;
using namespace ledlab::sim;

namespace {

const Drive kDrive{5e-3, 4e-3, 0.0, true};
constexpr double kHour_s = 3600.0;

BenchConfig small(int duts) {
  BenchConfig c;
  c.array.rows = 4;
  c.array.cols = 5;
  c.duts = duts;
  return c;
}

}  // namespace

TEST_CASE("a 2-DUT bench holds two arrays whose lanes differ, DUT 0 being the one-DUT bench's array") {
  const auto clock = Clock::manual();
  Bench one(small(1), clock), two(small(2), clock);
  REQUIRE(two.lane_count() == 40);
  REQUIRE(two.dut_count() == 2);
  REQUIRE(two.lanes_per_dut() == 20);
  int differing = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const Lane& a = two.array().lane(i);
    const Lane& b = two.array().lane(20 + i);
    CHECK(a.params.a_per_s == one.array().lane(i).params.a_per_s);
    CHECK(a.dut == 0);
    CHECK(b.dut == 1);
    CHECK(b.row == a.row);
    CHECK(b.col == a.col);
    differing += a.params.a_per_s != b.params.a_per_s;
    CHECK(two.dut_of(20 + i) == 1);
  }
  CHECK(differing == 20);
}

TEST_CASE("each DUT of a bench follows its own drive") {
  const auto clock = Clock::manual();
  Bench bench(small(2), clock);
  REQUIRE(bench.set_drive(1, kDrive));
  for (std::size_t i = 0; i < 20; ++i) {
    CHECK(bench.lane_optical_power_w(i) == 0.0);
    CHECK(bench.ber(i) == 0.5);
    if (!bench.array().lane(20 + i).dead) CHECK(bench.lane_optical_power_w(20 + i) > 1e-6);
  }
  CHECK_FALSE(bench.drive(0).output_on);
  CHECK(bench.drive(1).output_on);

  Drive brighter = kDrive;
  brighter.bias_current_a = 10e-3;
  REQUIRE(bench.set_drive(0, brighter));
  const auto lit = [&](std::size_t lane) { return !bench.array().lane(lane).dead && !bench.array().lane(lane).weak; };
  for (std::size_t i = 0; i < 20; ++i)
    if (lit(i)) CHECK(bench.lane_optical_power_w(i) > 0);
  // The drive without a DUT number drives every DUT.
  REQUIRE(bench.set_drive(Drive{}));
  CHECK_FALSE(bench.drive(0).output_on);
  CHECK_FALSE(bench.drive(1).output_on);
  CHECK_FALSE(bench.set_drive(2, kDrive));
}

TEST_CASE("each DUT heats and ages only itself, in the chamber they share") {
  const auto clock = Clock::manual();
  BenchConfig config = small(2);
  config.array.array_thermal_resistance_c_per_w = 200.0;
  Bench bench(config, clock);
  REQUIRE(bench.set_drive(1, kDrive));
  REQUIRE(bench.set_chamber_setpoint_c(85));
  clock->advance(10 * kHour_s);
  const double case_c = bench.chamber_status().dut_c;
  CHECK(bench.junction_temperature_c(0) == Approx(case_c).margin(1e-9));
  CHECK(bench.junction_temperature_c(1) > case_c + 0.1);
  CHECK(bench.stress_hours(0) == 0.0);
  CHECK(bench.stress_hours(1) > 1.0);
  // A resumed bench carries each DUT's stress over.
  const auto state = bench.state();
  REQUIRE(state.dut_stress_h.size() == 1);
  Bench again(config, clock);
  REQUIRE(again.restore(state, 0.0, 1));
  CHECK(again.stress_hours(0) == 0.0);
  CHECK(again.stress_hours(1) == Approx(bench.stress_hours(1)));
}

TEST_CASE("a bulk reading of listed lanes equals the one-lane readings of the same lanes") {
  const auto clock = Clock::manual();
  Bench bulk(small(2), clock), single(small(2), clock);
  for (Bench* b : {&bulk, &single}) {
    REQUIRE(b->set_drive({5e-3, 1e-3, 1e6, true}));
    REQUIRE(b->set_bert(3e9, 31));
  }
  const std::vector<std::size_t> lanes{25, 3, 39};
  const auto powers = bulk.measure_optical_powers_w(lanes);
  const auto amplitudes = bulk.measure_received_amplitudes_w(lanes);
  const auto errors = bulk.count_errors(lanes, 1'000'000'000);
  for (std::size_t k = 0; k < lanes.size(); ++k) {
    CHECK(powers[k] == single.measure_optical_power_w(lanes[k]));
    CHECK(amplitudes[k] == single.measure_received_amplitude_w(lanes[k]));
    CHECK(errors[k] == single.count_errors(lanes[k], 1'000'000'000));
  }
  const std::vector<std::size_t> outside{40};
  CHECK_THROWS_AS(bulk.count_errors(outside, 1), std::out_of_range);
}

TEST_CASE("the truth file of a 2-DUT bench lists both arrays' lanes with their DUT") {
  Bench bench(small(2), Clock::manual());
  const nlohmann::json j = truth(bench, std::vector<double>{5e-3});
  CHECK(j["duts"] == 2);
  REQUIRE(j["lanes"].size() == 40);
  CHECK(j["lanes"][0]["dut"] == 0);
  CHECK(j["lanes"][20]["dut"] == 1);
  CHECK(j["lanes"][20]["row"] == 0);
  CHECK(j["lanes"][20]["index"] == 20);
}
