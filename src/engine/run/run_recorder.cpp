#include "engine/run/run_recorder.hpp"

#include "db/json_text.hpp"
#include "db/reader.hpp"
#include "engine/run/recorded_history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
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

// Script mistakes in record{} / result{}: raised in the script at the calling line.
[[noreturn]] void refuse(const std::string& message) { throw std::invalid_argument(message); }

std::string text_field(const json& r, const char* key, std::string_view call, bool required) {
  if (!r.contains(key)) {
    if (required) refuse(fmt::format("{}: {}= is missing", call, key));
    return {};
  }
  if (!r[key].is_string()) refuse(fmt::format("{}: {}= must be a string", call, key));
  return r[key].get<std::string>();
}

// A number the store keeps: finite (SQLite keeps a NaN as NULL, which the schema refuses, and
// the whole batch with it). `what` says which, e.g. "record{optical_power}: lane 17".
double finite(const json& v, const std::string& what) {
  if (!v.is_number()) refuse(fmt::format("{}: expected a number, not {}", what, v.is_null() ? "nil" : v.type_name()));
  const double x = v.get<double>();
  if (!std::isfinite(x)) refuse(fmt::format("{}: {} is not a finite number", what, x));
  return x;
}

// Conditions key a series: every number in them finite too (a NaN would be stored as null).
void check_conditions(const json& v, const std::string& what) {
  if (v.is_number()) {
    (void)finite(v, what);
  } else if (v.is_object()) {
    for (const auto& [k, item] : v.items()) check_conditions(item, what + "." + k);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) check_conditions(v[i], fmt::format("{}[{}]", what, i + 1));
  }
}

std::optional<int> lane_of(const json& r, const std::string& what) {
  if (!r.contains("lane")) return std::nullopt;
  const double x = finite(r["lane"], what + ": lane");
  if (x != std::floor(x) || x < 1 || x > RunRecorder::kMaxLane)
    refuse(fmt::format("{}: lane {} is not a whole number from 1 to {}", what, x, RunRecorder::kMaxLane));
  return static_cast<int>(x);
}

}  // namespace

