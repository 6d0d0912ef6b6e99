#include "report/run_data.hpp"

#include "engine/station_config.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace ledlab::report {
namespace {

nlohmann::json parse_object(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

// The lane layout from the station's [bench.array] rows x cols, if it has one.
viz::LaneLayout station_layout(const std::string& station_json, int lanes) {
  const auto station = nlohmann::json::parse(station_json, nullptr, false);
  int rows = 0, cols = 0;
  if (station.is_object() && station.contains("text") && station["text"].is_string()) {
    // A simulated station says its layout in [bench.array]; without one the bench's default
    // array is used, so only a station that parses and has a bench counts.
    auto parsed = engine::parse_station(station["text"].get<std::string>(), station.value("source", "station"));
    if (parsed && parsed->bench.is_object()) {
      const auto array = parsed->bench.value("array", nlohmann::json::object());
      rows = array.value("rows", 0);
      cols = array.value("cols", 0);
    }
  }
  return viz::LaneLayout::grid(lanes, rows, cols);
}

}  // namespace

std::vector<const RunResult*> RunData::lane_results(std::string_view name) const {
  std::vector<const RunResult*> out;
  for (const auto& r : results)
    if (r.record.name == name && r.record.lane) out.push_back(&r);
  return out;
}

std::vector<const RunResult*> RunData::array_results(std::string_view name) const {
  std::vector<const RunResult*> out;
  for (const auto& r : results)
    if (r.record.name == name && !r.record.lane) out.push_back(&r);
  return out;
}

bool RunData::has(std::string_view name) const {
  return std::ranges::any_of(results, [&](const RunResult& r) { return r.record.name == name; });
}

std::vector<double> RunData::lane_values(std::string_view name, std::string_view key, double value) const {
  std::vector<double> out(static_cast<std::size_t>(std::max(lanes, 0)), std::nan(""));
  for (const auto* r : lane_results(name)) {
    if (!key.empty() && !(r->extra.contains(key) && r->extra[std::string(key)].is_number() &&
                          r->extra[std::string(key)].get<double>() == value))
      continue;
    const int lane = *r->record.lane;
    if (lane >= 1 && lane <= lanes && !r->dead()) out[static_cast<std::size_t>(lane - 1)] = r->record.value;
  }
  return out;
}

std::vector<double> RunData::distinct(std::string_view name, std::string_view key) const {
  std::set<double> values;
  for (const auto& r : results)
    if (r.record.name == name && r.extra.contains(key) && r.extra[std::string(key)].is_number())
      values.insert(r.extra[std::string(key)].get<double>());
  return {values.begin(), values.end()};
}

std::vector<const db::SeriesRecord*> RunData::series_of(std::string_view quantity, std::optional<int> lane) const {
  std::vector<const db::SeriesRecord*> out;
  for (const auto& s : series) {
    if (s.spec.quantity != quantity) continue;
    if (lane && s.spec.lane.value_or(0) != *lane) continue;
    out.push_back(&s);
  }
  return out;
}

double condition(const db::SeriesRecord& series, std::string_view key) {
  const auto c = parse_object(series.spec.conditions_json);
  return c.contains(key) && c[std::string(key)].is_number() ? c[std::string(key)].get<double>() : std::nan("");
}

Result<RunData> load_run(db::Reader& reader, std::string_view uuid_or_prefix) {
  auto run = reader.find_run(uuid_or_prefix);
  if (!run) return fail(run.error());
  RunData d;
  d.run = std::move(*run);
  d.parameters = parse_object(d.run.parameters_json);
  auto instruments = reader.instruments(d.run.id);
  if (!instruments) return fail(instruments.error());
  d.instruments = std::move(*instruments);
  auto results = reader.results(d.run.id);
  if (!results) return fail(results.error());
  for (auto& r : *results) {
    if (r.lane) d.lanes = std::max(d.lanes, *r.lane);
    nlohmann::json extra = parse_object(r.extra_json);
    d.results.push_back({std::move(r), std::move(extra)});
  }
  auto series = reader.series(d.run.id);
  if (!series) return fail(series.error());
  d.series = std::move(*series);
  for (const auto& s : d.series)
    if (s.spec.lane) d.lanes = std::max(d.lanes, *s.spec.lane);
  auto events = reader.events(d.run.id);
  if (!events) return fail(events.error());
  d.events = std::move(*events);
  // Where the DUT says its lanes are; a DUT the store does not know (or whose table cannot
  // place every lane) gets the station's grid.
  std::optional<viz::LaneLayout> from_dut;
  if (!d.run.dut_serial.empty())
    if (auto dut = reader.dut(d.run.dut_serial)) from_dut = viz::LaneLayout::from_table(dut->lanes, d.lanes);
  d.layout = from_dut ? std::move(*from_dut) : station_layout(d.run.station_json, d.lanes);
  return d;
}

}  // namespace ledlab::report
