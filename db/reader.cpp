#include "db/reader.hpp"

#include "db/rows.hpp"
#include "db/schema.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>

namespace ledlab::db {

RunRecord run_from_row(const Statement& st) {
  RunRecord r;
  r.id = st.column_int(0);
  r.uuid = st.column_text(1);
  r.sequence = st.column_text(2);
  r.script_text = st.column_text(3);
  r.script_sha256 = st.column_text(4);
  r.parameters_json = st.column_text(5);
  r.station_json = st.column_text(6);
  r.operator_name = st.column_text(7);
  r.dut_serial = st.column_text(8);
  r.host = st.column_text(9);
  r.ledlab_version = st.column_text(10);
  r.started_s = st.column_double(11);
  r.ended_s = st.column_opt_double(12);
  r.status = parse_run_status(st.column_text(13)).value_or(RunStatus::failed);
  r.owner_pid = st.column_int(14);
  r.owner_token = st.column_text(15);
  return r;
}

namespace {

// Runs `st` to completion, decoding each row with `decode`.
template <class T, class Decode>
Result<std::vector<T>> collect(Statement& st, Decode decode) {
  std::vector<T> out;
  for (;;) {
    auto row = st.step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(decode(st));
  }
}

std::string escape_like(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

constexpr const char* kSeriesSamples =
    "SELECT s.series_id, s.t_s, s.value FROM sample_blocks b "
    "JOIN samples s ON s.sample_id BETWEEN b.first_sample AND b.last_sample "
    "WHERE b.series_id = ?1 AND s.series_id = ?1 AND b.t_max >= ?2 AND b.t_min <= ?3 AND s.t_s BETWEEN ?2 AND ?3 "
    "ORDER BY b.block_id, s.sample_id";

Sample sample_from_row(const Statement& st) { return {st.column_int(0), st.column_double(1), st.column_double(2)}; }

}  // namespace

namespace {

// SQLite docs, "Write-Ahead Logging" section 5 (read-only databases): a WAL-mode file can be
// read without write access only if its -shm and -wal exist already, or the directory lets
// SQLite create them, or the connection is immutable. Opening fails with SQLITE_READONLY_*
// or SQLITE_CANTOPEN otherwise.
bool needs_immutable(int extended_code) {
  const int primary = extended_code & 0xff;
  return primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN;
}

bool has_pending_log(const std::filesystem::path& path) {
  auto wal = path;
  wal += "-wal";
  std::error_code ec;
  const auto size = std::filesystem::file_size(wal, ec);
  return !ec && size > 0;
}

}  // namespace

Result<Reader> Reader::open(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return fail(Errc::not_found, fmt::format("no results store at {}", path.string()));
  const auto in_file = [&](Error e) {
    e.message = fmt::format("results store {}: {}", path.string(), e.message);
    return fail(std::move(e));
  };
  auto conn = Connection::open(path.string(), Connection::Mode::read_only);
  if (!conn) return in_file(conn.error());
  auto version = schema_version(*conn);
  if (!version && needs_immutable(conn->last_error_code())) {
    // Read-only media: nothing can change the file, so reading it as immutable is exact, as
    // long as no write-ahead log holds commits the file itself does not have yet.
    if (has_pending_log(path))
      return in_file(make_error(
          Errc::storage, fmt::format("cannot read it where it is ({}), and its -wal file holds commits not yet in the "
                                     "database file; copy the file with its -wal to a writable directory",
                                     version.error().message)));
    conn = Connection::open(path.string(), Connection::Mode::immutable);
    if (!conn) return in_file(conn.error());
    version = schema_version(*conn);
  }
  if (!version) return in_file(version.error());
  if (*version != kSchemaVersion)
    return fail(Errc::storage, fmt::format("unsupported: {} has schema version {}, this ledlab reads {} "
                                           "(open it for writing once to migrate)",
                                           path.string(), *version, kSchemaVersion));
  return Reader(std::move(*conn));
}

Result<std::vector<RunRecord>> Reader::list_runs(const RunFilter& f) {
  std::string sql = fmt::format(
      "SELECT {} FROM runs WHERE (?1 IS NULL OR dut_serial = ?1) AND (?2 IS NULL OR sequence = ?2) "
      "AND (?3 IS NULL OR status = ?3) ORDER BY started_s DESC, run_id DESC",
      kRunColumns);
  if (f.limit > 0) sql += fmt::format(" LIMIT {}", f.limit);
  auto st = conn_.prepare(sql);
  if (!st) return fail(st.error());
  st->bind(1, f.dut_serial).bind(2, f.sequence);
  if (f.status) st->bind(3, to_string(*f.status));
  return collect<RunRecord>(*st, run_from_row);
}

Result<RunRecord> Reader::find_run(std::string_view key) {
  if (key.empty()) return fail(Errc::invalid_argument, "empty run id");
  auto st = conn_.prepare(fmt::format("SELECT {} FROM runs WHERE uuid LIKE ?1 ESCAPE '\\' LIMIT 2", kRunColumns));
  if (!st) return fail(st.error());
  st->bind(1, escape_like(key) + "%");
  auto rows = collect<RunRecord>(*st, run_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(Errc::not_found, fmt::format("no run matches '{}'", key));
  if (rows->size() > 1) {
    // A full uuid is never ambiguous even if it prefixes nothing else; only prefixes are.
    auto exact = std::find_if(rows->begin(), rows->end(), [&](const RunRecord& r) { return r.uuid == key; });
    if (exact != rows->end()) return *exact;
    return fail(Errc::invalid_argument, fmt::format("'{}' matches more than one run; give more of the uuid", key));
  }
  return std::move(rows->front());
}

Result<RunRecord> Reader::run(RunId id) {
  auto st = conn_.prepare(fmt::format("SELECT {} FROM runs WHERE run_id = ?1", kRunColumns));
  if (!st) return fail(st.error());
  st->bind(1, id);
  auto rows = collect<RunRecord>(*st, run_from_row);
  if (!rows) return fail(rows.error());
  if (rows->empty()) return fail(Errc::not_found, fmt::format("no run with id {}", id));
  return std::move(rows->front());
}

Result<RunTotals> Reader::totals(RunId run) {
  auto st = conn_.prepare(
      "SELECT (SELECT count(*) FROM series WHERE run_id = ?1), "
      "(SELECT coalesce(sum(b.n), 0) FROM sample_blocks b JOIN series s USING(series_id) WHERE s.run_id = ?1), "
      "(SELECT count(*) FROM results WHERE run_id = ?1), "
      "(SELECT count(*) FROM results WHERE run_id = ?1 AND pass = 0), "
      "(SELECT count(*) FROM events WHERE run_id = ?1), "
      "(SELECT count(*) FROM events WHERE run_id = ?1 AND kind IN ('alarm','fault')), "
      "(SELECT count(*) FROM superseded_samples WHERE series_id IN (SELECT series_id FROM series WHERE run_id = ?1)), "
      "(SELECT count(*) FROM superseded_results WHERE run_id = ?1)");
  if (!st) return fail(st.error());
  st->bind(1, run);
  auto row = st->step();
  if (!row) return fail(row.error());
  return RunTotals{st->column_int(0), st->column_int(1), st->column_int(2), st->column_int(3),
                   st->column_int(4), st->column_int(5), st->column_int(6), st->column_int(7)};
}

Result<std::vector<InstrumentRecord>> Reader::instruments(RunId run) {
  auto st = conn_.prepare(
      "SELECT instrument_id, name, kind, resource, idn, settings FROM instruments WHERE run_id = ?1 "
      "ORDER BY instrument_id");
  if (!st) return fail(st.error());
  st->bind(1, run);
  return collect<InstrumentRecord>(*st, [](const Statement& s) {
    return InstrumentRecord{s.column_int(0), s.column_text(1), s.column_text(2),
                            s.column_text(3), s.column_text(4), s.column_text(5)};
  });
}

Result<std::vector<SeriesRecord>> Reader::series(RunId run) {
  auto st = conn_.prepare(
      "SELECT s.series_id, s.run_id, s.lane, s.quantity, s.unit, s.conditions, "
      "coalesce(sum(b.n), 0), min(b.t_min), max(b.t_max) "
      "FROM series s LEFT JOIN sample_blocks b USING(series_id) WHERE s.run_id = ?1 "
      "GROUP BY s.series_id ORDER BY s.series_id");
  if (!st) return fail(st.error());
  st->bind(1, run);
  return collect<SeriesRecord>(*st, [](const Statement& s) {
    SeriesRecord r;
    r.id = s.column_int(0);
    r.run_id = s.column_int(1);
    if (auto lane = s.column_opt_int(2)) r.spec.lane = static_cast<int>(*lane);
    r.spec.quantity = s.column_text(3);
    r.spec.unit = s.column_text(4);
    r.spec.conditions_json = s.column_text(5);
    r.sample_count = s.column_int(6);
    r.first_t_s = s.column_opt_double(7);
    r.last_t_s = s.column_opt_double(8);
    return r;
  });
}

Result<DutRecord> Reader::dut(const std::string& serial) {
  auto st = conn_.prepare("SELECT serial, description, info FROM duts WHERE serial = ?1");
  if (!st) return fail(st.error());
  st->bind(1, serial);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::not_found, fmt::format("no DUT '{}'", serial));
  DutRecord d{st->column_text(0), st->column_text(1), st->column_text(2), {}};
  auto lanes = conn_.prepare("SELECT lane, row, col, label FROM lanes WHERE dut_serial = ?1 ORDER BY lane");
  if (!lanes) return fail(lanes.error());
  lanes->bind(1, serial);
  auto rows = collect<LaneRecord>(*lanes, [](const Statement& s) {
    LaneRecord l;
    l.lane = static_cast<int>(s.column_int(0));
    if (auto r = s.column_opt_int(1)) l.row = static_cast<int>(*r);
    if (auto c = s.column_opt_int(2)) l.col = static_cast<int>(*c);
    l.label = s.column_text(3);
    return l;
  });
  if (!rows) return fail(rows.error());
  d.lanes = std::move(*rows);
  return d;
}

Result<std::vector<Sample>> Reader::samples(SeriesId series, double from_s, double to_s) {
  auto st = conn_.prepare(kSeriesSamples);
  if (!st) return fail(st.error());
  st->bind(1, series).bind(2, from_s).bind(3, to_s);
  return collect<Sample>(*st, sample_from_row);
}

Result<std::vector<Sample>> Reader::latest_samples(SeriesId series, std::size_t count) {
  auto st = conn_.prepare(
      "SELECT s.series_id, s.t_s, s.value FROM sample_blocks b "
      "JOIN samples s ON s.sample_id BETWEEN b.first_sample AND b.last_sample "
      "WHERE b.series_id = ?1 AND s.series_id = ?1 ORDER BY b.block_id DESC, s.sample_id DESC LIMIT ?2");
  if (!st) return fail(st.error());
  st->bind(1, series).bind(2, static_cast<std::int64_t>(count));
  auto rows = collect<Sample>(*st, sample_from_row);
  if (rows) std::reverse(rows->begin(), rows->end());
  return rows;
}

Status Reader::for_each_sample(SeriesId series, const std::function<void(const Sample&)>& visit) {
  auto st = conn_.prepare(kSeriesSamples);
  if (!st) return fail(st.error());
  st->bind(1, series).bind(2, -std::numeric_limits<double>::infinity()).bind(3, std::numeric_limits<double>::infinity());
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return {};
    visit(sample_from_row(*st));
  }
}

Status Reader::for_each_sample_run(SeriesId series, double from_s, double to_s, const SampleRunVisitor& visit) {
  auto st = conn_.prepare(kSeriesSamples);
  if (!st) return fail(st.error());
  st->bind(1, series).bind(2, from_s).bind(3, to_s);
  std::vector<double> t, v;
  const auto emit = [&] {
    if (!t.empty()) visit(t, v);
    t.clear();
    v.clear();
  };
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    t.push_back(st->column_double(1));
    v.push_back(st->column_double(2));
    if (t.size() == 4096) emit();
  }
  emit();
  return {};
}

