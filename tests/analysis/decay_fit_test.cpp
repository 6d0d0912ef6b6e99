#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/decay_fit.hpp"

using namespace ledlab::analysis;

TEST_CASE("alpha 1.0e-6 per hour with B = 1 gives L70 of about 356,500 h") {
  CHECK(lifetime_lp_h(1.0, 1.0e-6, 70) == Approx(356500).epsilon(1e-3));
  CHECK(lifetime_lp_h(1.0, 1.0e-6, 70) == Approx(std::log(100.0 / 70.0) * 1e6));
}

TEST_CASE("alpha 1.0e-6 per hour is just under 0.1 % per 1000 h") {
  CHECK(decay_percent_per_1000h(1.0e-6) == Approx(0.09995).epsilon(1e-4));
  CHECK(decay_percent_per_1000h(0.0) == 0.0);
}

TEST_CASE("output that does not fall has no finite lifetime") {
  CHECK(std::isinf(lifetime_lp_h(1.01, -1e-7, 70)));
  CHECK(std::isinf(lifetime_lp_h(1.0, 0.0, 70)));
}

TEST_CASE("the log-linear fit recovers B and alpha of an exact exponential") {
  std::vector<double> t, phi;
  for (double h = 1000; h <= 6000; h += 500) {
    t.push_back(h);
    phi.push_back(0.98 * std::exp(-2.5e-6 * h));
  }
  const auto fit = fit_exponential_decay(t, phi);
  REQUIRE(fit);
  CHECK(fit->b == Approx(0.98).epsilon(1e-12));
  CHECK(fit->alpha_per_h == Approx(2.5e-6).epsilon(1e-9));
  CHECK(fit->rms_residual_ln < 1e-12);
  CHECK(fit->points == t.size());
}

TEST_CASE("the decay fit refuses non-positive output and a single time") {
  CHECK_FALSE(fit_exponential_decay(std::vector{0.0, 1000.0}, std::vector{1.0, 0.0}));
  CHECK_FALSE(fit_exponential_decay(std::vector{1000.0, 1000.0}, std::vector{1.0, 0.9}));
  CHECK_FALSE(fit_exponential_decay(std::vector{1000.0}, std::vector{1.0}));
  CHECK_FALSE(fit_exponential_decay(std::vector{0.0, 1000.0},
                                    std::vector{1.0, std::numeric_limits<double>::quiet_NaN()}));
}
