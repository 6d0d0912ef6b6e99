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

TEST_CASE("the decay rate's standard error is the least-squares slope error, by hand") {
  // ln Phi = 0, -1.1, -1.9, -3.0 at 0..3 h: Stt = 5, Sty = -4.9, slope -0.98, intercept -0.03;
  // residuals 0.03, -0.09, 0.09, -0.03, SSR = 0.018; SE = sqrt(0.018 / 2 / 5) = 0.0424264.
  const std::vector<double> t{0, 1, 2, 3};
  const std::vector<double> phi{1.0, std::exp(-1.1), std::exp(-1.9), std::exp(-3.0)};
  auto fit = fit_exponential_decay(t, phi);
  REQUIRE(fit);
  CHECK(fit->alpha_per_h == Approx(0.98));
  CHECK(fit->b == Approx(std::exp(-0.03)));
  CHECK(fit->alpha_se_per_h == Approx(0.0424264).epsilon(1e-5));
  CHECK(decay_resolved(*fit));
  DecayFitSums sums;
  for (std::size_t i = 0; i < t.size(); ++i) sums.add(t[i], phi[i]);
  auto running = sums.fit();
  REQUIRE(running);
  CHECK(running->alpha_se_per_h == Approx(0.0424264).epsilon(1e-5));
}

TEST_CASE("a decay rate within two standard errors of zero or from two points is not resolved") {
  // ln Phi = 0, +0.1, -0.1, 0.05: Sty = -0.025, slope -0.005; SSR = 0.02175, SE 0.0466: not resolved.
  const std::vector<double> t{0, 1, 2, 3};
  const std::vector<double> phi{1.0, std::exp(0.1), std::exp(-0.1), std::exp(0.05)};
  auto fit = fit_exponential_decay(t, phi);
  REQUIRE(fit);
  CHECK(fit->alpha_per_h == Approx(0.005));
  CHECK(fit->alpha_se_per_h == Approx(std::sqrt(0.02175 / 10)).epsilon(1e-6));
  CHECK_FALSE(decay_resolved(*fit));
  const std::vector<double> t2{0, 1}, phi2{1.0, 0.5};
  auto two = fit_exponential_decay(t2, phi2);
  REQUIRE(two);
  CHECK(std::isnan(two->alpha_se_per_h));
  CHECK_FALSE(decay_resolved(*two));
}
