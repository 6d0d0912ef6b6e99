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

namespace {

// The temperature (C) at which 1/kT is x per eV.
double at_inverse_kt(double x) { return 1.0 / (boltzmann_ev_per_k * x) - 273.15; }

}  // namespace

TEST_CASE("Ea's interval is the Student t interval of the least-squares slope, by hand") {
  // 1/kT = 30, 31, 32, 33 per eV; ln alpha = -0.7 x + r with r = +0.01, -0.01, -0.01, +0.01 (orthogonal
  // to the line: the slope stays 0.7 exactly). SSR = 4e-4, Sxx = 5, SE = sqrt(4e-4 / 2 / 5) = 0.0063246;
  // t(0.975, 2) = 4.302653, so Ea = 0.7 +- 0.027212 eV.
  const double r[] = {0.01, -0.01, -0.01, 0.01};
  std::vector<StressPoint> pts;
  for (int i = 0; i < 4; ++i) {
    const double x = 30.0 + i;
    pts.push_back({at_inverse_kt(x), std::exp(-0.7 * x + r[i])});
  }
  const auto fit = fit_arrhenius(pts);
  REQUIRE(fit);
  CHECK(fit->ea_ev == Approx(0.7).epsilon(1e-9));
  CHECK(fit->ea_se_ev == Approx(0.0063246).epsilon(1e-4));
  REQUIRE(fit->ea_lo_ev);
  REQUIRE(fit->ea_hi_ev);
  CHECK(*fit->ea_hi_ev - 0.7 == Approx(0.027212).epsilon(1e-4));
  CHECK(0.7 - *fit->ea_lo_ev == Approx(0.027212).epsilon(1e-4));
  CHECK(fit->rms_residual_ln == Approx(0.01).epsilon(1e-6));
  CHECK(fit->warnings.empty());

  // AF over 1/kT 33 -> 30 is exp(3 Ea), its bounds exp(3 x the Ea bounds).
  const auto af = acceleration_interval(*fit, at_inverse_kt(33), at_inverse_kt(30));
  REQUIRE(af);
  CHECK(af->af == Approx(std::exp(3 * 0.7)).epsilon(1e-9));
  REQUIRE(af->lo);
  CHECK(*af->lo == Approx(std::exp(3 * (0.7 - 0.027212))).epsilon(1e-4));
  CHECK(*af->hi == Approx(std::exp(3 * (0.7 + 0.027212))).epsilon(1e-4));
}

TEST_CASE("a two-point Arrhenius fit warns that it has no residual and no interval") {
  const std::vector<StressPoint> pts{{85, 1e-5}, {105, 3e-5}};
  const auto fit = fit_arrhenius(pts);
  REQUIRE(fit);
  CHECK(std::isnan(fit->rms_residual_ln));  // not a residual of 3e-15
  CHECK_FALSE(fit->ea_lo_ev);
  REQUIRE(fit->warnings.size() == 1);
  CHECK(fit->warnings[0].find("only two temperatures") != std::string::npos);
  const auto af = acceleration_interval(*fit, 55, 85);
  REQUIRE(af);
  CHECK_FALSE(af->lo);
  CHECK_FALSE(fit_arrhenius(pts, 1.0));
}
