#include "db/reader.hpp"

#include "db/chunk_codec.hpp"
#include "db/rows.hpp"
#include "db/run_rows.hpp"
#include "db/sample_chunks.hpp"
#include "db/schema.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>

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
  r.batch_id = st.column_opt_int(16);
  r.socket = st.column_text(17);
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

// Decodes a chunk as stored; a damaged one is named by series and chunk.
Status decode_stored(SeriesId series, std::int64_t chunk_id, std::span<const std::uint8_t> blob, std::vector<double>& t,
                     std::vector<double>& v) {
  if (auto d = decode_chunk(blob, t, v); !d)
    return fail(Errc::storage, fmt::format("series {}, chunk {}: {}", series, chunk_id, d.error().message));
  return {};
}

}  // namespace

ReadTransaction::~ReadTransaction() {
  if (conn_) (void)conn_->exec("COMMIT");  // nothing was written: ending the read loses nothing
}

Result<ReadTransaction> Reader::read_transaction() {
  if (sqlite3_get_autocommit(conn_.handle()) == 0) return ReadTransaction(nullptr);
  if (auto st = conn_.exec("BEGIN"); !st) return fail(st.error());
  return ReadTransaction(&conn_);
}

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
  if ((f.since_s && std::isnan(*f.since_s)) || (f.until_s && std::isnan(*f.until_s)))
    return fail(Errc::invalid_argument, "a time bound of the run filter is NaN");
  // json_valid() first: json_extract() raises an error on text that is not JSON (SQLite docs,
  // "JSON Functions And Operators"); a run whose stored JSON is damaged matches no name.
  std::string sql = fmt::format(
      "SELECT {} FROM runs WHERE (?1 IS NULL OR dut_serial = ?1) AND (?2 IS NULL OR sequence = ?2) "
      "AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR batch_id = ?4) "
      "AND (?5 IS NULL OR (CASE WHEN json_valid(station) THEN json_extract(station, '$.name') END) = ?5) "
      "AND (?6 IS NULL OR {} = ?6) "
      "AND (?7 IS NULL OR started_s >= ?7) AND (?8 IS NULL OR started_s <= ?8) "
      "ORDER BY started_s DESC, run_id DESC",
      kRunColumns, kRunDutType);
  if (f.limit > 0) sql += fmt::format(" LIMIT {}", f.limit);
  auto st = conn_.prepare(sql);
  if (!st) return fail(st.error());
  st->bind(1, f.dut_serial).bind(2, f.sequence);
  if (f.status) st->bind(3, to_string(*f.status));
  st->bind(4, f.batch_id).bind(5, f.station).bind(6, f.dut_type);
  if (f.since_s) st->bind(7, *f.since_s);
  if (f.until_s) st->bind(8, *f.until_s);
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
      "(SELECT coalesce(sum(c.n), 0) FROM chunks c JOIN series s USING(series_id) WHERE s.run_id = ?1) + "
      "(SELECT count(*) FROM hot_samples h JOIN series s USING(series_id) WHERE s.run_id = ?1), "
      "(SELECT count(*) FROM results WHERE run_id = ?1), "
      "(SELECT count(*) FROM results WHERE run_id = ?1 AND verdict = 'fail'), "
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
  auto snapshot = read_transaction();
  if (!snapshot) return fail(snapshot.error());
  if (auto st = refresh_hot(); !st) return fail(st.error());
  // Counts and spans from chunk metadata (a few rows per series), never from samples.
  auto st = conn_.prepare(
      "SELECT s.series_id, s.run_id, s.lane, s.quantity, s.unit, s.conditions, "
      "coalesce(sum(c.n), 0), min(c.t_min), max(c.t_max) "
      "FROM series s LEFT JOIN chunks c USING(series_id) WHERE s.run_id = ?1 "
      "GROUP BY s.series_id ORDER BY s.series_id");
  if (!st) return fail(st.error());
  st->bind(1, run);
  auto rows = collect<SeriesRecord>(*st, [](const Statement& s) {
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
  if (!rows) return rows;
  for (SeriesRecord& r : *rows) {
    const HotRows* h = hot(r.id);
    if (!h) continue;
    r.sample_count += static_cast<std::int64_t>(h->t.size());
    for (double t : h->t) {
      r.first_t_s = std::min(r.first_t_s.value_or(t), t);
      r.last_t_s = std::max(r.last_t_s.value_or(t), t);
    }
  }
  return rows;
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

Status Reader::refresh_hot() {
  // What identifies the hot rows' state: rows come with new ids, go only when a chunk is
  // written in the same commit, and a rewind that removes them changes their count.
  auto st = conn_.prepare(
      "SELECT coalesce((SELECT max(hot_id) FROM hot_samples), 0), (SELECT count(*) FROM hot_samples), "
      "coalesce((SELECT max(chunk_id) FROM chunks), 0)");
  if (!st) return fail(st.error());
  auto row = st->step();
  if (!row) return fail(row.error());
  const std::array<std::int64_t, 3> marker{st->column_int(0), st->column_int(1), st->column_int(2)};
  if (marker == hot_marker_) return {};
  hot_.clear();
  hot_marker_ = {-1, -1, -1};
  auto rows = conn_.prepare("SELECT series_id, t_s, value FROM hot_samples ORDER BY hot_id");
  if (!rows) return fail(rows.error());
  for (;;) {
    auto r = rows->step();
    if (!r) return fail(r.error());
    if (!*r) break;
    HotRows& h = hot_[rows->column_int(0)];
    h.t.push_back(rows->column_double(1));
    h.v.push_back(rows->column_double(2));
  }
  hot_marker_ = marker;
  return {};
}

const Reader::HotRows* Reader::hot(SeriesId series) const {
  auto it = hot_.find(series);
  return it == hot_.end() ? nullptr : &it->second;
}

Status Reader::stream(SeriesId series, double from_s, double to_s, const SampleRunVisitor& visit) {
  if (std::isnan(from_s) || std::isnan(to_s)) return fail(Errc::invalid_argument, "a time bound is NaN");
  auto snapshot = read_transaction();
  if (!snapshot) return fail(snapshot.error());
  if (auto st = refresh_hot(); !st) return st;
  auto st = conn_.prepare(
      "SELECT c.chunk_id, c.t_min, c.t_max, d.data FROM chunks c JOIN chunk_data d USING(chunk_id) "
      "WHERE c.series_id = ?1 AND c.t_max >= ?2 AND c.t_min <= ?3 ORDER BY c.first_seq");
  if (!st) return fail(st.error());
  st->bind(1, series).bind(2, from_s).bind(3, to_s);
  std::vector<double> t, v, ft, fv;
  // Only samples inside the window; a chunk wholly inside goes out as decoded.
  const auto emit = [&](std::span<const double> ct, std::span<const double> cv, bool whole) {
    if (whole) {
      if (!ct.empty()) visit(ct, cv);
      return;
    }
    ft.clear(), fv.clear();
    for (std::size_t i = 0; i < ct.size(); ++i)
      if (ct[i] >= from_s && ct[i] <= to_s) ft.push_back(ct[i]), fv.push_back(cv[i]);
    if (!ft.empty()) visit(ft, fv);
  };
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    t.clear(), v.clear();
    if (auto d = decode_stored(series, st->column_int(0), st->column_blob(3), t, v); !d) return d;
    emit(t, v, st->column_double(1) >= from_s && st->column_double(2) <= to_s);
  }
  if (const HotRows* h = hot(series)) emit(h->t, h->v, false);
  return {};
}

Result<std::vector<Sample>> Reader::samples(SeriesId series, double from_s, double to_s) {
  std::vector<Sample> out;
  auto st = stream(series, from_s, to_s, [&](std::span<const double> t, std::span<const double> v) {
    for (std::size_t i = 0; i < t.size(); ++i) out.push_back({series, t[i], v[i]});
  });
  if (!st) return fail(st.error());
  return out;
}

Result<std::vector<Sample>> Reader::latest_samples(SeriesId series, std::size_t count) {
  auto snapshot = read_transaction();
  if (!snapshot) return fail(snapshot.error());
  if (auto st = refresh_hot(); !st) return fail(st.error());
  std::vector<Sample> out;  // newest first, reversed at the end
  const auto take = [&](std::span<const double> t, std::span<const double> v) {
    for (std::size_t i = t.size(); i-- > 0 && out.size() < count;) out.push_back({series, t[i], v[i]});
  };
  if (const HotRows* h = hot(series)) take(h->t, h->v);
  if (out.size() < count) {
    auto st = conn_.prepare(
        "SELECT c.chunk_id, d.data FROM chunks c JOIN chunk_data d USING(chunk_id) WHERE c.series_id = ?1 "
        "ORDER BY c.first_seq DESC");
    if (!st) return fail(st.error());
    st->bind(1, series);
    std::vector<double> t, v;
    while (out.size() < count) {
      auto row = st->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      t.clear(), v.clear();
      if (auto d = decode_stored(series, st->column_int(0), st->column_blob(1), t, v); !d) return fail(d.error());
      take(t, v);
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

Status Reader::for_each_sample(SeriesId series, const std::function<void(const Sample&)>& visit) {
  return stream(series, -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                [&](std::span<const double> t, std::span<const double> v) {
                  for (std::size_t i = 0; i < t.size(); ++i) visit({series, t[i], v[i]});
                });
}

Status Reader::for_each_sample_run(SeriesId series, double from_s, double to_s, const SampleRunVisitor& visit) {
  return stream(series, from_s, to_s, visit);
}

Result<std::vector<SampleBucket>> Reader::decimate(SeriesId series, std::size_t max_buckets, double from_s, double to_s) {
  if (max_buckets == 0 || max_buckets > kMaxBuckets)
    return fail(Errc::invalid_argument, fmt::format("decimate: max_buckets must be from 1 to {}", kMaxBuckets));
  if (std::isnan(from_s) || std::isnan(to_s)) return fail(Errc::invalid_argument, "decimate: a bound is NaN");
  auto snapshot = read_transaction();
  if (!snapshot) return fail(snapshot.error());
  if (auto st = refresh_hot(); !st) return fail(st.error());
  // Chunk metadata: which chunks fall in the window, and their summaries.
  auto meta = conn_.prepare(
      "SELECT chunk_id, n, t_min, t_max, v_min, v_max, v_sum, v_first, v_last FROM chunks "
      "WHERE series_id = ?1 AND t_max >= ?2 AND t_min <= ?3 ORDER BY first_seq");
  if (!meta) return fail(meta.error());
  meta->bind(1, series).bind(2, from_s).bind(3, to_s);
  struct Meta { std::int64_t id, n; double t_min, t_max; std::optional<double> v_min, v_max, v_sum, v_first, v_last; };
  std::vector<Meta> chunks;
  for (;;) {
    auto row = meta->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    chunks.push_back({meta->column_int(0), meta->column_int(1), meta->column_double(2), meta->column_double(3),
                      meta->column_opt_double(4), meta->column_opt_double(5), meta->column_opt_double(6),
                      meta->column_opt_double(7), meta->column_opt_double(8)});
  }
  const HotRows* h = hot(series);
  // Infinite bounds become the series' own span.
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Meta& c : chunks) lo = std::min(lo, c.t_min), hi = std::max(hi, c.t_max);
  if (h)
    for (double t : h->t) lo = std::min(lo, t), hi = std::max(hi, t);
  if (std::isfinite(from_s)) lo = from_s;
  if (std::isfinite(to_s)) hi = to_s;
  std::vector<SampleBucket> buckets;
  if (!(lo <= hi)) return buckets;
  // Over kExactDecimateSamples in the window, decoding every sample would take seconds (a
  // six-week lane is 3.6e6): buckets are then at least one rollup segment wide and made of
  // whole segments (db/sample_chunks.hpp), each in the bucket of its first time.
  std::int64_t in_window = h ? static_cast<std::int64_t>(h->t.size()) : 0;
  for (const Meta& c : chunks) in_window += c.n;
  const bool coarse = in_window > kExactDecimateSamples;
  double width = (hi - lo) / static_cast<double>(max_buckets);
  if (coarse)
    width = std::max(width, (hi - lo) * static_cast<double>(kRollupSegment) / static_cast<double>(in_window));
  const std::size_t count =
      width > 0 ? std::min(max_buckets, static_cast<std::size_t>(std::ceil((hi - lo) / width))) : std::size_t{1};
  const auto index = [&](double t) {
    if (!(width > 0)) return std::size_t{0};
    return std::min(static_cast<std::size_t>(std::max(0.0, (t - lo) / width)), std::max<std::size_t>(count, 1) - 1);
  };
  std::vector<SampleBucket> all(std::max<std::size_t>(count, 1));
  std::vector<double> sums(all.size(), 0.0);
  const auto add = [&](std::size_t k, double t_first, double t_last, std::int64_t n, double mn, double mx, double sum,
                       double first, double last) {
    SampleBucket& b = all[k];
    if (b.n == 0) b = {t_first, t_last, 0, mn, mx, 0, first, last};
    else {
      if (t_first < b.t_first) b.t_first = t_first, b.first = first;
      if (t_last >= b.t_last) b.t_last = t_last, b.last = last;
      b.min = std::min(b.min, mn), b.max = std::max(b.max, mx);
    }
    b.n += n;
    sums[k] += sum;
  };
  const auto add_samples = [&](std::span<const double> t, std::span<const double> v) {
    for (std::size_t i = 0; i < t.size(); ++i)
      if (t[i] >= lo && t[i] <= hi) add(index(t[i]), t[i], t[i], 1, v[i], v[i], v[i], v[i], v[i]);
  };
  auto rollup = conn_.prepare("SELECT data FROM chunk_rollups WHERE chunk_id = ?1");
  if (!rollup) return fail(rollup.error());
  const auto add_rollup = [&](const Meta& c) -> Status {
    if (static_cast<std::size_t>(c.n) <= kRollupSegment && c.v_sum && c.v_first && c.v_last) {
      // One segment: the chunk's own summary (sample_chunks.hpp).
      if (c.t_max >= lo && c.t_min <= hi)
        add(index(c.t_min), c.t_min, c.t_max, c.n, *c.v_min, *c.v_max, *c.v_sum, *c.v_first, *c.v_last);
      return {};
    }
    rollup->bind(1, c.id);
    auto row = rollup->step();
    if (!row) return fail(row.error());
    const auto blob = *row ? rollup->column_blob(0) : std::span<const std::uint8_t>();
    const std::size_t segments = (static_cast<std::size_t>(c.n) + kRollupSegment - 1) / kRollupSegment;
    if (blob.size() != segments * kRollupFields * sizeof(double)) {
      rollup->reset();
      return fail(Errc::storage, fmt::format("series {}, chunk {}: plot summary of {} bytes for {} samples", series,
                                             c.id, blob.size(), c.n));
    }
    for (std::size_t k = 0; k < segments; ++k) {
      double f[kRollupFields];
      std::memcpy(f, blob.data() + k * sizeof f, sizeof f);  // little-endian doubles (sample_chunks.hpp)
      if (f[1] < lo || f[0] > hi) continue;
      const auto n = std::min<std::int64_t>(static_cast<std::int64_t>(kRollupSegment),
                                            c.n - static_cast<std::int64_t>(k * kRollupSegment));
      add(index(f[0]), f[0], f[1], n, f[2], f[3], f[4], f[5], f[6]);
    }
    rollup->reset();
    return {};
  };
  auto data = conn_.prepare("SELECT data FROM chunk_data WHERE chunk_id = ?1");
  if (!data) return fail(data.error());
  std::vector<double> t, v;
  for (const Meta& c : chunks) {
    // A chunk wholly inside one bucket counts by its summary; others are decoded, or read by
    // their segments' summaries when the window is too big to decode.
    if (c.v_sum && c.v_first && c.v_last && c.t_min >= lo && c.t_max <= hi && index(c.t_min) == index(c.t_max)) {
      add(index(c.t_min), c.t_min, c.t_max, c.n, *c.v_min, *c.v_max, *c.v_sum, *c.v_first, *c.v_last);
      continue;
    }
    if (coarse) {
      if (auto st = add_rollup(c); !st) return fail(st.error());
      continue;
    }
    data->bind(1, c.id);
    auto row = data->step();
    if (!row) return fail(row.error());
    t.clear(), v.clear();
    Status d = *row ? decode_stored(series, c.id, data->column_blob(0), t, v)
                    : Status(fail(Errc::storage, fmt::format("series {}, chunk {}: no data", series, c.id)));
    data->reset();
    if (!d) return fail(d.error());
    add_samples(t, v);
  }
  if (h) add_samples(h->t, h->v);
  for (std::size_t k = 0; k < all.size(); ++k) {
    if (all[k].n == 0) continue;
    all[k].mean = sums[k] / static_cast<double>(all[k].n);
    buckets.push_back(all[k]);
  }
  return buckets;
}

namespace {
// Collects what a db/run_rows.hpp stream visits.
template <class T, class Stream>
Result<std::vector<T>> gather(Stream stream) {
  std::vector<T> out;
  if (auto st = stream([&](const T& row) { out.push_back(row); }); !st) return fail(st.error());
  return out;
}
}  // namespace

Result<std::vector<ResultRecord>> Reader::results(RunId run) {
  return gather<ResultRecord>([&](const auto& visit) { return for_each_result(*this, run, visit); });
}

Result<std::vector<EventRecord>> Reader::events(RunId run, std::int64_t after_event_id) {
  return gather<EventRecord>([&](const auto& visit) { return for_each_event(*this, run, visit, after_event_id); });
}

Result<std::vector<CheckpointRecord>> Reader::checkpoints(RunId run) {
  return gather<CheckpointRecord>([&](const auto& visit) { return for_each_checkpoint(*this, run, visit); });
}

Result<std::string> Reader::integrity_check() { return conn_.query_text("PRAGMA integrity_check"); }

}  // namespace ledlab::db
