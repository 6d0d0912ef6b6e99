#include "instruments/sim/bench_config.hpp"
#include "instruments/sim/array_model.hpp"
#include "instruments/sim/lane_physics.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

using namespace ledlab::sim;

namespace {

LaneParams nominal_lane() {
  BenchConfig config;
  config.array.a_spread_ln = config.array.b_spread_ln = config.array.c_spread_ln = 0.0;
  config.array.rc_spread_ln = config.array.extraction_spread_ln = 0.0;
  config.array.dead_probability = config.array.weak_probability = 0.0;
  config.array.rows = config.array.cols = 1;
  return ArrayModel(config).lane(0).params;
}

double current_density_a_per_cm2(const LaneParams& p, double current_a) { return current_a / p.area_cm2; }

}  // namespace

TEST_CASE("a single pole has f3dB 1/(2 pi tau) electrical and sqrt3/(2 pi tau) optical") {
  CHECK(f3db_hz(1e-9, 0.0) == Approx(1.0 / (2.0 * std::numbers::pi * 1e-9)).epsilon(1e-12));
  CHECK(f3db_optical_hz(1e-9, 0.0) == Approx(std::sqrt(3.0) / (2.0 * std::numbers::pi * 1e-9)).epsilon(1e-12));
  // REFERENCE.md 5: tau 1 ns -> 159 / 276 MHz; 0.3 ns -> 531 / 919 MHz.
  CHECK(f3db_hz(1e-9, 0.0) / 1e6 == Approx(159.15).epsilon(1e-4));
  CHECK(f3db_optical_hz(1e-9, 0.0) / 1e6 == Approx(275.66).epsilon(1e-4));
  CHECK(f3db_hz(0.3e-9, 0.0) / 1e6 == Approx(530.5).epsilon(1e-3));
  CHECK(f3db_optical_hz(0.3e-9, 0.0) / 1e6 == Approx(918.9).epsilon(1e-3));
  // Either pole alone gives the same answer: the response is symmetric in tau and rc.
  CHECK(f3db_hz(0.0, 1e-9) == Approx(f3db_hz(1e-9, 0.0)));
}

TEST_CASE("with two poles the closed-form f3dB is where |H| is 1/sqrt2 and 1/2") {
  const double tau_s = 170e-12;
  const double rc_s = 50e-12;
  const double f_e = f3db_hz(tau_s, rc_s);
  const double f_o = f3db_optical_hz(tau_s, rc_s);
  CHECK(response_magnitude(tau_s, rc_s, f_e) == Approx(1.0 / std::sqrt(2.0)).epsilon(1e-12));
  CHECK(response_magnitude(tau_s, rc_s, f_o) == Approx(0.5).epsilon(1e-12));
  // The second pole can only lower the bandwidth.
  CHECK(f_e < f3db_hz(tau_s, 0.0));
  CHECK(response_magnitude(tau_s, rc_s, 0.0) == 1.0);
}

TEST_CASE("the carrier density balances the ABC recombination against the injected current") {
  const LaneParams p = nominal_lane();
  for (const double current_a : {1e-6, 1e-4, 1e-3, 5e-3, 20e-3}) {
    const double n = carrier_density_cm3(p, current_a);
    const double recombination = p.a_per_s * n + p.b_cm3_per_s * n * n + p.c_cm6_per_s * n * n * n;
    const double generation = current_a / p.area_cm2 / (1.602176634e-19 * p.active_thickness_cm);
    CAPTURE(current_a);
    CHECK(recombination == Approx(generation).epsilon(1e-10));
  }
  CHECK(carrier_density_cm3(p, 0.0) == 0.0);
}