void RunRecorder::record(const json& r) {
  if (!r.is_object()) refuse("record{} needs a table with quantity, unit and value or values");
  const std::string quantity = text_field(r, "quantity", "record{}", true);
  const std::string what = fmt::format("record{{{}}}", quantity);
  const std::string unit = text_field(r, "unit", what, false);
  if (r.contains("conditions") && !r["conditions"].is_object())
    refuse(what + ": conditions= must be a table of name = value");
  if (r.contains("conditions")) check_conditions(r["conditions"], what + ": conditions");
  const json given = r.contains("conditions") ? r["conditions"] : json::object();
  const std::string conditions = db::json_text(given), key_conditions = key_text(given);
  const double t = clock_->now_s();
  // One record{} reaches the store in one piece: a crash keeps all of its values or none.
  // Every value is checked before the first is queued, so a bad lane refuses the call whole.
  std::vector<std::pair<std::optional<int>, double>> checked;  // lane, value
  if (r.contains("values")) {
    const auto& values = r["values"];
    if (!values.is_array()) refuse(what + ": values= must be a list, one per lane");
    if (values.size() > static_cast<std::size_t>(kMaxLane)) refuse(fmt::format("{}: more than {} lanes", what, kMaxLane));
    if (r.contains("lane")) refuse(what + ": give lane= with value=, not with values= (the list is lanes 1..n)");
    checked.reserve(values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      checked.emplace_back(static_cast<int>(i + 1), finite(values[i], fmt::format("{}: lane {}", what, i + 1)));
  } else if (r.contains("value")) {
    const auto lane = lane_of(r, what);
    checked.emplace_back(lane, finite(r["value"], lane ? fmt::format("{}: lane {}", what, *lane) : what + ": value"));
  } else {
    refuse(what + ": give value= or values=");
  }
  std::vector<db::Sample> batch = samples(checked, quantity, unit, conditions, key_conditions, t);
  if (auto st = store_.append(batch); !st) throw std::runtime_error(st.error().describe());
  ++records_;
}

void RunRecorder::result(const json& r) {
  if (!r.is_object()) refuse("result{} needs a table with name= and value=");
  db::ResultRecord rec;
  rec.name = text_field(r, "name", "result{}", true);
  const std::string what = fmt::format("result{{{}}}", rec.name);
  // A misspelt key (qualifer=, uper=) would otherwise be dropped and the figure stored without it.
  static constexpr std::array kKeys{"name", "lane", "value", "unit", "lower", "upper", "qualifier", "dead", "extra"};
  for (const auto& [key, ignored] : r.items())
    if (std::ranges::find(kKeys, std::string_view(key)) == kKeys.end())
      refuse(fmt::format("{}: unknown key {}= (known: name, lane, value, unit, lower, upper, qualifier, dead, extra)", what, key));
  rec.lane = lane_of(r, what);
  const std::string where = rec.lane ? fmt::format("{}: lane {}", what, *rec.lane) : what;
  if (!r.contains("value")) refuse(what + ": value= is missing");
  rec.value = finite(r["value"], where + ": value");
  rec.unit = text_field(r, "unit", what, false);
  if (r.contains("lower")) rec.lower_limit = finite(r["lower"], where + ": lower");
  if (r.contains("upper")) rec.upper_limit = finite(r["upper"], where + ": upper");
  if (r.contains("extra")) rec.extra_json = db::json_text(r["extra"]);
  if (r.contains("qualifier")) {
    // ">": the value is a lower bound on the figure (a lifetime capped at the projection
    // limit); "<": an upper bound. Anything else would print a figure that is not one.
    const auto& q = r["qualifier"];
    const std::string text = q.is_string() ? q.get<std::string>() : std::string();
    if (text != ">" && text != "<")
      refuse(fmt::format("{}: qualifier= must be \">\" (the value is a lower bound) or \"<\" (an upper bound), not {}", where,
                         q.dump()));
    rec.qualifier = text == ">" ? db::Qualifier::at_least : db::Qualifier::at_most;
  }
  if (r.contains("dead")) {
    if (!r["dead"].is_boolean()) refuse(fmt::format("{}: dead= must be true or false, not {}", where, r["dead"].dump()));
    // A dead lane gave no signal: its result is counted dead, never pass or fail.
    if (r["dead"].get<bool>()) rec.verdict = db::Verdict::dead;
  }
  // Posted: the store's writer commits it; a refusal shows at the next flush() or checkpoint.
  if (auto st = store_.post_result(run_, std::move(rec)); !st) throw std::runtime_error(st.error().describe());
  ++results_;
}

Status RunRecorder::flush() {
  if (auto st = store_.flush(); !st)
    return fail(st.error().code, fmt::format("the store did not keep what the run recorded: {}", st.error().describe()));
  return {};
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

std::vector<db::Sample> RunRecorder::samples(const std::vector<std::pair<std::optional<int>, double>>& values,
                                             const std::string& quantity, const std::string& unit,
                                             const std::string& conditions, const std::string& key_conditions,
                                             double t) {
  // The series this call needs that the run has not declared yet go to the store in one post
  // (one transaction: a sweep's lanes are declared together), without waiting for their ids.
  std::vector<std::map<std::string, db::SeriesId>::iterator> slots(values.size());
  std::vector<db::SeriesSpec> missing;
  std::vector<std::size_t> missing_at;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto lane = values[i].first;
    auto [it, added] = series_.try_emplace(key(lane, quantity, unit, key_conditions), 0);
    slots[i] = it;
    if (!added) continue;
    missing.push_back(db::SeriesSpec{lane, quantity, unit, conditions});
    missing_at.push_back(i);
  }
  if (!missing.empty()) {
    auto handles = store_.post_series(run_, std::move(missing));
    if (!handles) {
      for (std::size_t i : missing_at) series_.erase(slots[i]);
      throw std::runtime_error(handles.error().describe());
    }
    for (std::size_t k = 0; k < missing_at.size(); ++k) slots[missing_at[k]]->second = (*handles)[k];
  }
  std::vector<db::Sample> out;
  out.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out.push_back(db::Sample{slots[i]->second, t, values[i].second});
  return out;
}

// recorded{} and recorded{..., each=} read what is committed: everything recorded before them.
Result<json> RunRecorder::recorded(const std::filesystem::path& db, const json& query) {
  auto q = parse_recorded_query(query);
  if (!q) return fail(q.error());
  if (auto st = store_.flush(); !st) return fail(st.error());
  auto reader = db::Reader::open(db);
  if (!reader) return fail(reader.error());
  return read_recorded(*reader, run_, *q);
}

Result<std::unique_ptr<RecordedRows>> RunRecorder::recorded_rows(const std::filesystem::path& db, const json& query) {
  auto q = parse_recorded_query(query);
  if (!q) return fail(q.error());
  if (auto st = store_.flush(); !st) return fail(st.error());
  return RecordedRows::open(db, run_, *q);
}

}  // namespace ledlab::engine
