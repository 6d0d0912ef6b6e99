#include <catch2/catch.hpp>

#include "analysis/energy_per_bit.hpp"

#include <cmath>
#include <vector>

using namespace ledlab::analysis;

TEST_CASE("energy per bit is power over aggregate rate, in pJ/bit, with its scope") {
  // 100 lanes at 2 Gb/s with 60 mW in the transmitter: 0.3 pJ/bit.
  const auto e = energy_per_bit(0.060, 100u, 2e9, EnergyScope::driver_and_led);
  REQUIRE(e);
  CHECK(e->energy_pj_per_bit == Approx(0.3));
  CHECK(e->bit_rate_bps == Approx(200e9));
  CHECK(e->scope == EnergyScope::driver_and_led);
  CHECK(e->counted == "driver + LED");

  const auto link = energy_per_bit(0.3, 200e9, EnergyScope::whole_link, "Tx + Rx incl. TIAs, no SerDes");
  REQUIRE(link);
  CHECK(link->energy_pj_per_bit == Approx(1.5));
  CHECK(link->counted == "Tx + Rx incl. TIAs, no SerDes");
}

TEST_CASE("energy per bit refuses zero rate, zero lanes and negative power") {
  CHECK_FALSE(energy_per_bit(0.1, 0.0, EnergyScope::led_only));
  CHECK_FALSE(energy_per_bit(0.1, 0u, 1e9, EnergyScope::led_only));
  CHECK_FALSE(energy_per_bit(-0.1, 1e9, EnergyScope::led_only));
}

TEST_CASE("measured energy per bit sums V x I over every driven lane, failing lanes included, over their aggregate rate") {
  // Four lanes driven at 5 mA (3.2, 3.3, 3.4, 3.1 V), one off: 65 mW over 4 x 2 Gb/s = 8.125 pJ/bit.
  const std::vector<double> v{3.2, 3.3, 0.0, 3.4, 3.1};
  const std::vector<double> i{5e-3, 5e-3, 0.0, 5e-3, 5e-3};
  const auto m = measured_energy_per_bit(v, i, 2e9, 0.0, 3);
  REQUIRE(m);
  CHECK(m->driven_lanes == 4);
  CHECK(m->led_power_w == Approx(0.065));
  CHECK(m->energy.energy_pj_per_bit == Approx(8.125));
  CHECK(m->energy.scope == EnergyScope::led_only);
  CHECK(m->pj_per_good_bit == Approx(0.065 / 6e9 * 1e12));
  CHECK_THAT(m->energy.counted, Catch::Contains("4 driven lanes"));

  // A declared driver power moves the scope to driver + LED and adds 1 mW per driven lane.
  const auto d = measured_energy_per_bit(v, i, 2e9, 1e-3, 4);
  REQUIRE(d);
  CHECK(d->energy.scope == EnergyScope::driver_and_led);
  CHECK(d->energy.energy_pj_per_bit == Approx((0.065 + 0.004) / 8e9 * 1e12));
}

TEST_CASE("measured energy per bit refuses NaN readings, mismatched lists, no driven lane and more good lanes than driven") {
  const std::vector<double> v{3.2, std::nan("")}, i{5e-3, 5e-3}, off{0.0, 0.0}, one{5e-3};
  CHECK_FALSE(measured_energy_per_bit(v, i, 2e9, 0, 0));
  CHECK_FALSE(measured_energy_per_bit(v, one, 2e9, 0, 0));
  const std::vector<double> ok{3.2, 3.3};
  CHECK_FALSE(measured_energy_per_bit(ok, off, 2e9, 0, 0));
  CHECK_FALSE(measured_energy_per_bit(ok, i, 2e9, 0, 3));
  CHECK_FALSE(measured_energy_per_bit(ok, i, 2e9, std::nan(""), 0));
  CHECK_FALSE(measured_energy_per_bit(ok, i, 0, 0, 0));
}
