// sequences/bandwidth.lua against the simulated bench's ground truth.
#include "instruments/sim/truth.hpp"
#include "run_support.hpp"

#include <fmt/format.h>

using namespace ledlab;

TEST_CASE("bandwidth recovers every live lane's f3dB within 3 % with noisy amplitudes and leaves dead lanes out of the median") {
  const std::vector<double> currents{2e-3, 10e-3};
  auto run = test::run_sequence("bandwidth.lua", {{"currents_a", "2e-3,10e-3"}, {"bit_rates_hz", "2e9,4e9"}}, 36000,
                                "seq_bandwidth.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto bench = test::truth_bench();
  const auto truth = sim::truth(*bench, currents);
  const auto& lanes = truth["lanes"];

  for (std::size_t c = 0; c < currents.size(); ++c) {
    // The truth at the run's conditions: the chamber at 25 C and the junction above it by the
    // array's self-heating at this drive (f3dB moves with the junction temperature).
    test::settle(*bench, {currents[c], 0.2 * currents[c], 0, true}, 25.0);
    const auto primary = run.lane_results("f3db_hz", "drive_current_a", currents[c]);
    const auto interp = run.lane_results("f3db_interp_hz", "drive_current_a", currents[c]);
    REQUIRE(primary.size() == lanes.size());
    std::size_t live = 0, fit_ok = 0, interp_close = 0;
    std::vector<double> live_values;
    for (const auto& [r, extra] : primary) {
      const auto& lane = lanes[static_cast<std::size_t>(*r.lane - 1)];
      const bool dead = lane["dead"].get<bool>();
      INFO("lane " << *r.lane << " at " << currents[c] << " A");
      CHECK(extra.value("dead", false) == dead);  // flagged exactly when the truth says dead
      CHECK((r.verdict == db::Verdict::dead) == dead);  // and counted dead, not failed
      if (dead) continue;
      ++live;
      // The default sweep (10 MHz..6 GHz) resolves every lane at these currents.
      CHECK(extra.value("resolved", false));
      if (extra.value("resolved", false)) live_values.push_back(r.value);
      CHECK(extra.contains("residual"));
      CHECK(extra.contains("tau_s"));
      const double f_true = bench->f3db_hz(static_cast<std::size_t>(*r.lane - 1));
      if (std::abs(r.value / f_true - 1) <= 0.03) ++fit_ok;
      CHECK(extra["current_density_a_cm2"].get<double>() == Approx(currents[c] / (M_PI * std::pow(4e-4, 2))));
    }
    for (const auto& [r, extra] : interp) {
      const auto& lane = lanes[static_cast<std::size_t>(*r.lane - 1)];
      if (lane["dead"].get<bool>()) continue;
      if (std::abs(r.value / bench->f3db_hz(static_cast<std::size_t>(*r.lane - 1)) - 1) <= 0.10) ++interp_close;
    }
    CHECK(live > 350);
    CHECK(fit_ok >= 0.95 * static_cast<double>(live));
    CHECK(interp_close >= 0.95 * static_cast<double>(live));  // the cross-check, noisier

    // The array median is over the live lanes only.
    bool found = false;
    for (const auto& r : run.results) {
      if (r.name != "f3db_median_hz" || r.lane) continue;
      const auto extra = nlohmann::json::parse(r.extra_json);
      if (extra["drive_current_a"].get<double>() != currents[c]) continue;
      found = true;
      CHECK(r.value == Approx(analysis::median(live_values)));
      CHECK(extra["live_lanes"].get<std::size_t>() == live);
    }
    CHECK(found);
  }
  // f3dB rises with current density.
  const auto lo = run.lane_results("f3db_hz", "drive_current_a", 2e-3);
  const auto hi = run.lane_results("f3db_hz", "drive_current_a", 10e-3);
  CHECK(hi[0].first.value > lo[0].first.value);

  // Highest usable bit rate: one result per lane, dead lanes flagged and credited nothing.
  const auto rates = run.lane_results("max_bit_rate_bps");
  REQUIRE(rates.size() == lanes.size());
  for (const auto& [r, extra] : rates) {
    if (lanes[static_cast<std::size_t>(*r.lane - 1)]["dead"].get<bool>()) {
      CHECK(extra.value("dead", false));
      CHECK(r.verdict == db::Verdict::dead);  // not also a failure of its lower limit
      CHECK(r.value == 0);
    }
  }
}

TEST_CASE("a bandwidth sweep that ends below f3dB flags every lane not resolved and says so") {
  // 1 mA (f3dB ~320 MHz) swept only to 200 MHz: no lane's crossing is inside the sweep.
  auto run = test::run_sequence("bandwidth.lua",
                                {{"currents_a", "1e-3"}, {"f_start_hz", "1e6"}, {"f_stop_hz", "2e8"}, {"points", "16"},
                                 {"bit_rates_hz", ""}},
                                36000, "seq_bandwidth_short.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  const auto lanes = run.lane_results("f3db_hz", "drive_current_a", 1e-3);
  REQUIRE_FALSE(lanes.empty());
  std::size_t unresolved = 0;
  for (const auto& [r, extra] : lanes) {
    if (extra.value("dead", false)) continue;
    CHECK_FALSE(extra.value("resolved", true));
    CHECK_THAT(extra.value("note", std::string{}), Catch::Contains("not resolved"));
    ++unresolved;
  }
  CHECK(unresolved > 350);
  CHECK_THAT(run.out, Catch::Contains(fmt::format("warning: 1 mA: f3dB not resolved on {} of {} live lanes", unresolved, unresolved)) &&
                          Catch::Contains("no array median at this current"));
  // No median is made of values the sweep could not resolve.
  CHECK_FALSE(run.array_result("f3db_median_hz"));
  CHECK(run.report.find("did not resolve f3dB") != std::string::npos);
}

TEST_CASE("on an unseen 10x40 bench of 20 um emitters with 3 % amplitude noise bandwidth still recovers f3dB within 3 %") {
  // The sequence measures the readings' noise and averages them down; its sweep starts within
  // ~4x of f3dB at 0.3 mA on these large emitters.
  const nlohmann::json variant{{"seed", 271828},
                               {"array", {{"rows", 10}, {"cols", 40}, {"diameter_um", 20.0}, {"a_spread_ln", 0.35}}},
                               {"bert", {{"amplitude_relative_noise", 0.03}}}};
  const std::vector<double> currents{0.3e-3, 5e-3};
  auto run = test::run_sequence("bandwidth.lua", {{"currents_a", "0.3e-3,5e-3"}, {"diameter_um", "20"}, {"bit_rates_hz", ""}},
                                36000, "seq_bandwidth_variant.sqlite", true, {}, variant);
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto bench = test::truth_bench(variant);
  for (const double current : currents) {
    test::settle(*bench, {current, 0.2 * current, 0, true}, 25.0);
    std::size_t live = 0, within = 0;
    std::vector<double> truth;
    for (const auto& [r, extra] : run.lane_results("f3db_hz", "drive_current_a", current)) {
      const auto lane = static_cast<std::size_t>(*r.lane - 1);
      if (bench->array().lane(lane).dead) continue;
      ++live;
      truth.push_back(bench->f3db_hz(lane));
      CHECK(extra["averages"].get<int>() >= 6);  // (3 % / 1 %)^2 = 9, give or take the estimate
      if (std::abs(r.value / bench->f3db_hz(lane) - 1) <= 0.03) ++within;
    }
    INFO(current * 1e3 << " mA: " << within << " of " << live << " within 3 %, median truth "
                       << analysis::median(truth) / 1e6 << " MHz");
    CHECK(live > 390);
    CHECK(within >= 0.95 * static_cast<double>(live));
  }
}
