// sequences/liv.lua and the SMU's energy per bit in sequences/ber_vs_temperature.lua on the
// simulated bench, against its ground truth, on bench variants the other tests do not use.
#include "analysis/liv.hpp"
#include "instruments/sim/diode_model.hpp"
#include "run_support.hpp"

#include <fmt/format.h>

#include <cmath>

using namespace ledlab;

namespace {

// Truth of one lane's collected peak EQE and droop-peak current density (ABC closed form,
// sim/lane_physics.hpp): n* = sqrt(A / C), IQE* = B / (B + 2 sqrt(A C)), J* = q d (2 A n* + B n*^2).
struct PeakTruth {
  double eqe = 0;
  double j_a_per_cm2 = 0;
};
PeakTruth peak_truth(const sim::Lane& lane) {
  const auto& p = lane.params;
  const double n = std::sqrt(p.a_per_s / p.c_cm6_per_s);
  return {p.extraction * lane.weak_factor * p.b_cm3_per_s / (p.b_cm3_per_s + 2 * std::sqrt(p.a_per_s * p.c_cm6_per_s)),
          1.602176634e-19 * p.active_thickness_cm * (2 * p.a_per_s * n + p.b_cm3_per_s * n * n)};
}

double extra_number(const nlohmann::json& extra, const char* key) { return extra.value(key, std::nan("")); }

}  // namespace

TEST_CASE("LIV recovers every lane's forward voltage, peak EQE, droop peak and leakage, and finds the dead lanes") {
  // Unseen variants: seeds, shapes, emitter diameters 5-20 um, a wider SRH spread.
  const nlohmann::json variants[] = {
      {{"seed", 23}, {"array", {{"rows", 6}, {"cols", 10}, {"diameter_um", 12.0}}}},
      {{"seed", 31}, {"array", {{"rows", 16}, {"cols", 24}, {"diameter_um", 5.0}, {"a_spread_ln", 0.4}}}},
      {{"seed", 41}, {"array", {{"rows", 4}, {"cols", 12}, {"diameter_um", 20.0}, {"dead_probability", 0.05}}},
       {"diode", {{"shunt_resistance_ohm", 2e8}}}},
  };
  int n = 0;
  for (const auto& variant : variants) {
    INFO("variant " << variant.dump());
    const double diameter = variant["array"]["diameter_um"].get<double>();
    auto run = test::run_sequence("liv.lua", {{"diameter_um", fmt::format("{}", diameter)}}, 36000,
                                  fmt::format("seq_liv_{}.sqlite", n++), true, {}, variant);
    INFO(run.out);
    REQUIRE(run.code == 0);
    auto bench = test::truth_bench(variant);
    // The junction at the operating point: the chamber's 25 C plus the array's self-heating there.
    test::settle(*bench, {5e-3, 0, 0, true}, 25);
    const double junction_c = bench->junction_temperature_c();

    std::size_t live = 0, j_close = 0, edge = 0;
    for (const auto& [r, extra] : run.lane_results("forward_voltage_v")) {
      const auto lane = static_cast<std::size_t>(*r.lane - 1);
      const auto diode = sim::diode_params(bench->config().diode, bench->config().seed, lane);
      CHECK(r.value == Approx(sim::diode_voltage_v(diode, 5e-3, junction_c)).epsilon(2e-3));
    }
    for (const auto& [r, extra] : run.lane_results("reverse_leakage_a")) {
      const auto diode = sim::diode_params(bench->config().diode, bench->config().seed, static_cast<std::size_t>(*r.lane - 1));
      CHECK(r.value == Approx(5.0 / diode.shunt_resistance_ohm).epsilon(0.02));
    }
    const auto peaks = run.lane_results("peak_eqe");
    REQUIRE(peaks.size() == bench->lane_count());
    for (const auto& [r, extra] : peaks) {
      const auto& lane = bench->array().lane(static_cast<std::size_t>(*r.lane - 1));
      INFO("lane " << *r.lane);
      CHECK(extra.value("dead", false) == lane.dead);
      CHECK((db::verdict_of(r) == db::Verdict::dead) == lane.dead);  // counted dead, never failed
      if (lane.dead) continue;
      CHECK(r.qualifier == (extra.value("peak_at_edge", false) ? db::Qualifier::at_least : db::Qualifier::exact));
      ++live;
      const PeakTruth truth = peak_truth(lane);
      CHECK(r.value == Approx(truth.eqe).epsilon(0.03));
      if (extra.value("peak_at_edge", false)) {
        ++edge;
        continue;
      }
      if (std::fabs(extra_number(extra, "peak_current_density_a_per_cm2") / truth.j_a_per_cm2 - 1) <= 0.10) ++j_close;
    }
    CHECK(edge == 0);
    CHECK(static_cast<double>(j_close) >= 0.9 * static_cast<double>(live));
    CHECK(run.report.find("Light-current-voltage") != std::string::npos);
    CHECK(run.report.find("EQE vs current density") != std::string::npos);
  }
}

