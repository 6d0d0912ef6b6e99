// sequences/bandwidth.lua against the simulated bench's ground truth.
#include "instruments/sim/truth.hpp"
#include "run_support.hpp"

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
      if (dead) continue;
      ++live;
      // The default sweep (10 MHz..6 GHz) resolves every lane at these currents.
      CHECK(extra.value("resolved", false));
      if (extra.value("resolved", false)) live_values.push_back(r.value);
      CHECK(extra.contains("residual"));
      CHECK(extra.contains("tau_s"));
      const double f_true = lane["f3db"][c]["f3db_hz"].get<double>();
      if (std::abs(r.value / f_true - 1) <= 0.03) ++fit_ok;
      CHECK(extra["current_density_a_cm2"].get<double>() == Approx(currents[c] / (M_PI * std::pow(4e-4, 2))));
    }
    for (const auto& [r, extra] : interp) {
      const auto& lane = lanes[static_cast<std::size_t>(*r.lane - 1)];
      if (lane["dead"].get<bool>()) continue;
      if (std::abs(r.value / lane["f3db"][c]["f3db_hz"].get<double>() - 1) <= 0.10) ++interp_close;
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
      CHECK(r.value == 0);
    }
  }
}
