// Array lifetime against the simulated bench's truth, on bench variants no other test uses:
// seeds, array shapes, emitter sizes, ageing rates, spreads, temperatures and meter noise. The
// readings come from the bench's array and ageing models directly (bench_ageing.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/burn_in.hpp"
#include "analysis/burn_in_accumulator.hpp"
#include "analysis/tm21.hpp"
#include "support/bench_ageing.hpp"

using namespace ledlab;
using namespace ledlab::analysis;

namespace {

struct Variant {
  std::uint64_t seed;
  int rows, cols;
  double diameter_um;
  double alpha_ref_per_h, alpha_spread_ln, activation_energy_ev;
  double dut_c, current_a;
  double meter_noise;
  double duration_h, interval_h;
  double early_failure_probability, early_failure_mean_h;
};

sim::BenchConfig config_of(const Variant& v) {
  sim::BenchConfig c;
  c.seed = v.seed;
  c.array.rows = v.rows;
  c.array.cols = v.cols;
  c.array.diameter_um = v.diameter_um;
  c.ageing.alpha_ref_per_h = v.alpha_ref_per_h;
  c.ageing.alpha_spread_ln = v.alpha_spread_ln;
  c.ageing.activation_energy_ev = v.activation_energy_ev;
  c.ageing.early_failure_probability = v.early_failure_probability;
  c.ageing.early_failure_mean_h = v.early_failure_mean_h;
  c.meter.relative_noise = v.meter_noise;
  return c;
}

const std::vector<Variant> kVariants{
    // seed rows cols  d_um  alpha  spread  Ea    T_dut  I      noise  hours  every  p_fail  mean_h
    {101, 16, 24, 5.0, 1e-5, 0.30, 0.65, 85, 5e-3, 1e-3, 1000, 2, 0.03, 400},
    {202, 10, 40, 20.0, 3e-5, 0.50, 0.80, 105, 5e-3, 3e-3, 1000, 2, 0.03, 300},
    {303, 20, 20, 12.0, 5e-6, 0.40, 0.45, 65, 5e-3, 1e-3, 3000, 10, 0.02, 2000},
    {404, 12, 12, 8.0, 2e-5, 0.60, 0.90, 125, 3e-3, 2e-3, 600, 1, 0.05, 200},
    {505, 16, 24, 15.0, 8e-6, 0.35, 0.70, 105, 8e-3, 5e-3, 2000, 4, 0.02, 500},
};

}  // namespace

TEST_CASE("array decay rate and L70 are within 10 % of the bench's population truth and every sudden failure is "
          "found") {
  for (const Variant& v : kVariants) {
    INFO("variant seed " << v.seed << " (" << v.rows << "x" << v.cols << ", " << v.dut_c << " C)");
    const sim::BenchConfig config = config_of(v);
    const auto run = test::age_array(config, v.dut_c, v.current_a, v.duration_h, v.interval_h, v.seed + 7);
    auto r = analyse_burn_in(run.time_h, run.readings);
    REQUIRE(r);
    REQUIRE(r->array_l70);
    const DecayFit truth = test::population_truth(config, run, r->window.start_h);
    const double truth_l70 = lifetime_lp_h(truth.b, truth.alpha_per_h, 70.0);
    INFO("alpha " << r->array_l70->alpha_per_h << " truth " << truth.alpha_per_h << "; L70 " << r->array_l70->lp_raw_h
                  << " truth " << truth_l70);
    CHECK(r->array_l70->alpha_per_h == Approx(truth.alpha_per_h).epsilon(0.10));
    CHECK(r->array_l70->lp_raw_h == Approx(truth_l70).epsilon(0.10));
    REQUIRE(r->array_interval);
    CHECK(r->array_interval->alpha_lo_per_h < truth.alpha_per_h);
    CHECK(r->array_interval->alpha_hi_per_h > truth.alpha_per_h);

    // Dead lanes and sudden failures: every one confirmed in time is found, none is invented.
    const sim::ArrayModel array(config);
    const sim::AgeingModel ageing(config, array);
    const double confirmable_h = run.time_h[run.time_h.size() - 3];  // three readings to confirm
    std::size_t expected = 0;
    for (std::size_t i = 0; i < array.size(); ++i) {
      INFO("lane " << i + 1);
      CHECK(r->lanes[i].dead == array.lane(i).dead);
      if (array.lane(i).dead) continue;
      const bool failed_by_end = test::fails_by(ageing, run, i, run.time_h.back());
      if (test::fails_by(ageing, run, i, confirmable_h)) {
        ++expected;
        CHECK(r->lanes[i].catastrophic);
        CHECK(r->lanes[i].catastrophic_at_h ==
              Approx(std::ceil(ageing.lane(i).failure_stress_h / run.stress_factor / v.interval_h - 1e-9) * v.interval_h));
      } else if (!failed_by_end) {
        CHECK_FALSE(r->lanes[i].catastrophic);
      }
    }
    CHECK(expected > 0);  // the variants are chosen to have some
  }
}

TEST_CASE("the accumulated burn-in gives the same array figures on a bench variant with sudden failures") {
  const Variant& v = kVariants[1];
  const sim::BenchConfig config = config_of(v);
  const auto run = test::age_array(config, v.dut_c, v.current_a, v.duration_h, v.interval_h, 17);
  auto batch = analyse_burn_in(run.time_h, run.readings);
  REQUIRE(batch);
  auto acc = BurnInAccumulator::create({.duration_h = v.duration_h});
  REQUIRE(acc);
  for (std::size_t k = 0; k < run.time_h.size(); ++k) REQUIRE(acc->add(run.time_h[k], run.readings[k]));
  if (acc->replay_needed()) {
    REQUIRE(acc->begin_replay());
    for (std::size_t k = 0; k < run.time_h.size(); ++k) REQUIRE(acc->add(run.time_h[k], run.readings[k]));
  }
  auto running = acc->result();
  REQUIRE(running);
  CHECK(running->units == batch->units);
  CHECK(running->catastrophic == batch->catastrophic);
  REQUIRE(running->array_l70);
  CHECK(running->array_l70->alpha_per_h == Approx(batch->array_l70->alpha_per_h).epsilon(1e-9));
  REQUIRE(running->array_interval);
  CHECK(running->array_interval->alpha_hi_per_h == Approx(batch->array_interval->alpha_hi_per_h).epsilon(1e-6));
}
