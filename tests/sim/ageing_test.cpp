#include "instruments/sim/ageing.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab::sim;

TEST_CASE("Arrhenius acceleration for 0.65 eV, 85 vs 55 C is 6.9") {
  CHECK(arrhenius_factor(0.65, 55.0, 85.0) == Approx(6.9).epsilon(0.01));
  CHECK(arrhenius_factor(0.65, 85.0, 85.0) == 1.0);
  CHECK(arrhenius_factor(0.65, 85.0, 55.0) == Approx(1.0 / arrhenius_factor(0.65, 55.0, 85.0)));
  // Higher Ea, stronger acceleration.
  CHECK(arrhenius_factor(1.0, 55.0, 85.0) > arrhenius_factor(0.65, 55.0, 85.0));
}

TEST_CASE("the stress factor is 1 at reference stress, Arrhenius in T and a power law in I") {
  AgeingConfig c;
  CHECK(stress_acceleration(c, c.reference_junction_c, c.reference_current_a) == Approx(1.0));
  CHECK(stress_acceleration(c, c.reference_junction_c, 2.0 * c.reference_current_a) == Approx(4.0));
  CHECK(stress_acceleration(c, 55.0, c.reference_current_a) ==
        Approx(1.0 / arrhenius_factor(c.activation_energy_ev, 55.0, 85.0)));
  CHECK(stress_acceleration(c, 85.0, 0.0) == 0.0);
}

TEST_CASE("each lane decays as exp(-alpha H) and an early failure drops it abruptly") {
  BenchConfig config;
  config.ageing.early_failure_probability = 0.5;
  const ArrayModel array(config);
  const AgeingModel ageing(config, array);
  std::size_t prone = ageing.size();
  std::size_t steady = ageing.size();
  for (std::size_t i = 0; i < ageing.size(); ++i) {
    if (array.lane(i).dead) continue;
    if (std::isfinite(ageing.lane(i).failure_stress_h)) prone = std::min(prone, i); else steady = std::min(steady, i);
  }
  REQUIRE(prone < ageing.size());
  REQUIRE(steady < ageing.size());

  const LaneAgeing& s = ageing.lane(steady);
  CHECK(ageing.power_factor(steady, 1000.0) == Approx(std::exp(-s.alpha_ref_per_h * 1000.0)));
  CHECK_FALSE(ageing.failed(steady, 1e9));

  const LaneAgeing& p = ageing.lane(prone);
  const double before = ageing.power_factor(prone, p.failure_stress_h * 0.999);
  const double after = ageing.power_factor(prone, p.failure_stress_h);
  CHECK(after / before == Approx(p.failure_remaining).epsilon(1e-3));
  CHECK(p.failure_remaining >= config.ageing.failure_remaining_min);
  CHECK(p.failure_remaining <= config.ageing.failure_remaining_max);
  CHECK(ageing.failed(prone, p.failure_stress_h));
}

TEST_CASE("ageing rates spread lognormally around alpha_ref") {
  BenchConfig config;
  config.array.weak_probability = 0.0;
  const ArrayModel array(config);
  const AgeingModel ageing(config, array);
  double sum_ln = 0;
  for (std::size_t i = 0; i < ageing.size(); ++i) sum_ln += std::log(ageing.lane(i).alpha_ref_per_h / config.ageing.alpha_ref_per_h);
  // Median near alpha_ref: mean of ln within 4 sigma/sqrt(400).
  CHECK(std::fabs(sum_ln / static_cast<double>(ageing.size())) < 4 * config.ageing.alpha_spread_ln / 20);
}
