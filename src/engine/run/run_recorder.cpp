#include "engine/run/run_recorder.hpp"

#include "db/json_text.hpp"
#include "db/reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>

namespace ledlab::engine {

using nlohmann::json;

namespace {

// Lua 5.4 converts a float with an integral value to an integer when it is a table key
// (reference manual section 2.1), and 85 == 85.0: a condition is the same whether the script
// got 85 or 85.0, so the series key writes every such float as the integer.
json canonical(const json& v) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return json(static_cast<std::int64_t>(d));
    return v;
  }
  if (!v.is_structured()) return v;
  json out = v;
  for (auto& item : out) item = canonical(item);
  return out;
}

std::string key_text(const json& conditions) { return db::json_text(canonical(conditions)); }

}  // namespace

void RunRecorder::record(const json& r) {
  if (!r.is_object() || !r.contains("quantity"))
    throw std::invalid_argument("record{} needs a table with quantity, unit and value or values");
  const std::string quantity = r["quantity"].get<std::string>();
  const std::string unit = r.value("unit", "");
  const json given = r.contains("conditions") ? r["conditions"] : json::object();
  const std::string conditions = db::json_text(given), key_conditions = key_text(given);
  const double t = clock_->now_s();
  // One record{} reaches the store in one piece: a crash keeps all of its values or none.
  std::vector<db::Sample> batch;
  if (r.contains("values")) {
    const auto& values = r["values"];
    if (!values.is_array()) throw std::invalid_argument("record{}: values must be a list, one per lane");
    batch.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      batch.push_back(sample(static_cast<int>(i + 1), quantity, unit, conditions, key_conditions, t, values[i]));
  } else if (r.contains("value")) {
    std::optional<int> lane;
    if (r.contains("lane")) lane = r["lane"].get<int>();
    batch.push_back(sample(lane, quantity, unit, conditions, key_conditions, t, r["value"]));
  } else {
    throw std::invalid_argument("record{}: give value= or values=");
  }
  if (auto st = store_.append(batch); !st) throw std::runtime_error(st.error().describe());
  ++records_;
}

void RunRecorder::result(const json& r) {
  if (!r.is_object() || !r.contains("name") || !r.contains("value") || !r["value"].is_number())
    throw std::invalid_argument("result{} needs name= and a numeric value=");
  db::ResultRecord rec;
  rec.name = r["name"].get<std::string>();
  rec.value = r["value"].get<double>();
  rec.unit = r.value("unit", "");
  if (r.contains("lane")) rec.lane = r["lane"].get<int>();
  if (r.contains("lower")) rec.lower_limit = r["lower"].get<double>();
  if (r.contains("upper")) rec.upper_limit = r["upper"].get<double>();
  if (r.contains("extra")) rec.extra_json = db::json_text(r["extra"]);
  auto id = store_.record_result(run_, rec);
  if (!id) throw std::runtime_error(id.error().describe());
  ++results_;
}

std::string RunRecorder::key(std::optional<int> lane, const std::string& quantity, const std::string& unit,
                             const std::string& conditions) {
  return fmt::format("{}|{}|{}|{}", lane.value_or(0), quantity, unit, conditions);
}

void RunRecorder::adopt(const std::vector<db::SeriesRecord>& series) {
  for (const auto& s : series)
    series_.emplace(key(s.spec.lane, s.spec.quantity, s.spec.unit,
                        key_text(json::parse(s.spec.conditions_json, nullptr, false))),
                    s.id);
}

db::Sample RunRecorder::sample(std::optional<int> lane, const std::string& quantity, const std::string& unit,
                               const std::string& conditions, const std::string& key_conditions, double t,
                               const json& value) {
  if (!value.is_number()) throw std::invalid_argument("record{}: values must be numbers");
  auto it = series_.find(key(lane, quantity, unit, key_conditions));
  if (it == series_.end()) {
    auto id = store_.declare_series(run_, db::SeriesSpec{lane, quantity, unit, conditions});
    if (!id) throw std::runtime_error(id.error().describe());
    it = series_.emplace(key(lane, quantity, unit, key_conditions), *id).first;
  }
  return db::Sample{it->second, t, value.get<double>()};
}

// {t = {t1, t2, ...}, values = {...}}: for per-lane series, values[k] is the list of every
// lane's value at t[k] (lane order, NaN where a lane has none); otherwise values[k] is a number.
Result<json> RunRecorder::recorded(const std::filesystem::path& db, const json& query) {
  if (!query.is_object() || !query.contains("quantity") || !query["quantity"].is_string())
    return fail(Errc::invalid_argument, "recorded{} needs quantity = \"...\" (and optionally conditions = {...})");
  const std::string quantity = query["quantity"].get<std::string>();
  const json want = query.value("conditions", json::object());
  if (auto st = store_.flush(); !st) return fail(st.error());
  auto reader = db::Reader::open(db);
  if (!reader) return fail(reader.error());
  auto series = reader->series(run_);
  if (!series) return fail(series.error());
  std::map<double, std::map<int, double>> by_time;  // t -> lane (0: no lane) -> value
  int lanes = 0;
  for (const auto& s : *series) {
    if (s.spec.quantity != quantity) continue;
    const json have = json::parse(s.spec.conditions_json, nullptr, false);
    bool match = true;
    for (const auto& [key, value] : want.items()) match = match && have.contains(key) && have[key] == value;
    if (!match) continue;
    auto samples = reader->samples(s.id);
    if (!samples) return fail(samples.error());
    const int lane = s.spec.lane.value_or(0);
    lanes = std::max(lanes, lane);
    for (const auto& x : *samples) by_time[x.t_s][lane] = x.value;
  }
  json t = json::array(), values = json::array();
  for (const auto& [time, row] : by_time) {
    t.push_back(time);
    if (lanes == 0) {
      values.push_back(row.begin()->second);
      continue;
    }
    json per_lane = json::array();
    for (int lane = 1; lane <= lanes; ++lane) {
      auto it = row.find(lane);
      per_lane.push_back(it == row.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
    }
    values.push_back(std::move(per_lane));
  }
  return json{{"t", t}, {"values", values}};
}

}  // namespace ledlab::engine
