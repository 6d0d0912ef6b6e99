#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "analysis/f3db_estimate.hpp"
#include "analysis/repeatability.hpp"
#include "sweep.hpp"

using namespace ledlab::analysis;
using ledlab::analysis::test::log_sweep_hz;

namespace {

std::vector<double> response(const std::vector<double>& f_hz, double tau_s, double rc_s, double scale = 1e-6) {
  std::vector<double> m;
  for (double f : f_hz) m.push_back(scale * pole_magnitude(f, tau_s, rc_s));
  return m;
}

constexpr double kTau = 1e-9;   // f3dB ~ 150 MHz with the RC below
constexpr double kRc = 60e-12;

}  // namespace

TEST_CASE("f3dB from the fitted level is unbiased where the sweep starts at half of f3dB") {
  const double truth = pole_f3db_hz(kTau, kRc, Bandwidth3dB::electrical);
  const auto f = log_sweep_hz(0.5 * truth, 6e9, 10);
  const auto m = response(f, kTau, kRc);
  auto e = estimate_f3db(f, m);
  REQUIRE(e);
  CHECK(e->from_fit);
  CHECK(e->resolved);
  CHECK(e->warning.empty());
  CHECK(e->f3db_hz == Approx(truth).epsilon(1e-3));
  REQUIRE(e->interpolated_hz);
  CHECK(*e->interpolated_hz == Approx(truth).epsilon(0.01));
  // The first-points plateau of the same curve reads far high: the bias this removes.
  auto plain = f3db_from_curve(f, m);
  REQUIRE(plain);
  CHECK(plain->f3db_hz > 1.2 * truth);
}

TEST_CASE("a sweep that ends below f3dB is flagged not resolved") {
  const double truth = pole_f3db_hz(kTau, kRc, Bandwidth3dB::electrical);
  const auto f = log_sweep_hz(1e6, 0.9 * truth, 10);
  auto e = estimate_f3db(f, response(f, kTau, kRc));
  REQUIRE(e);
  CHECK_FALSE(e->resolved);
  CHECK_THAT(e->warning, Catch::Contains("not resolved") && Catch::Contains("ends"));
}

TEST_CASE("a sweep that starts above f3dB is flagged not resolved") {
  const double truth = pole_f3db_hz(kTau, kRc, Bandwidth3dB::electrical);
  const auto f = log_sweep_hz(1.3 * truth, 6e9, 10);
  auto e = estimate_f3db(f, response(f, kTau, kRc));
  REQUIRE(e);
  CHECK_FALSE(e->resolved);
  CHECK_THAT(e->warning, Catch::Contains("starts"));
}

TEST_CASE("a plateau level given to the interpolation replaces the first points' mean") {
  const auto f = log_sweep_hz(1e6, 6e9, 10);
  const auto m = response(f, kTau, 0.0, 2.0);
  auto at_plateau = f3db_from_curve(f, m, F3dbOptions{.plateau = 2.0});
  REQUIRE(at_plateau);
  CHECK(at_plateau->f3db_hz == Approx(1 / (2 * std::numbers::pi * kTau)).epsilon(0.01));
  CHECK(at_plateau->plateau == 2.0);
  CHECK_FALSE(f3db_from_curve(f, m, F3dbOptions{.plateau = std::nan("")}));
  CHECK_FALSE(f3db_from_curve(f, m, F3dbOptions{.plateau = -1.0}));
}

TEST_CASE("repeatability recovers the relative noise of back-to-back readings and skips dark lanes") {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.003);
  std::vector<std::vector<double>> readings(3, std::vector<double>(2000));
  for (auto& r : readings)
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = i % 100 == 0 ? 0.0 : 1e-4 * (1 + i % 7) * (1 + noise(rng));
  auto rep = repeatability(readings, 1e-7);
  REQUIRE(rep);
  CHECK(rep->relative_sigma == Approx(0.003).epsilon(0.06));
  CHECK(rep->pairs == 2 * 1980);
  CHECK_FALSE(repeatability(std::vector<std::vector<double>>{readings[0]}, 0.0));
  CHECK_FALSE(repeatability(std::vector<std::vector<double>>{{0.0}, {0.0}}, 0.0));
  CHECK_FALSE(repeatability(std::vector<std::vector<double>>{{1.0}, {1.0, 2.0}}, 0.0));
}