Result<std::vector<SampleBucket>> Reader::decimate(SeriesId series, std::size_t max_buckets, double from_s, double to_s) {
  if (max_buckets == 0) return fail(Errc::invalid_argument, "decimate: max_buckets must be at least 1");
  if (std::isnan(from_s) || std::isnan(to_s)) return fail(Errc::invalid_argument, "decimate: a bound is NaN");
  if (!std::isfinite(from_s) || !std::isfinite(to_s)) {
    auto span = conn_.prepare("SELECT min(t_min), max(t_max) FROM sample_blocks WHERE series_id = ?1");
    if (!span) return fail(span.error());
    span->bind(1, series);
    auto row = span->step();
    if (!row) return fail(row.error());
    if (!*row || !span->column_opt_double(0)) return std::vector<SampleBucket>{};
    if (!std::isfinite(from_s)) from_s = std::max(from_s, span->column_double(0));
    if (!std::isfinite(to_s)) to_s = std::min(to_s, span->column_double(1));
  }
  std::vector<SampleBucket> out;
  if (!(from_s <= to_s)) return out;
  const double width = (to_s - from_s) / static_cast<double>(max_buckets);
  std::size_t current = max_buckets;  // none yet
  double sum = 0;
  const auto close = [&] {
    if (current != max_buckets) out.back().mean = sum / static_cast<double>(out.back().n);
  };
  auto st = for_each_sample_run(series, from_s, to_s, [&](std::span<const double> t, std::span<const double> v) {
    for (std::size_t i = 0; i < t.size(); ++i) {
      std::size_t k = width > 0 ? static_cast<std::size_t>((t[i] - from_s) / width) : 0;
      k = std::min(k, max_buckets - 1);
      if (k != current) {
        close();
        current = k;
        sum = 0;
        out.push_back({t[i], t[i], 0, v[i], v[i], 0, v[i], v[i]});
      }
      SampleBucket& b = out.back();
      b.t_last = t[i];
      ++b.n;
      b.min = std::min(b.min, v[i]);
      b.max = std::max(b.max, v[i]);
      b.last = v[i];
      sum += v[i];
    }
  });
  if (!st) return fail(st.error());
  close();
  return out;
}

