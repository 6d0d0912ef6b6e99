// One electrical model in the bench: the power that heats the junction is each lane's diode
// V(I, T_j) x I at the junction it heats, and the energy-per-bit truth and the truth file use
// the same diodes.
#include "instruments/sim/array_model.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/diode_model.hpp"
#include "instruments/sim/truth.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab;
using namespace ledlab::sim;

namespace {

// The closed form, from diode_model.hpp alone: every lane's diode drawn from the seed, mean of
// I V(I, T_j) over the two NRZ levels.
double diode_power_w(const BenchConfig& c, std::size_t lanes, double bias_a, double modulation_a, double junction_c) {
  double watts = 0;
  for (std::size_t i = 0; i < lanes; ++i) {
    const DiodeParams d = diode_params(c.diode, c.seed, i);
    const double one = bias_a + 0.5 * modulation_a, zero = bias_a - 0.5 * modulation_a;
    watts += 0.5 * (one * diode_voltage_v(d, one, junction_c) + zero * diode_voltage_v(d, zero, junction_c));
  }
  return watts;
}

}  // namespace

TEST_CASE("the array's self-heating is R_th times the sum of I x V(I, T_j) of its lanes' diodes at that junction") {
  BenchConfig config;
  config.array.rows = 6;
  config.array.cols = 9;
  config.array.dead_probability = 0.1;  // dead lanes conduct: they heat like the others
  config.array.array_thermal_resistance_c_per_w = 40.0;
  const ArrayModel array(config);
  const Drive drive{5e-3, 4e-3, 0.0, true};
  for (const double dut_c : {25.0, 85.0}) {
    const double heating_c = array.self_heating_c(drive, config.array, dut_c);
    const double junction_c = dut_c + heating_c;
    const double watts = diode_power_w(config, array.size(), 5e-3, 4e-3, junction_c);
    CHECK(array.electrical_power_w(drive, junction_c) == Approx(watts).epsilon(1e-12));
    CHECK(heating_c == Approx(40.0 * watts).margin(1e-5));
    // The diode's V falls as the junction warms: less power, less heating than at the case.
    CHECK(heating_c < 40.0 * diode_power_w(config, array.size(), 5e-3, 4e-3, dut_c));
  }
  CHECK(array.self_heating_c(drive, config.array, 85.0) < array.self_heating_c(drive, config.array, 25.0));
  CHECK(array.self_heating_c({5e-3, 4e-3, 0.0, false}, config.array, 25.0) == 0.0);
}

TEST_CASE("the bench's junction sits above the case by the diode power at that junction") {
  BenchConfig config;
  auto clock = Clock::manual();
  Bench bench(config, clock);
  REQUIRE(bench.set_drive({5e-3, 4e-3, 0.0, true}));
  REQUIRE(bench.set_chamber_setpoint_c(85.0));
  clock->advance(3600.0);
  const double junction_c = bench.junction_temperature_c();
  const double dut_c = bench.state().thermal.dut_c;
  const double watts = diode_power_w(config, bench.lane_count(), 5e-3, 4e-3, junction_c);
  CHECK(watts > 5.0);  // ~400 lanes at ~3.3 V and 5 mA
  // The bench solves on a 0.01 C grid of the case: within a few uC.
  CHECK(junction_c - dut_c == Approx(config.array.array_thermal_resistance_c_per_w * watts).margin(1e-4));
}

TEST_CASE("the energy-per-bit truth is the power that heats the junction over the aggregate rate") {
  BenchConfig config;
  config.array.rows = 4;
  config.array.cols = 5;
  const ArrayModel array(config);
  const double junction_c = 61.5, rate_bps = 2e9;
  const double pj = led_energy_per_bit_truth_pj(config, array.size(), 5e-3, junction_c, rate_bps);
  CHECK(pj * 1e-12 * static_cast<double>(array.size()) * rate_bps ==
        Approx(array.electrical_power_w({5e-3, 0.0, 0.0, true}, junction_c)).epsilon(1e-12));
}

TEST_CASE("the truth file lists every lane's diode and the electrical power at each temperature") {
  BenchConfig config;
  config.array.rows = 3;
  config.array.cols = 4;
  auto clock = Clock::manual();
  Bench bench(config, clock);
  const nlohmann::json j = truth(bench, std::vector<double>{5e-3});
  REQUIRE(j["lanes"].size() == 12);
  for (std::size_t i = 0; i < 12; ++i) {
    const auto& d = j["lanes"][i]["diode"];
    const DiodeParams expect = diode_params(config.diode, config.seed, i);
    CHECK(d["ideality"].get<double>() == expect.ideality);
    CHECK(d["saturation_current_25c_a"].get<double>() == expect.saturation_current_25c_a);
    CHECK(d["bandgap_ev"].get<double>() == expect.bandgap_ev);
    CHECK(d["series_resistance_25c_ohm"].get<double>() == expect.series_resistance_25c_ohm);
    CHECK(d["series_resistance_per_c"].get<double>() == expect.series_resistance_per_c);
    CHECK(d["shunt_resistance_ohm"].get<double>() == expect.shunt_resistance_ohm);
    CHECK(d["forward_voltage_v_at_reference"].get<double>() == diode_voltage_v(expect, config.link.reference_bias_a, 25.0));
  }
  const Drive reference{config.link.reference_bias_a, config.link.reference_modulation_a, 0.0, true};
  for (const auto& t : j["temperatures"]) {
    const double dut_c = t["dut_c"].get<double>(), junction_c = t["junction_c"].get<double>();
    const double watts = diode_power_w(config, 12, reference.bias_current_a, reference.modulation_current_a, junction_c);
    CHECK(t["electrical_power_w"].get<double>() == Approx(watts).epsilon(1e-12));
    CHECK(junction_c - dut_c == Approx(config.array.array_thermal_resistance_c_per_w * watts).margin(1e-5));
  }
  CHECK(j["models"]["self_heating"].find("forward_voltage_v") == j["models"]["self_heating"].end());
}

TEST_CASE("a drive whose self-heating runs the junction away is refused, naming the thermal resistance") {
  BenchConfig config;
  config.diode.series_resistance_per_c = 0.1;  // R_s rising 10 %/C: heating grows with the junction
  config.array.array_thermal_resistance_c_per_w = 100.0;
  auto clock = Clock::manual();
  Bench bench(config, clock);
  const auto st = bench.set_drive({5e-3, 0.0, 0.0, true});
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::limit);
  CHECK_THAT(st.error().message, Catch::Contains("array_thermal_resistance_c_per_w = 100 C/W"));
  CHECK_FALSE(bench.drive().output_on);  // the old drive stays
}
