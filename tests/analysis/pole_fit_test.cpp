#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "analysis/pole_fit.hpp"
#include "sweep.hpp"

using namespace ledlab::analysis;
using ledlab::analysis::test::log_sweep_hz;

namespace {

// |H| with Gaussian noise of noise_db (in dB) on every point, seeded.
std::vector<double> measured(const std::vector<double>& f_hz, double tau_s, double rc_s, double scale,
                             double noise_db, unsigned seed = 1) {
  std::mt19937 rng(seed);
  // [rand.dist.norm.normal]: the standard deviation must be > 0; noise-free data draws none.
  std::normal_distribution<double> noise(0.0, noise_db > 0 ? noise_db : 1.0);
  std::vector<double> m;
  for (double f : f_hz) {
    const double exact_db = 20 * std::log10(scale * pole_magnitude(f, tau_s, rc_s));
    const double db = exact_db + (noise_db > 0 ? noise(rng) : 0.0);
    m.push_back(std::pow(10.0, db / 20));
  }
  return m;
}

}  // namespace

TEST_CASE("the pole fit recovers tau from exact single-pole data") {
  const auto f = log_sweep_hz(10e6, 3e9, 20);
  const auto m = measured(f, 1e-9, 0, 0.3, 0);
  const auto fit = fit_pole_response(f, m);
  REQUIRE(fit);
  CHECK(fit->tau_s == Approx(1e-9).epsilon(1e-4));
  CHECK(fit->f3db_hz == Approx(1 / (2 * std::numbers::pi * 1e-9)).epsilon(1e-4));
  CHECK(fit->rms_residual_db < 1e-3);
  CHECK(fit->rc_s == 0.0);
  CHECK_FALSE(fit->poles_interchangeable);
}

TEST_CASE("the pole fit recovers tau within 1 % from data with 0.1 dB noise") {
  // 0.1 dB is an averaged VNA |S21|; with 100 points the fit's own scatter is ~0.3 %,
  // so 1 % per sweep holds and the mean over many sweeps shows no bias.
  const auto f = log_sweep_hz(1e6, 6e9, 20);
  for (double tau : {0.3e-9, 1e-9}) {
    double sum = 0;
    const int sweeps = 50;
    for (unsigned seed = 1; seed <= sweeps; ++seed) {
      const auto m = measured(f, tau, 0, 1.0, 0.1, seed);
      const auto fit = fit_pole_response(f, m);
      REQUIRE(fit);
      sum += fit->tau_s / tau;
      if (seed <= 10) {
        CAPTURE(tau, seed);
        CHECK(fit->tau_s == Approx(tau).epsilon(0.01));
        CHECK(fit->rms_residual_db == Approx(0.1).margin(0.03));
      }
    }
    CHECK(sum / sweeps == Approx(1.0).epsilon(0.002));
  }
}

TEST_CASE("the optical convention changes the implied f3dB but not tau") {
  const auto f = log_sweep_hz(10e6, 3e9, 20);
  const auto m = measured(f, 1e-9, 0, 1.0, 0);
  const auto fit = fit_pole_response(f, m, {.convention = Bandwidth3dB::optical});
  REQUIRE(fit);
  CHECK(fit->tau_s == Approx(1e-9).epsilon(1e-4));
  CHECK(fit->f3db_hz == Approx(std::sqrt(3.0) / (2 * std::numbers::pi * 1e-9)).epsilon(1e-4));
}

TEST_CASE("with both poles free the fit finds tau and RC, slower one as tau") {
  const auto f = log_sweep_hz(10e6, 10e9, 20);
  const auto m = measured(f, 1e-9, 0.2e-9, 1.0, 0);
  const auto fit = fit_pole_response(f, m, {.model = PoleModel::single_pole_free_rc});
  REQUIRE(fit);
  CHECK(fit->poles_interchangeable);
  CHECK(fit->tau_s == Approx(1e-9).epsilon(0.01));
  CHECK(fit->rc_s == Approx(0.2e-9).epsilon(0.01));
  CHECK(fit->f3db_hz == Approx(pole_f3db_hz(1e-9, 0.2e-9, Bandwidth3dB::electrical)).epsilon(1e-3));
}

TEST_CASE("with both poles free and noise the fit still recovers tau within 1 %") {
  const auto f = log_sweep_hz(10e6, 10e9, 20);
  const auto m = measured(f, 1e-9, 0.1e-9, 1.0, 0.1, 7);
  const auto fit = fit_pole_response(f, m, {.model = PoleModel::single_pole_free_rc});
  REQUIRE(fit);
  CHECK(fit->tau_s == Approx(1e-9).epsilon(0.01));
}

TEST_CASE("with a known RC the fit attributes the rest of the roll-off to tau") {
  const auto f = log_sweep_hz(10e6, 10e9, 20);
  const auto m = measured(f, 0.5e-9, 0.3e-9, 1.0, 0.1, 4);
  const auto fit = fit_pole_response(f, m, {.model = PoleModel::single_pole_known_rc, .known_rc_s = 0.3e-9});
  REQUIRE(fit);
  CHECK(fit->tau_s == Approx(0.5e-9).epsilon(0.01));
  CHECK(fit->rc_s == 0.3e-9);
}

TEST_CASE("points under the noise floor are left out of the fit") {
  auto f = log_sweep_hz(10e6, 3e9, 20);
  auto m = measured(f, 1e-9, 0, 1.0, 0);
  // A flat instrument floor at -40 dB beyond 20 GHz would drag tau if it were fitted.
  for (double extra : {20e9, 30e9, 40e9}) {
    f.push_back(extra);
    m.push_back(0.01);
  }
  const auto fit = fit_pole_response(f, m);
  REQUIRE(fit);
  CHECK(fit->points_used == f.size() - 3);
  CHECK(fit->tau_s == Approx(1e-9).epsilon(1e-3));
}

TEST_CASE("the pole fit refuses a sweep that never rolls off") {
  const auto f = log_sweep_hz(1e6, 10e6, 20);
  const auto m = measured(f, 0.1e-9, 0, 1.0, 0);  // corner at 1.6 GHz, far above the sweep
  const auto fit = fit_pole_response(f, m);
  REQUIRE_FALSE(fit);
  CHECK(fit.error().message.find("does not constrain") != std::string::npos);
}

TEST_CASE("the pole fit refuses too few points and non-positive data") {
  CHECK_FALSE(fit_pole_response(std::vector{1e6, 2e6}, std::vector{1.0, 0.5}, {.plateau_points = 1}));
  CHECK_FALSE(fit_pole_response(std::vector{1e6, 2e6, 3e6, 4e6, 5e6}, std::vector{1.0, 1.0, -1.0, 0.5, 0.2}));
  CHECK_FALSE(fit_pole_response(std::vector{1e6, 2e6}, std::vector{1.0, 1.0, 1.0}));
}