TEST_CASE("the differential lifetime is 1/(A + 2Bn + 3Cn^2) and f3dB rises with current density") {
  const LaneParams p = nominal_lane();
  const double n = 2e19;
  CHECK(differential_lifetime_s(p, n) ==
        Approx(1.0 / (p.a_per_s + 2 * p.b_cm3_per_s * n + 3 * p.c_cm6_per_s * n * n)));
  double previous_hz = 0.0;
  for (const double current_a : {0.5e-3, 1e-3, 2e-3, 5e-3, 10e-3, 15e-3}) {
    const double tau_s = differential_lifetime_s(p, carrier_density_cm3(p, current_a));
    const double f_hz = f3db_hz(tau_s, p.rc_s);
    CAPTURE(current_a, f_hz);
    CHECK(f_hz > previous_hz);
    previous_hz = f_hz;
  }
  // The lab's range: a few hundred MHz at 1 mA to ~1.5 GHz at 15 mA for this geometry.
  const auto f_at = [&](double i) { return f3db_hz(differential_lifetime_s(p, carrier_density_cm3(p, i)), p.rc_s); };
  CHECK(f_at(1e-3) > 200e6);
  CHECK(f_at(1e-3) < 500e6);
  CHECK(f_at(15e-3) > 1.2e9);
  CHECK(f_at(15e-3) < 2.0e9);
}

TEST_CASE("efficiency droops from its peak at high current density") {
  const LaneParams p = nominal_lane();
  double peak = 0.0;
  for (double i = 1e-6; i < 20e-3; i *= 1.1) peak = std::max(peak, internal_quantum_efficiency(p, carrier_density_cm3(p, i)));
  // 10 kA/cm2
  const double i_10k = 1e4 * p.area_cm2;
  CHECK(current_density_a_per_cm2(p, i_10k) == Approx(1e4));
  const double at_10k = internal_quantum_efficiency(p, carrier_density_cm3(p, i_10k));
  const double fall = 1.0 - at_10k / peak;
  CAPTURE(peak, at_10k, fall);
  CHECK(fall > 0.4);
  CHECK(fall < 0.75);
  // Light still grows with current, only sub-linearly.
  CHECK(optical_power_25c_w(p, 10e-3) > optical_power_25c_w(p, 5e-3));
  CHECK(optical_power_25c_w(p, 10e-3) < 2.0 * optical_power_25c_w(p, 5e-3));
}

TEST_CASE("thermal droop keeps the configured fraction of the 25 C output at 85 C") {
  CHECK(thermal_droop_factor(25.0, 0.9) == 1.0);
  CHECK(thermal_droop_factor(85.0, 0.9) == Approx(0.9).epsilon(1e-12));
  CHECK(thermal_droop_factor(85.0, 0.88) == Approx(0.88).epsilon(1e-12));
  CHECK(thermal_droop_factor(-40.0, 0.9) > 1.0);
}

TEST_CASE("the array draws lognormal spreads, dead and weak lanes from the seed") {
  BenchConfig config;
  config.array.dead_probability = 0.05;
  config.array.weak_probability = 0.05;
  const ArrayModel array(config);
  REQUIRE(array.size() == 400);
  int dead = 0;
  int weak = 0;
  double sum_ln = 0;
  double sum2_ln = 0;
  for (const Lane& l : array.lanes()) {
    dead += l.dead;
    weak += l.weak;
    CHECK_FALSE((l.dead && l.weak));
    if (l.weak) {
      CHECK(l.weak_factor >= config.array.weak_power_min);
      CHECK(l.weak_factor <= config.array.weak_power_max);
    }
    const double x = std::log(l.params.extraction / config.array.extraction);
    sum_ln += x;
    sum2_ln += x * x;
  }
  CHECK(dead > 8);  // 20 expected
  CHECK(dead < 35);
  CHECK(weak > 8);
  CHECK(weak < 35);
  const double sd = std::sqrt(sum2_ln / 400 - (sum_ln / 400) * (sum_ln / 400));
  CHECK(sd == Approx(config.array.extraction_spread_ln).epsilon(0.15));
  CHECK(array.lane(21).row == 1);
  CHECK(array.lane(21).col == 1);
  CHECK(ArrayModel::operating_point(*std::find_if(array.lanes().begin(), array.lanes().end(),
                                                  [](const Lane& l) { return l.dead; }),
                                    Drive{5e-3, 0, 0, true}, config.array)
            .power_bias_w == 0.0);
}
