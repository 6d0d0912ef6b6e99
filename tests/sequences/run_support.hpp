#pragma once
// Runs a sequence of sequences/ on the simulated station (sequences/stations/sim.toml) in
// process, into a fresh store in the build tree, and gives the tests what they compare with the
// bench's ground truth: the run's results, and a second bench built from the same station
// whose true values are read at the run's conditions.
#include "analysis/array_statistics.hpp"
#include "db/reader.hpp"
#include "engine/bench_settings.hpp"
#include "engine/run/run_sequence.hpp"
#include "instruments/sim/bench.hpp"
#include "report/run_report.hpp"
#include "support/sim_run_request.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace ledlab::test {

inline engine::StationConfig sim_station() {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  return *station;
}

struct SequenceRun {
  int code = -1;
  std::string out;
  double wall_s = 0;
  std::vector<db::ResultRecord> results;
  std::string report;  // the run's HTML report

  // Per lane results of `name` whose extra[key] == value (key empty: all), with extra parsed.
  std::vector<std::pair<db::ResultRecord, nlohmann::json>> lane_results(const std::string& name, const std::string& key = {},
                                                                        double value = 0) const {
    std::vector<std::pair<db::ResultRecord, nlohmann::json>> out_;
    for (const auto& r : results) {
      if (r.name != name || !r.lane) continue;
      auto extra = nlohmann::json::parse(r.extra_json);
      if (!key.empty() && !(extra.contains(key) && extra[key].get<double>() == value)) continue;
      out_.emplace_back(r, std::move(extra));
    }
    return out_;
  }
  std::optional<db::ResultRecord> array_result(const std::string& name) const {
    for (const auto& r : results)
      if (r.name == name && !r.lane) return r;
    return std::nullopt;
  }
};

// `ledlab run SEQ --sim --virtual-time -p ... [--sim-fault ...]` (or at the given time scale,
// without virtual time) on sim.toml or `station_file`; the store is `db` in the build tree.
// `bench_patch` is merged into the station's [bench] table (RFC 7386), e.g. {"meter": {...}}.
inline SequenceRun run_sequence(const std::string& sequence, lua::Overrides overrides, double time_scale,
                                const std::string& db, bool virtual_time = true,
                                std::vector<engine::RunRequest::SimFault> faults = {},
                                const nlohmann::json& bench_patch = nullptr, const std::string& station_file = {}) {
  const std::string path = std::string(LEDLAB_BINARY_DIR) + "/" + db;
  engine::RunRequest req = sim_run_request(sequence, std::move(overrides), time_scale, path, virtual_time);
  // Another station of sequences/stations than sim.toml (same time scale).
  if (!station_file.empty()) {
    auto station = engine::load_station(std::string(LEDLAB_SOURCE_DIR) + "/sequences/stations/" + station_file);
    REQUIRE(station);
    station->time_scale = req.station.time_scale;
    req.station = std::move(*station);
  }
  // A bench variant: [bench] keys merged over the station's (RFC 7396 merge patch).
  if (!bench_patch.is_null()) req.station.bench.merge_patch(bench_patch);
  req.sim_faults = std::move(faults);
  if (!bench_patch.is_null()) req.station.bench.merge_patch(bench_patch);
  req.dut_serial = "SIM-TRUTH";
  std::ostringstream out;
  SequenceRun r;
  const auto t0 = std::chrono::steady_clock::now();
  r.code = engine::run_sequence(req, out);
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out = out.str();
  auto reader = db::Reader::open(path);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  auto results = reader->results(runs->front().id);
  REQUIRE(results);
  r.results = std::move(*results);
  auto html = report::render_run_report(*reader, runs->front().uuid);
  REQUIRE(html);
  r.report = std::move(*html);
  return r;
}

// A bench equal to the station's, on a manual clock, for true values at given conditions.
inline std::unique_ptr<sim::Bench> truth_bench(const nlohmann::json& bench_patch = nullptr) {
  auto bench = sim_station().bench;
  if (!bench_patch.is_null()) bench.merge_patch(bench_patch);
  auto config = engine::bench_config_from_json(bench, "sim.toml");
  REQUIRE(config);
  return std::make_unique<sim::Bench>(*config, Clock::manual());
}

// Brings a truth bench to a drive and chamber temperature and lets it settle for `hours`.
inline void settle(sim::Bench& bench, sim::Drive drive, double temperature_c, double hours = 3) {
  REQUIRE(bench.set_drive(drive));
  REQUIRE(bench.set_chamber_setpoint_c(temperature_c));
  bench.clock()->advance(hours * 3600);
}

}  // namespace ledlab::test
