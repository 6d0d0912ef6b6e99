#pragma once
// sequences/burn_in.lua's stored figures against analyse_burn_in on the readings the run
// stored: the sequence accumulates its analysis reading by reading (and after a resume, from
// the readings streamed back), and must report what the whole table gives.
#include "analysis/burn_in.hpp"
#include "db/reader.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace ledlab::test {

// The run's stored optical power as analyse_burn_in takes it: hours from the first reading and
// every lane's power at each reading.
struct StoredBurnIn {
  std::vector<double> time_h;
  std::vector<std::vector<double>> readings;
};

inline StoredBurnIn stored_burn_in(db::Reader& reader, db::RunId run) {
  auto series = reader.series(run);
  REQUIRE(series);
  std::map<double, std::map<int, double>> rows;
  for (const auto& s : *series) {
    if (s.spec.quantity != "optical_power") continue;
    auto samples = reader.samples(s.id);
    REQUIRE(samples);
    for (const auto& x : *samples) rows[x.t_s][*s.spec.lane] = x.value;
  }
  StoredBurnIn out;
  REQUIRE_FALSE(rows.empty());
  const double t0 = rows.begin()->first;
  for (const auto& [t, lanes] : rows) {
    out.time_h.push_back((t - t0) / 3600);
    std::vector<double> row;
    for (const auto& [lane, w] : lanes) row.push_back(w);
    out.readings.push_back(std::move(row));
  }
  return out;
}

// Every lane's failure, change and fit, and the array's TM-21 figure, as stored by the run,
// equal analyse_burn_in's on the stored readings (to the rounding of running sums and of
// times taken from another origin).
inline void check_burn_in_results(const std::vector<db::ResultRecord>& results, const StoredBurnIn& table) {
  const auto batch = analysis::analyse_burn_in(table.time_h, table.readings, {.failure_limit = 0.10, .dead_below_w = 1e-6});
  REQUIRE(batch);
  std::map<int, nlohmann::json> failed, decay;
  std::map<int, double> decay_value;
  const nlohmann::json* array_decay = nullptr;
  nlohmann::json array_extra;
  double array_value = 0;
  for (const auto& r : results) {
    if (r.name == "lane_failed" && r.lane) failed[*r.lane] = nlohmann::json::parse(r.extra_json);
    if (r.name != "decay_rate_pct_per_kh") continue;
    if (r.lane) {
      decay[*r.lane] = nlohmann::json::parse(r.extra_json);
      decay_value[*r.lane] = r.value;
    } else {
      array_extra = nlohmann::json::parse(r.extra_json);
      array_value = r.value;
      array_decay = &array_extra;
    }
  }
  REQUIRE(failed.size() == batch->lanes.size());
  for (std::size_t i = 0; i < batch->lanes.size(); ++i) {
    const auto& l = batch->lanes[i];
    const int lane = static_cast<int>(i + 1);
    INFO("lane " << lane);
    CHECK(failed[lane].value("dead", false) == l.dead);
    if (l.dead) continue;
    CHECK(failed[lane].contains("failed_at_h") == l.failed);
    CHECK(failed[lane].value("catastrophic", false) == l.catastrophic);
    if (l.catastrophic)
      CHECK(failed[lane]["catastrophic_at_h"].get<double>() == Approx(l.catastrophic_at_h).margin(1e-9));
    if (l.failed) CHECK(failed[lane]["failed_at_h"].get<double>() == Approx(l.failed_at_h).margin(1e-9));
    CHECK(failed[lane]["change"].get<double>() == Approx(l.change).epsilon(1e-12));
    REQUIRE(decay.contains(lane) == l.fitted);
    if (!l.fitted) continue;
    CHECK(decay_value[lane] == Approx(l.decay_percent_per_1000h).epsilon(1e-9));
    CHECK(decay[lane]["fit"]["alpha_per_h"].get<double>() == Approx(l.alpha_per_h).epsilon(1e-9));
    CHECK(decay[lane]["fit"]["points"].get<std::size_t>() == l.fit_points);
    CHECK(decay[lane]["fit"]["resolved"].get<bool>() == l.resolved);
  }
  REQUIRE(batch->array_l70);
  REQUIRE(array_decay != nullptr);
  CHECK(array_value == Approx(batch->array_l70->decay_percent_per_1000h).epsilon(1e-9));
  CHECK((*array_decay)["units"].get<std::size_t>() == batch->units);
  CHECK((*array_decay)["catastrophic_lanes"].get<std::size_t>() == batch->catastrophic);
  if (batch->array_interval)
    CHECK((*array_decay)["alpha_hi_per_h"].get<double>() == Approx(batch->array_interval->alpha_hi_per_h).epsilon(1e-6));
  CHECK((*array_decay)["alpha_per_h"].get<double>() == Approx(batch->array_l70->alpha_per_h).epsilon(1e-9));
  CHECK((*array_decay)["window"]["start_h"].get<double>() == Approx(batch->window.start_h).margin(1e-9));
}

}  // namespace ledlab::test
