// sequences/bandwidth.lua against the simulated bench's ground truth.
#include "instruments/sim/truth.hpp"
#include "run_support.hpp"

using namespace ledlab;

TEST_CASE("bandwidth recovers every live lane's f3dB within 3 % and leaves dead lanes out of the median") {
  const std::vector<double> currents{2e-3, 10e-3};
  auto run = test::run_sequence("bandwidth.lua", {{"currents_a", "2e-3,10e-3"}, {"bit_rates_hz", "2e9,4e9"}}, 36000,
                                "seq_bandwidth.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto bench = test::truth_bench();
  const auto truth = sim::truth(*bench, currents);
  const auto& lanes = truth["lanes"];

  for (std::size_t c = 0; c < currents.size(); ++c) {
    const auto interp = run.lane_results("f3db_hz", "drive_current_a", currents[c]);
    const auto fitted = run.lane_results("f3db_fit_hz", "drive_current_a", currents[c]);
    REQUIRE(interp.size() == lanes.size());
    std::size_t live = 0, interp_ok = 0, fit_ok = 0;
    std::vector<double> live_values;
    for (const auto& [r, extra] : interp) {
      const auto& lane = lanes[static_cast<std::size_t>(*r.lane - 1)];
      const bool dead = lane["dead"].get<bool>();
      INFO("lane " << *r.lane << " at " << currents[c] << " A");
      CHECK(extra.value("dead", false) == dead);  // flagged exactly when the truth says dead
      CHECK((r.verdict == db::Verdict::dead) == dead);  // and counted dead, not failed
      if (dead) continue;
      ++live;
      live_values.push_back(r.value);
      const double f_true = lane["f3db"][c]["f3db_hz"].get<double>();
      if (std::abs(r.value / f_true - 1) <= 0.03) ++interp_ok;
      CHECK(extra["current_density_a_cm2"].get<double>() == Approx(currents[c] / (M_PI * std::pow(4e-4, 2))));
    }
    for (const auto& [r, extra] : fitted) {
      const auto& lane = lanes[static_cast<std::size_t>(*r.lane - 1)];
      if (lane["dead"].get<bool>()) continue;
      CHECK(extra.contains("residual"));
      if (std::abs(r.value / lane["f3db"][c]["f3db_hz"].get<double>() - 1) <= 0.03) ++fit_ok;
    }
    CHECK(live > 350);
    CHECK(interp_ok >= 0.95 * static_cast<double>(live));
    CHECK(fit_ok >= 0.95 * static_cast<double>(live));

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