TEST_CASE("energy per bit measured with the SMU is within 5 % of the bench's truth on unseen bench variants") {
  const nlohmann::json variants[] = {
      {{"seed", 7}, {"array", {{"rows", 16}, {"cols", 24}, {"diameter_um", 5.0}}},
       {"diode", {{"series_resistance_spread_ln", 0.4}, {"saturation_current_spread_ln", 0.8}}}},
      {{"seed", 11}, {"array", {{"rows", 10}, {"cols", 40}, {"diameter_um", 20.0}, {"dead_probability", 0.03}}},
       {"diode", {{"junction_voltage_at_1ma_v", 2.8}, {"series_resistance_ohm", 60.0}, {"ideality", 3.0}}}},
  };
  constexpr double kRate = 2e9, kBias = 5e-3, kMod = 4e-3;
  int n = 0;
  for (const auto& variant : variants) {
    INFO("variant " << variant.dump());
    auto run = test::run_sequence("ber_vs_temperature.lua",
                                  {{"temps", "25,85"}, {"target_ber", "1e-6"}, {"soak_s", "60"}, {"min_good_fraction", "0.001"}},
                                  36000, fmt::format("seq_energy_{}.sqlite", n++), true, {}, variant);
    INFO(run.out);
    REQUIRE(run.code == 0);
    auto bench = test::truth_bench(variant);
    std::size_t checked = 0;
    for (const auto& r : run.results) {
      if (r.name != "energy_per_bit_pj" || r.lane) continue;
      const auto extra = nlohmann::json::parse(r.extra_json);
      const double t = extra["temperature_c"].get<double>();
      test::settle(*bench, {kBias, kMod, 0, true}, t);
      const double truth = sim::led_energy_per_bit_truth_pj(bench->config(), bench->lane_count(), kBias,
                                                            bench->junction_temperature_c(), kRate);
      INFO(t << " C: measured " << r.value << " pJ/bit, truth " << truth);
      CHECK(extra["measured"].get<bool>());
      CHECK(extra["scope"].get<std::string>() == "LED drive only");
      // Every driven lane counts, dead and failing ones included.
      CHECK(extra["driven_lanes"].get<std::size_t>() == bench->lane_count());
      CHECK(r.value == Approx(truth).epsilon(0.05));
      CHECK(r.value == Approx(truth).epsilon(0.005));  // in fact far closer: only the junction's lag differs
      ++checked;
    }
    CHECK(checked == 2);
  }
}

TEST_CASE("the lowest-energy bias meets the BER limit, the bias just below it does not, and its energy is the bench's truth") {
  const nlohmann::json variant{{"seed", 5}, {"array", {{"rows", 6}, {"cols", 8}, {"diameter_um", 10.0}}}};
  constexpr double kRate = 4e9, kResolution = 0.25e-3;
  auto run = test::run_sequence("min_energy_bias.lua",
                                {{"temps", "25,85"}, {"bit_rate_hz", "4e9"}, {"ber_limit", "1e-6"}, {"min_good_fraction", "0.83"},
                                 {"bias_min_a", "0.25e-3"}, {"bias_max_a", "10e-3"}, {"resolution_a", "0.25e-3"},
                                 {"modulation_ratio", "0.8"}, {"soak_s", "60"}},
                                36000, "seq_min_energy.sqlite", true, {}, variant);
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto bench = test::truth_bench(variant);
  std::size_t interior = 0;
  for (const double t : {25.0, 85.0}) {
    INFO(t << " C");
    double bias = std::nan(""), energy = std::nan("");
    nlohmann::json extra;
    for (const auto& r : run.results) {
      if (r.lane) continue;
      const auto e = nlohmann::json::parse(r.extra_json);
      if (e.value("temperature_c", std::nan("")) != t) continue;
      if (r.name == "array_meets_limit") CHECK(r.value == 1);
      if (r.name == "min_energy_bias_a") bias = r.value, extra = e;
      if (r.name == "min_energy_per_bit_pj") {
        energy = r.value;
        CHECK(e["driven_lanes"].get<std::size_t>() == bench->lane_count());
        CHECK(e["scope"].get<std::string>() == "LED drive only");
      }
    }
    REQUIRE(std::isfinite(bias));
    // Passing already at the lowest bias tried makes the result an upper bound ("<").
    for (const auto& r : run.results)
      if (r.name == "min_energy_bias_a" && !r.lane && nlohmann::json::parse(r.extra_json)["temperature_c"] == t)
        CHECK(r.qualifier == (extra["highest_failing_bias_a"].is_null() ? db::Qualifier::at_most : db::Qualifier::exact));
    CHECK(extra["lanes_meeting_limit"].get<int>() >= 40);
    // The bracket closed: the highest failing bias lies within the resolution below the result.
    if (!extra["highest_failing_bias_a"].is_null()) {
      ++interior;
      CHECK(bias - extra["highest_failing_bias_a"].get<double>() <= kResolution * (1 + 1e-9));
    }
    test::settle(*bench, {bias, 0.8 * bias, 0, true}, t);
    const double truth = sim::led_energy_per_bit_truth_pj(bench->config(), bench->lane_count(), bias,
                                                          bench->junction_temperature_c(), kRate);
    CHECK(energy == Approx(truth).epsilon(0.05));
  }
  CHECK(interior >= 1);  // the search found a bias inside the range, not only its lower end
}
