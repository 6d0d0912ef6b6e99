#include <catch2/catch.hpp>

#include "analysis/energy_per_bit.hpp"

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
