#include "engine/run/recorded_history.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <utility>

namespace ledlab::engine {

using nlohmann::json;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// One row as the script sees it: the list of lanes 1..lanes, or the lane-less value.
json row_values(const std::vector<double>& values, int lanes) {
  if (lanes == 0) return values[0];
  return json(std::vector<double>(values.begin() + 1, values.end()));
}

// The time span the series cover, when any holds a sample.
std::optional<std::pair<double, double>> span_of(const RecordedSeries& s) {
  std::optional<std::pair<double, double>> span;
  for (const auto& r : s.series) {
    if (!r.first_t_s || !r.last_t_s) continue;
    if (!span) span.emplace(*r.first_t_s, *r.last_t_s);
    span->first = std::min(span->first, *r.first_t_s);
    span->second = std::max(span->second, *r.last_t_s);
  }
  return span;
}

std::size_t lane_slot(const db::SeriesRecord& s) { return static_cast<std::size_t>(s.spec.lane.value_or(0)); }

// Every lane's value at exactly t_s (the first or last row).
Result<json> row_at(db::Reader& reader, const RecordedSeries& s, double t_s) {
  std::vector<double> values(static_cast<std::size_t>(s.lanes) + 1, kNaN);
  for (const auto& r : s.series) {
    auto samples = reader.samples(r.id, t_s, t_s);
    if (!samples) return fail(samples.error());
    if (!samples->empty()) values[lane_slot(r)] = samples->back().value;
  }
  return json{{"t", t_s}, {"values", row_values(values, s.lanes)}};
}

Result<json> whole(db::Reader& reader, const RecordedSeries& s) {
  std::map<double, std::map<int, double>> by_time;  // t -> lane (0: no lane) -> value
  for (const auto& r : s.series) {
    auto samples = reader.samples(r.id);
    if (!samples) return fail(samples.error());
    const int lane = r.spec.lane.value_or(0);
    for (const auto& x : *samples) by_time[x.t_s][lane] = x.value;
  }
  json t = json::array(), values = json::array();
  for (const auto& [time, row] : by_time) {
    t.push_back(time);
    if (s.lanes == 0) {
      values.push_back(row.begin()->second);
      continue;
    }
    json per_lane = json::array();
    for (int lane = 1; lane <= s.lanes; ++lane) {
      auto it = row.find(lane);
      per_lane.push_back(it == row.end() ? kNaN : it->second);
    }
    values.push_back(std::move(per_lane));
  }
  return json{{"t", t}, {"values", values}};
}

Result<json> count(db::Reader& reader, const RecordedSeries& s) {
  RowWindows windows(s);
  std::deque<RecordedRow> rows;
  std::size_t n = 0;
  for (;;) {
    auto more = windows.read_next(reader, rows);
    if (!more) return fail(more.error());
    n += rows.size();
    rows.clear();
    if (!*more) return n;
  }
}

// At most `points` rows: the buckets of Reader::decimate over the common span, so that every
// series' bucket k covers the same stretch of time.
Result<json> decimated(db::Reader& reader, const RecordedSeries& s, std::size_t points) {
  const auto span = span_of(s);
  json t = json::array(), values = json::array(), lows = json::array(), highs = json::array();
  if (!span) return json{{"t", t}, {"values", values}, {"min", lows}, {"max", highs}};
  const double width = (span->second - span->first) / static_cast<double>(points);
  struct Bucket {
    std::vector<double> mean, min, max;
  };
  std::map<std::size_t, Bucket> buckets;
  const std::size_t slots = static_cast<std::size_t>(s.lanes) + 1;
  for (const auto& r : s.series) {
    auto got = reader.decimate(r.id, points, span->first, span->second);
    if (!got) return fail(got.error());
    for (const auto& b : *got) {
      // The bucket Reader::decimate put it in: its first sample's stretch of time.
      std::size_t k = width > 0 ? static_cast<std::size_t>((b.t_first - span->first) / width) : 0;
      k = std::min(k, points - 1);
      auto [it, fresh] = buckets.try_emplace(k);
      if (fresh) it->second = Bucket{std::vector<double>(slots, kNaN), std::vector<double>(slots, kNaN),
                                     std::vector<double>(slots, kNaN)};
      const std::size_t lane = lane_slot(r);
      it->second.mean[lane] = b.mean;
      it->second.min[lane] = b.min;
      it->second.max[lane] = b.max;
    }
  }
  for (const auto& [k, b] : buckets) {
    t.push_back(span->first + (static_cast<double>(k) + 0.5) * width);
    values.push_back(row_values(b.mean, s.lanes));
    lows.push_back(row_values(b.min, s.lanes));
    highs.push_back(row_values(b.max, s.lanes));
  }
  return json{{"t", t}, {"values", values}, {"min", lows}, {"max", highs}};
}

}  // namespace

Result<RecordedQuery> parse_recorded_query(const json& query) {
  const auto refuse = [](const std::string& why) { return fail(Errc::invalid_argument, "recorded{}: " + why); };
  if (!query.is_object() || !query.contains("quantity") || !query["quantity"].is_string())
    return fail(Errc::invalid_argument, "recorded{} needs quantity = \"...\" (and optionally conditions = {...})");
  RecordedQuery q;
  q.quantity = query["quantity"].get<std::string>();
  for (const auto& [key, value] : query.items()) {
    if (key == "quantity") continue;
    if (key == "conditions") {
      if (!value.is_object() && !(value.is_array() && value.empty()))  // {} arrives as an empty list
        return refuse("conditions= must be a table of name = value");
      if (value.is_object()) q.conditions = value;
    } else if (key == "aggregate") {
      if (!value.is_string() || (value != "first" && value != "latest" && value != "count"))
        return refuse("aggregate= must be \"first\", \"latest\" or \"count\"");
      q.aggregate = value.get<std::string>();
    } else if (key == "max_points") {
      const double n = value.is_number() ? value.get<double>() : 0;
      if (!(n >= 1 && n <= static_cast<double>(kMaxRecordedPoints)) || n != std::floor(n))
        return refuse(fmt::format("max_points= must be a whole number from 1 to {}", kMaxRecordedPoints));
      q.max_points = static_cast<std::size_t>(n);
    } else {
      return refuse(fmt::format("unknown key '{}' (quantity, conditions, aggregate, max_points, each)", key));
    }
  }
  if (!q.aggregate.empty() && q.max_points > 0) return refuse("give aggregate= or max_points=, not both");
  return q;
}