Result<std::vector<ResultRecord>> Reader::results(RunId run) {
  auto st = conn_.prepare(
      "SELECT result_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, t_s FROM results "
      "WHERE run_id = ?1 ORDER BY result_id");
  if (!st) return fail(st.error());
  st->bind(1, run);
  return collect<ResultRecord>(*st, [](const Statement& s) {
    ResultRecord r;
    r.id = s.column_int(0);
    r.name = s.column_text(1);
    if (auto lane = s.column_opt_int(2)) r.lane = static_cast<int>(*lane);
    r.value = s.column_double(3);
    r.unit = s.column_text(4);
    r.lower_limit = s.column_opt_double(5);
    r.upper_limit = s.column_opt_double(6);
    if (auto p = s.column_opt_int(7)) r.pass = *p != 0;
    r.extra_json = s.column_text(8);
    r.t_s = s.column_double(9);
    return r;
  });
}

Result<std::vector<EventRecord>> Reader::events(RunId run, std::int64_t after_event_id) {
  auto st = conn_.prepare(
      "SELECT event_id, t_s, kind, source, message, data FROM events WHERE run_id = ?1 AND event_id > ?2 "
      "ORDER BY event_id");
  if (!st) return fail(st.error());
  st->bind(1, run).bind(2, after_event_id);
  return collect<EventRecord>(*st, [](const Statement& s) {
    return EventRecord{s.column_int(0), s.column_double(1), parse_event_kind(s.column_text(2)).value_or(EventKind::info),
                       s.column_text(3), s.column_text(4), s.column_text(5)};
  });
}

Result<std::vector<CheckpointRecord>> Reader::checkpoints(RunId run) {
  auto st = conn_.prepare("SELECT name, state, t_s, sample_mark, result_mark FROM checkpoints WHERE run_id = ?1 ORDER BY name");
  if (!st) return fail(st.error());
  st->bind(1, run);
  return collect<CheckpointRecord>(*st, [](const Statement& s) {
    return CheckpointRecord{s.column_text(0), s.column_text(1), s.column_double(2), s.column_int(3), s.column_int(4)};
  });
}

Result<std::string> Reader::integrity_check() { return conn_.query_text("PRAGMA integrity_check"); }

}  // namespace ledlab::db
