// Ea across burn-ins at three stress temperatures and one current, against the simulated bench's
// activation energy, on variants no other test uses (readings from the bench's ageing model,
// bench_ageing.hpp; the junction is the case plus the bench's self-heating).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/arrhenius_runs.hpp"
#include "analysis/burn_in.hpp"
#include "analysis/decay_fit.hpp"
#include "support/bench_ageing.hpp"

using namespace ledlab;
using namespace ledlab::analysis;

namespace {

struct Variant {
  std::uint64_t seed;
  int rows, cols;
  double activation_energy_ev, alpha_ref_per_h, thermal_resistance_c_per_w, current_a, meter_noise;
  std::vector<double> dut_c;
};

}  // namespace

TEST_CASE("Ea from three stress temperatures at one current is within 0.05 eV of the bench's") {
  const std::vector<Variant> variants{
      {61, 16, 24, 0.45, 1e-5, 1.0, 5e-3, 1e-3, {85, 105, 125}},
      {62, 10, 40, 0.60, 2e-5, 2.0, 5e-3, 2e-3, {65, 85, 105}},
      {63, 20, 20, 0.75, 1e-5, 1.5, 8e-3, 1e-3, {85, 100, 115}},
      {64, 12, 12, 0.90, 5e-6, 3.0, 5e-3, 3e-3, {75, 95, 115}},
  };
  for (const Variant& v : variants) {
    INFO("variant seed " << v.seed << ", Ea " << v.activation_energy_ev << " eV");
    sim::BenchConfig config;
    config.seed = v.seed;
    config.array.rows = v.rows;
    config.array.cols = v.cols;
    config.array.array_thermal_resistance_c_per_w = v.thermal_resistance_c_per_w;
    config.ageing.activation_energy_ev = v.activation_energy_ev;
    config.ageing.alpha_ref_per_h = v.alpha_ref_per_h;
    config.meter.relative_noise = v.meter_noise;
    std::vector<StressRun> runs;
    for (double dut_c : v.dut_c) {
      const auto aged = test::age_array(config, dut_c, v.current_a, 1000, 2, v.seed * 10 + static_cast<std::uint64_t>(dut_c));
      auto r = analyse_burn_in(aged.time_h, aged.readings);
      REQUIRE(r);
      REQUIRE(r->array_l70);
      runs.push_back({"run", "variant", v.current_a, dut_c, dut_c,
                      junction_temperature_c(dut_c, v.thermal_resistance_c_per_w, aged.electrical_power_w),
                      median_lane_alpha_per_h(*r).value()});
    }
    const auto all = arrhenius_across_runs(runs);
    REQUIRE(all.groups.size() == 1);
    const StressGroup& g = all.groups[0];
    CHECK(g.basis == TemperatureBasis::junction);
    REQUIRE(g.fit);
    CHECK(g.fit->ea_ev == Approx(v.activation_energy_ev).margin(0.05));
    REQUIRE(g.fit->ea_lo_ev);
    CHECK(*g.fit->ea_lo_ev < g.fit->ea_ev);
  }
}

TEST_CASE("Ea from the median lane stays right when the hottest stress has faded the fast lanes out of the array average") {
  // Fast, widely spread ageing: the three stresses lose about 17 %, 39 % and 69 % of the light,
  // where the TM-21 array average's fitted rate falls behind the lanes' and gave Ea 0.065 eV low.
  sim::BenchConfig config;
  config.seed = 71;
  config.array.rows = 10;
  config.array.cols = 40;
  config.array.diameter_um = 17.5;
  config.ageing.activation_energy_ev = 0.708;
  config.ageing.alpha_ref_per_h = 2.5e-5;
  config.ageing.alpha_spread_ln = 0.59;
  config.meter.relative_noise = 1e-3;
  constexpr double kCurrent = 7.89e-3;
  std::vector<StressRun> median_runs, array_runs;
  for (double dut_c : {85.0, 105.0, 125.0}) {
    const auto aged = test::age_array(config, dut_c, kCurrent, 500, 2, 710 + static_cast<std::uint64_t>(dut_c));
    auto r = analyse_burn_in(aged.time_h, aged.readings);
    REQUIRE(r);
    REQUIRE(r->array_l70);
    const double tj = junction_temperature_c(dut_c, config.array.array_thermal_resistance_c_per_w, aged.electrical_power_w);
    median_runs.push_back({"run", "variant", kCurrent, dut_c, dut_c, tj, median_lane_alpha_per_h(*r).value()});
    array_runs.push_back({"run", "variant", kCurrent, dut_c, dut_c, tj, r->array_l70->alpha_per_h});
  }
  const auto median = arrhenius_across_runs(median_runs), array = arrhenius_across_runs(array_runs);
  REQUIRE(median.groups.size() == 1);
  REQUIRE(median.groups[0].fit);
  REQUIRE(array.groups[0].fit);
  INFO("median lane " << median.groups[0].fit->ea_ev << " eV, array average " << array.groups[0].fit->ea_ev << " eV");
  CHECK(median.groups[0].fit->ea_ev == Approx(0.708).margin(0.05));
  CHECK(array.groups[0].fit->ea_ev < median.groups[0].fit->ea_ev);  // the bias the median removes
}

TEST_CASE("the median lane's decay rate leaves out dead, catastrophic and unfitted lanes, and inverts the %/1000 h figure") {
  BurnInAnalysis a;
  auto lane = [](double alpha, bool fitted = true, bool dead = false, bool catastrophic = false) {
    LaneBurnIn l;
    l.alpha_per_h = alpha, l.fitted = fitted, l.dead = dead, l.catastrophic = catastrophic;
    return l;
  };
  a.lanes = {lane(4e-5), lane(1e-5), lane(9e-3, true, false, true), lane(0, false, true), lane(2e-5), lane(3e-5), lane(7e-3, false)};
  REQUIRE(median_lane_alpha_per_h(a));
  CHECK(*median_lane_alpha_per_h(a) == Approx(2.5e-5));  // of 1, 2, 3, 4 e-5
  a.lanes.pop_back();
  a.lanes.push_back(lane(5e-5));
  CHECK(*median_lane_alpha_per_h(a) == Approx(3e-5));
  CHECK_FALSE(median_lane_alpha_per_h(BurnInAnalysis{}));
  CHECK(alpha_from_decay_percent_per_1000h(decay_percent_per_1000h(3.7e-5)) == Approx(3.7e-5).epsilon(1e-12));
  CHECK(alpha_from_decay_percent_per_1000h(0) == 0);
  CHECK(std::isnan(alpha_from_decay_percent_per_1000h(100)));
  CHECK(std::isnan(alpha_from_decay_percent_per_1000h(std::nan(""))));
}