Result<RecordedSeries> match_recorded_series(db::Reader& reader, db::RunId run, const RecordedQuery& query) {
  auto series = reader.series(run);
  if (!series) return fail(series.error());
  RecordedSeries out;
  for (auto& s : *series) {
    if (s.spec.quantity != query.quantity) continue;
    const json have = json::parse(s.spec.conditions_json, nullptr, false);
    bool match = true;
    for (const auto& [key, value] : query.conditions.items()) match = match && have.contains(key) && have[key] == value;
    if (!match) continue;
    out.lanes = std::max(out.lanes, s.spec.lane.value_or(0));
    out.series.push_back(std::move(s));
  }
  return out;
}

Result<json> read_recorded(db::Reader& reader, db::RunId run, const RecordedQuery& query) {
  auto s = match_recorded_series(reader, run, query);
  if (!s) return fail(s.error());
  if (query.max_points > 0) return decimated(reader, *s, query.max_points);
  if (query.aggregate == "count") return count(reader, *s);
  if (query.aggregate == "first" || query.aggregate == "latest") {
    const auto span = span_of(*s);
    if (!span) return json();
    return row_at(reader, *s, query.aggregate == "first" ? span->first : span->second);
  }
  return whole(reader, *s);
}

RowWindows::RowWindows(RecordedSeries series) : series_(std::move(series)) {
  const auto span = span_of(series_);
  if (!span) {
    done_ = true;
    return;
  }
  std::int64_t most = 1;
  for (const auto& r : series_.series) most = std::max(most, r.sample_count);
  from_s_ = span->first;
  end_s_ = span->second;
  width_s_ = (end_s_ - from_s_) * static_cast<double>(kRowsPerWindow) / static_cast<double>(most);
}

Result<bool> RowWindows::read_next(db::Reader& reader, std::deque<RecordedRow>& out) {
  if (done_) return false;
  double to_s = from_s_ + width_s_;
  if (!(to_s > from_s_)) to_s = std::nextafter(from_s_, kInf);  // a width under the times' resolution
  const bool last = to_s >= end_s_;
  // [from, to): Reader bounds are inclusive, so the window ends just before `to`.
  const double read_to_s = last ? end_s_ : std::nextafter(to_s, -kInf);
  const std::size_t slots = static_cast<std::size_t>(series_.lanes) + 1;
  std::map<double, std::vector<double>> rows;
  for (const auto& r : series_.series) {
    const std::size_t lane = lane_slot(r);
    auto st = reader.for_each_sample_run(r.id, from_s_, read_to_s, [&](std::span<const double> t, std::span<const double> v) {
      for (std::size_t i = 0; i < t.size(); ++i) {
        auto [it, fresh] = rows.try_emplace(t[i]);
        if (fresh) it->second.assign(slots, kNaN);
        it->second[lane] = v[i];
      }
    });
    if (!st) return fail(st.error());
  }
  // The next window aims at kRowsPerWindow rows again, growing at most twofold over a gap.
  const double got = static_cast<double>(rows.size());
  width_s_ *= std::clamp(static_cast<double>(kRowsPerWindow) / std::max(got, 1.0), 0.25, 2.0);
  for (auto& [t, values] : rows) out.push_back({t, std::move(values)});
  from_s_ = to_s;
  done_ = last;
  return !done_;
}

Result<std::unique_ptr<RecordedRows>> RecordedRows::open(const std::filesystem::path& db, db::RunId run,
                                                         const RecordedQuery& query) {
  if (!query.aggregate.empty() || query.max_points > 0)
    return fail(Errc::invalid_argument, "recorded{}: each= streams every reading: give it without aggregate= or max_points=");
  auto reader = db::Reader::open(db);
  if (!reader) return fail(reader.error());
  // A stream reads each page once: a page cache as large as the store's own connections keep
  // (PRAGMA cache_size, SQLite docs) would only hold pages it never reads again, tens of MiB
  // for a weeks-long history. A few MiB (a negative cache_size is in KiB) are enough.
  if (auto st = reader->connection().exec("PRAGMA cache_size = -4096"); !st) return fail(st.error());
  auto series = match_recorded_series(*reader, run, query);
  if (!series) return fail(series.error());
  return std::unique_ptr<RecordedRows>(new RecordedRows(std::move(*reader), std::move(*series)));
}

RecordedRows::RecordedRows(db::Reader reader, RecordedSeries series)
    : reader_(std::move(reader)), lanes_(series.lanes), windows_(std::move(series)) {}

Result<json> RecordedRows::next(std::size_t max_rows) {
  while (pending_.empty()) {
    auto more = windows_.read_next(reader_, pending_);
    if (!more) return fail(more.error());
    if (!*more && pending_.empty()) return json();
  }
  json t = json::array(), values = json::array();
  for (std::size_t n = 0; n < max_rows && !pending_.empty(); ++n) {
    t.push_back(pending_.front().t_s);
    values.push_back(row_values(pending_.front().values, lanes_));
    pending_.pop_front();
  }
  return json{{"t", t}, {"values", values}};
}

}  // namespace ledlab::engine
