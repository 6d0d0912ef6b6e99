#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>
#include <vector>

#include "analysis/frequency_response.hpp"
#include "sweep.hpp"

using namespace ledlab::analysis;
using ledlab::analysis::test::log_sweep_hz;

namespace {

std::vector<double> response(const std::vector<double>& f_hz, double tau_s, double rc_s, double scale) {
  std::vector<double> m;
  for (double f : f_hz) m.push_back(scale * pole_magnitude(f, tau_s, rc_s));
  return m;
}

}  // namespace

TEST_CASE("a 1 ns pole has its -3 dB at 159 MHz electrical and 276 MHz optical") {
  CHECK(pole_f3db_hz(1e-9, 0, Bandwidth3dB::electrical) == Approx(159.155e6).epsilon(1e-5));
  CHECK(pole_f3db_hz(1e-9, 0, Bandwidth3dB::optical) == Approx(275.66e6).epsilon(1e-4));
  CHECK(pole_f3db_hz(0.3e-9, 0, Bandwidth3dB::electrical) == Approx(530.5e6).epsilon(1e-3));
  CHECK(pole_f3db_hz(0.3e-9, 0, Bandwidth3dB::optical) == Approx(918.9e6).epsilon(1e-3));
}

TEST_CASE("the two-pole -3 dB frequency is where the model crosses the threshold") {
  for (auto c : {Bandwidth3dB::electrical, Bandwidth3dB::optical}) {
    const double f = pole_f3db_hz(1e-9, 0.4e-9, c);
    CHECK(20 * std::log10(pole_magnitude(f, 1e-9, 0.4e-9)) == Approx(threshold_db(c)).epsilon(1e-9));
  }
}

TEST_CASE("f3dB interpolated on a 10 point/decade analytic curve is within 0.5 %") {
  const auto f = log_sweep_hz(1e6, 10e9, 10);
  const double tau = 1e-9;
  const auto m = response(f, tau, 0, 0.042);  // arbitrary detector scale
  const auto el = f3db_from_curve(f, m);
  REQUIRE(el);
  CHECK(el->convention == Bandwidth3dB::electrical);  // what ledlab reports by default
  CHECK(el->f3db_hz == Approx(1 / (2 * std::numbers::pi * tau)).epsilon(0.005));
  CHECK(el->plateau == Approx(0.042).epsilon(1e-3));

  const auto op = f3db_from_curve(f, m, {.convention = Bandwidth3dB::optical});
  REQUIRE(op);
  CHECK(op->f3db_hz == Approx(std::sqrt(3.0) / (2 * std::numbers::pi * tau)).epsilon(0.005));
}

TEST_CASE("f3dB interpolation tracks a curve with an RC pole") {
  const auto f = log_sweep_hz(1e6, 10e9, 20);
  const auto m = response(f, 0.5e-9, 0.2e-9, 1.0);
  const auto r = f3db_from_curve(f, m);
  REQUIRE(r);
  CHECK(r->f3db_hz == Approx(pole_f3db_hz(0.5e-9, 0.2e-9, Bandwidth3dB::electrical)).epsilon(0.005));
}

TEST_CASE("f3dB takes the first crossing when a resonance dips and recovers later") {
  std::vector<double> f{1e6, 2e6, 3e6, 10e6, 20e6, 30e6, 40e6};
  std::vector<double> level_db{0.0, 0.0, 0.0, -1.0, -5.0, -2.0, -8.0};
  const auto r = f3db_from_curve(f, magnitude_from_db(level_db));
  REQUIRE(r);
  CHECK(r->crossing_index == 4);
  CHECK(r->f3db_hz > 10e6);
  CHECK(r->f3db_hz < 20e6);
}

TEST_CASE("f3dB reports a sweep that never reaches -3 dB") {
  const auto f = log_sweep_hz(1e6, 50e6, 10);
  const auto m = response(f, 1e-9, 0, 1.0);
  const auto r = f3db_from_curve(f, m);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("never falls") != std::string::npos);
}

TEST_CASE("f3dB refuses non-positive magnitudes and unsorted frequencies") {
  CHECK_FALSE(f3db_from_curve(std::vector{1e6, 2e6, 3e6}, std::vector{1.0, 0.0, 0.5}));
  CHECK_FALSE(f3db_from_curve(std::vector{1e6, 3e6, 2e6}, std::vector{1.0, 0.9, 0.5}));
  CHECK_FALSE(f3db_from_curve(std::vector{1e6, 2e6}, std::vector{1.0}));
  CHECK_FALSE(f3db_from_curve(std::vector{1e6, 2e6}, std::vector{1.0, 0.1}, {.plateau_points = 3}));
}
