#pragma once
// One run as the report reads it from the store: provenance, results with their extra JSON
// parsed, series, events, and the array layout for lane maps.
#include "db/reader.hpp"
#include "viz/lane_layout.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::report {

struct RunResult {
  db::ResultRecord record;
  nlohmann::json extra;  // parsed extra_json (an object; empty when none)
  bool dead() const { return db::verdict_of(record) == db::Verdict::dead; }
};

struct RunData {
  db::RunRecord run;
  nlohmann::json parameters;
  std::vector<db::InstrumentRecord> instruments;
  std::vector<RunResult> results;
  std::vector<db::SeriesRecord> series;
  std::vector<db::EventRecord> events;
  // Lane map layout: the DUT's lanes table, else the simulated array's rows x cols, else near square.
  viz::LaneLayout layout;
  int lanes = 0;           // highest lane number seen

  // Results of one name: per lane (lane set) or array-wide (no lane).
  std::vector<const RunResult*> lane_results(std::string_view name) const;
  std::vector<const RunResult*> array_results(std::string_view name) const;
  bool has(std::string_view name) const;
  // Per lane values of the results `name` whose extra[key] == value (all when key is empty),
  // index lane - 1, NaN where missing or dead.
  std::vector<double> lane_values(std::string_view name, std::string_view key = {}, double value = 0) const;
  // Sorted distinct numeric values of extra[key] over the results `name`.
  std::vector<double> distinct(std::string_view name, std::string_view key) const;
  // Series of a quantity, optionally for one lane (0: lane-less).
  std::vector<const db::SeriesRecord*> series_of(std::string_view quantity, std::optional<int> lane = std::nullopt) const;
};

// A full uuid or unique prefix; errors as Reader::find_run.
Result<RunData> load_run(db::Reader& reader, std::string_view uuid_or_prefix);

// Condition value of a series (its conditions JSON), NaN when absent.
double condition(const db::SeriesRecord& series, std::string_view key);

}  // namespace ledlab::report
