#include <catch2/catch.hpp>

#include <cmath>

#include "analysis/q_factor.hpp"

using namespace ledlab::analysis;

TEST_CASE("published Q factors give their BER") {
  CHECK(ber_from_q(6.0) == Approx(9.9e-10).epsilon(0.01));
  CHECK(ber_from_q(7.03) == Approx(1e-12).epsilon(0.05));
  CHECK(ber_from_q(7.94) == Approx(1e-15).epsilon(0.05));
  CHECK(ber_from_q(3.49) == Approx(2.4e-4).epsilon(0.01));
  CHECK(ber_from_q(0.0) == Approx(0.5));
}

TEST_CASE("Q for a BER inverts the BER curve from 1e-2 to 1e-18") {
  CHECK(*q_from_ber(1e-12) == Approx(7.034).margin(1e-3));
  CHECK(*q_from_ber(1e-15) == Approx(7.941).margin(1e-3));
  CHECK(*q_from_ber(2.4e-4) == Approx(3.49).margin(2e-3));
  CHECK(*q_from_ber(1e-2) == Approx(2.3263).margin(1e-4));
  for (int e = 2; e <= 18; ++e) {
    const double ber = std::pow(10.0, -e);
    const auto q = q_from_ber(ber);
    REQUIRE(q);
    CAPTURE(e);
    CHECK(ber_from_q(*q) == Approx(ber).epsilon(1e-10));
  }
}

TEST_CASE("Q for a BER above one half is negative and BER outside (0, 1) is refused") {
  CHECK(*q_from_ber(0.9) < 0.0);
  CHECK_FALSE(q_from_ber(0.0));
  CHECK_FALSE(q_from_ber(1.0));
}

TEST_CASE("Q from eye levels is the opening over the summed noise") {
  CHECK(*q_from_levels(1.0, 0.0, 0.1, 0.05) == Approx(1.0 / 0.15));
  CHECK_FALSE(q_from_levels(0.0, 1.0, 0.1, 0.1));
  CHECK_FALSE(q_from_levels(1.0, 0.0, 0.0, 0.0));
}
