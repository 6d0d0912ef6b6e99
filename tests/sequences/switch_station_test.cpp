// The shipped sequences, unchanged, on sequences/stations/sim_switch.toml (a 4-channel BERT
// behind a 400 x 4 optical switch) give the per-lane results they give on sim.toml's 400-lane
// BERT: same bench, same seed.
#include "run_support.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <tuple>

using namespace ledlab;

namespace {

// Results by (name, lane (0 for the array's), conditions as stored).
using Key = std::tuple<std::string, int, std::string>;

std::map<Key, std::pair<db::ResultRecord, nlohmann::json>> per_lane(const test::SequenceRun& run) {
  std::map<Key, std::pair<db::ResultRecord, nlohmann::json>> out;
  for (const auto& r : run.results) {
    auto extra = nlohmann::json::parse(r.extra_json);
    // What identifies the step: the extra's conditions without the per-lane measurements.
    nlohmann::json at = nlohmann::json::object();
    for (const char* k : {"temperature_c", "drive_current_a", "bit_rate_hz", "current_a", "t_h", "time_h"})
      if (extra.contains(k)) at[k] = extra[k];
    out[{r.name, r.lane.value_or(0), at.dump()}] = {r, std::move(extra)};
  }
  return out;
}

struct Comparison {
  std::size_t lanes = 0;       // results on both stations (per lane and the array's)
  std::size_t same_dead = 0;   // flagged dead on both or on neither
  std::size_t same_verdict = 0;
  std::size_t close = 0;       // values within the tolerance
  std::string first_difference;
};

Comparison compare(const test::SequenceRun& direct, const test::SequenceRun& switched, double rel_tolerance) {
  const auto a = per_lane(direct);
  const auto b = per_lane(switched);
  Comparison c;
  CHECK(a.size() == b.size());
  for (const auto& [key, ra] : a) {
    auto it = b.find(key);
    if (it == b.end()) {
      if (c.first_difference.empty()) c.first_difference = fmt::format("{} lane {} {}: missing", std::get<0>(key), std::get<1>(key), std::get<2>(key));
      continue;
    }
    const auto& rb = it->second;
    ++c.lanes;
    if (ra.second.value("dead", false) == rb.second.value("dead", false)) ++c.same_dead;
    if (ra.first.verdict == rb.first.verdict) ++c.same_verdict;
    const double x = ra.first.value, y = rb.first.value;
    const bool near = x == y || std::abs(x - y) <= rel_tolerance * std::max(std::abs(x), std::abs(y));
    if (near) ++c.close;
    else if (c.first_difference.empty())
      c.first_difference = fmt::format("{} lane {} {}: {} vs {}", std::get<0>(key), std::get<1>(key), std::get<2>(key), x, y);
  }
  return c;
}

// Runs `sequence` on both stations with the same parameters and compares their results.
Comparison run_both(const std::string& sequence, const lua::Overrides& overrides, double rel_tolerance) {
  const std::string stem = sequence.substr(0, sequence.find('.'));
  auto direct = test::run_sequence(sequence, overrides, 36000, "seq_switch_" + stem + "_direct.sqlite");
  INFO(direct.out);
  REQUIRE(direct.code == 0);
  auto switched = test::run_sequence(sequence, overrides, 36000, "seq_switch_" + stem + "_switched.sqlite", true, {}, nullptr,
                                     "sim_switch.toml");
  INFO(switched.out);
  REQUIRE(switched.code == 0);
  auto c = compare(direct, switched, rel_tolerance);
  INFO(sequence << ": " << c.lanes << " results, " << c.close << " close, " << c.same_verdict
                << " same verdict; first difference: " << c.first_difference);
  CHECK(c.lanes > 0);
  CHECK(c.same_dead == c.lanes);
  return c;
}

}  // namespace

TEST_CASE("ber_vs_temperature runs unchanged on a 4-channel BERT behind a switch with the 400-lane BERT's per-lane results") {
  const auto c = run_both("ber_vs_temperature.lua", {{"temps", "25,85"}, {"soak_s", "120"}, {"target_ber", "1e-9"}, {"ber_limit", "1e-9"}},
                          0.05);
  INFO(c.first_difference);
  CHECK(c.lanes > 800);  // ber_upper of 400 lanes at 2 temperatures and the array's
  CHECK(c.same_verdict >= c.lanes * 99 / 100);
  CHECK(c.close >= c.lanes * 99 / 100);
}

TEST_CASE("bandwidth runs unchanged on a 4-channel BERT behind a switch with the 400-lane BERT's per-lane results") {
  // Amplitudes block by block through the switch; the BERT's amplitude noise differs per read.
  const auto c = run_both("bandwidth.lua", {{"currents_a", "2e-3,10e-3"}, {"bit_rates_hz", "2e9,4e9"}}, 0.05);
  CHECK(c.same_verdict >= c.lanes * 98 / 100);
  CHECK(c.close >= c.lanes * 98 / 100);
}

TEST_CASE("min_energy_bias runs unchanged on a 4-channel BERT behind a switch with the 400-lane BERT's per-lane results") {
  const auto c = run_both("min_energy_bias.lua",
                          {{"temps", "25"}, {"bit_rate_hz", "4e9"}, {"ber_limit", "1e-6"}, {"bias_min_a", "1e-3"},
                           {"bias_max_a", "10e-3"}, {"resolution_a", "1e-3"}, {"soak_s", "60"}},
                          0.05);
  CHECK(c.same_verdict >= c.lanes * 98 / 100);
  CHECK(c.close >= c.lanes * 98 / 100);
}

TEST_CASE("the sequences without a BERT run unchanged on the switch station with the same results to a part per million") {
  // Same seed, same instruments in the same order of use: the same readings (the switch's
  // start-up moves the bench's time by a little, hence not bit for bit).
  for (const auto& [sequence, overrides] : std::vector<std::pair<std::string, lua::Overrides>>{
           {"power_vs_temperature.lua", {{"temps", "25,85"}, {"soak_s", "60"}}},
           {"liv.lua", {}},
           {"burn_in.lua", {{"duration_h", "10"}, {"interval_h", "2"}}}}) {
    INFO(sequence);
    const auto c = run_both(sequence, overrides, 1e-6);
    INFO(c.first_difference);
    CHECK(c.close == c.lanes);
    CHECK(c.same_verdict == c.lanes);
  }
}
