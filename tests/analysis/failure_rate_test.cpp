#include <catch2/catch.hpp>

#include "analysis/arrhenius.hpp"
#include "analysis/failure_rate.hpp"

using namespace ledlab::analysis;

TEST_CASE("zero failures in 1000 devices x 1000 h at AF 10 is 299.6 FIT at 95 %") {
  const auto fit = failure_rate_fit(0, 1000, 1000, 10, 0.95);
  REQUIRE(fit);
  CHECK(*fit == Approx(2.996 / 1e7 * 1e9).epsilon(1e-3));
}

TEST_CASE("FIT uses chi2(2f+2)/2 for f failures and divides by the acceleration") {
  const double af = *acceleration_factor(0.65, 55, 85);
  const auto fit = failure_rate_fit(2, 77, 1000, af, 0.90);
  REQUIRE(fit);
  CHECK(*fit == Approx(5.322 / (77 * 1000 * af) * 1e9).epsilon(1e-3));
}

TEST_CASE("FIT refuses no devices, no time and a non-positive acceleration") {
  CHECK_FALSE(failure_rate_fit(0, 0, 1000, 1, 0.9));
  CHECK_FALSE(failure_rate_fit(0, 10, 0, 1, 0.9));
  CHECK_FALSE(failure_rate_fit(0, 10, 1000, 0, 0.9));
  CHECK_FALSE(failure_rate_fit(0, 10, 1000, 1, 1.5));
}
