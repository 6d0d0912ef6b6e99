#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "analysis/arrhenius.hpp"

using namespace ledlab::analysis;

TEST_CASE("Ea 0.65 eV accelerates 85 C over 55 C by 6.9") {
  const auto af = acceleration_factor(0.65, 55, 85);
  REQUIRE(af);
  CHECK(*af == Approx(6.9).margin(0.05));
  CHECK(*af == Approx(std::exp(0.65 / 8.617e-5 * (1 / 328.15 - 1 / 358.15))).epsilon(1e-12));
  CHECK(*acceleration_factor(0.65, 85, 85) == 1.0);
  CHECK(*acceleration_factor(0.65, 85, 55) == Approx(1 / *af));
}

TEST_CASE("acceleration refuses temperatures below absolute zero and negative Ea") {
  CHECK_FALSE(acceleration_factor(0.65, -300, 85));
  CHECK_FALSE(acceleration_factor(-0.1, 55, 85));
}

TEST_CASE("Ea is recovered from alpha at three stress temperatures") {
  const double ea = 0.65;
  const double a = 2.0e3;  // per hour
  std::vector<StressPoint> pts;
  for (double t : {55.0, 85.0, 105.0})
    pts.push_back({t, a * std::exp(-ea / (boltzmann_ev_per_k * kelvin_from_celsius(t)))});
  const auto fit = fit_arrhenius(pts);
  REQUIRE(fit);
  CHECK(fit->ea_ev == Approx(ea).epsilon(1e-10));
  CHECK(fit->prefactor_per_h == Approx(a).epsilon(1e-8));
  CHECK(fit->min_temperature_c == 55);
  CHECK(fit->max_temperature_c == 105);
  CHECK(fit->rms_residual_ln < 1e-10);

  // The ratio of alphas between two temperatures is the acceleration factor.
  const auto at55 = alpha_at_temperature(*fit, 55);
  const auto at85 = alpha_at_temperature(*fit, 85);
  CHECK(at85->alpha_per_h / at55->alpha_per_h == Approx(*acceleration_factor(ea, 55, 85)).epsilon(1e-9));
}

TEST_CASE("alpha between test temperatures is interpolated, outside them flagged") {
  const std::vector<StressPoint> pts{{55, 1.0e-6}, {85, 6.9e-6}};
  const auto fit = fit_arrhenius(pts);
  REQUIRE(fit);
  const auto inside = alpha_at_temperature(*fit, 70);
  REQUIRE(inside);
  CHECK_FALSE(inside->extrapolated);
  CHECK(inside->alpha_per_h > 1.0e-6);
  CHECK(inside->alpha_per_h < 6.9e-6);
  const auto use = alpha_at_temperature(*fit, 25);
  REQUIRE(use);
  CHECK(use->extrapolated);
  CHECK(use->alpha_per_h < 1.0e-6);
}

TEST_CASE("Arrhenius fit needs two temperatures and positive alpha") {
  CHECK_FALSE(fit_arrhenius(std::vector<StressPoint>{{85, 1e-6}}));
  CHECK_FALSE(fit_arrhenius(std::vector<StressPoint>{{85, 1e-6}, {85, 2e-6}}));
  CHECK_FALSE(fit_arrhenius(std::vector<StressPoint>{{55, 1e-6}, {85, -1e-6}}));
}
