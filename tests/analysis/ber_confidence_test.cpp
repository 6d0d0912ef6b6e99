#include <catch2/catch.hpp>

#include "analysis/ber_confidence.hpp"

using namespace ledlab::analysis;

TEST_CASE("zero errors bound BER below 2.996/N at 95 %") {
  const auto up = ber_upper_bound(0, 1'000'000'000'000ULL, 0.95);
  REQUIRE(up);
  CHECK(*up == Approx(2.996e-12).epsilon(1e-3));
  CHECK(*up == Approx(-std::log(0.05) / 1e12).epsilon(1e-12));
}

TEST_CASE("Poisson lambdas reproduce the published 90/95/99 % columns for k = 0..3") {
  struct Row { unsigned k; double l90, l95, l99; };
  const Row table[] = {{0, 2.303, 2.996, 4.605},
                       {1, 3.890, 4.744, 6.638},
                       {2, 5.322, 6.296, 8.406},
                       {3, 6.681, 7.754, 10.045}};
  for (const auto& row : table) {
    CAPTURE(row.k);
    CHECK(*poisson_upper_lambda(row.k, 0.90) == Approx(row.l90).margin(6e-4));
    CHECK(*poisson_upper_lambda(row.k, 0.95) == Approx(row.l95).margin(6e-4));
    CHECK(*poisson_upper_lambda(row.k, 0.99) == Approx(row.l99).margin(6e-4));
  }
}

TEST_CASE("k errors give an upper bound of chi2(2k+2)/(2N) and a lower bound of chi2(2k)/(2N)") {
  const auto e = estimate_ber(10, 1'000'000'000ULL, 0.95);
  REQUIRE(e);
  CHECK(e->ber == Approx(1e-8));
  CHECK(e->ber_upper == Approx(33.9244 / 2 / 1e9).epsilon(1e-5));
  CHECK(e->ber_lower == Approx(10.8508 / 2 / 1e9).epsilon(1e-4));
  CHECK(e->ber_lower < e->ber);
  CHECK(e->ber < e->ber_upper);
}

TEST_CASE("the lower bound is zero without errors and -ln(CL)/N with one") {
  CHECK(*ber_lower_bound(0, 1000, 0.95) == 0.0);
  CHECK(*ber_lower_bound(1, 1000, 0.95) == Approx(-std::log(0.95) / 1000).epsilon(1e-9));
}

TEST_CASE("claiming 1e-12 at 95 % takes 3.0e12 error-free bits, about 25 min at 2 Gb/s") {
  CHECK(*bits_to_claim_ber(1e-12, 0.95) == Approx(2.996e12).epsilon(1e-3));
  CHECK(*bits_to_claim_ber(1e-12, 0.95, 3) == Approx(7.754e12).epsilon(1e-3));
  const double s = *seconds_to_claim_ber(1e-12, 0.95, 2e9);
  CHECK(s / 60 == Approx(25.0).margin(0.1));
}

TEST_CASE("BER bounds refuse inconsistent counters and confidence outside (0, 1)") {
  CHECK_FALSE(ber_upper_bound(0, 0, 0.95));
  CHECK_FALSE(ber_upper_bound(5, 4, 0.95));
  CHECK_FALSE(ber_upper_bound(0, 100, 1.0));
  CHECK_FALSE(ber_upper_bound(0, 100, 0.0));
  const auto bad = bits_to_claim_ber(0.0, 0.95);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == ledlab::Errc::invalid_argument);
}

TEST_CASE("BER bounds stay right at the error counts of a closed eye (1e9 to 1e12 errors)") {
  // Normal limit of the Poisson bounds: k +- z sqrt(k) (+ 1 for the upper), z = 1.6449 at 95 %.
  for (const double k : {1e7, 9.9e7, 1e8, 1e9, 1e10, 1e11, 1e12}) {
    const auto errors = static_cast<std::uint64_t>(k);
    auto up = poisson_upper_lambda(errors, 0.95);
    auto lo = poisson_lower_lambda(errors, 0.95);
    REQUIRE(up);
    REQUIRE(lo);
    CHECK(*up - k == Approx(1.6449 * std::sqrt(k)).epsilon(1e-3));
    CHECK(k - *lo == Approx(1.6449 * std::sqrt(k)).epsilon(1e-3));
  }
}
