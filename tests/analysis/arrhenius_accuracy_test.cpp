// Ea across burn-ins at three stress temperatures and one current, against the simulated bench's
// activation energy, on variants no other test uses (readings from the bench's ageing model,
// bench_ageing.hpp; the junction is the case plus the bench's self-heating).
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "analysis/arrhenius_runs.hpp"
#include "analysis/burn_in.hpp"
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
                      r->array_l70->alpha_per_h});
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
