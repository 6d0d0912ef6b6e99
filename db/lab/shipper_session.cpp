#include "db/lab/shipper_session.hpp"

#include "core/log.hpp"
#include "db/lab/lab_schema.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <optional>

namespace ledlab::db::lab {
namespace {

constexpr std::size_t kMaxChunkBytesPerTransaction = std::size_t{64} << 20;

bool same_double(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) return !a && !b;
  return std::bit_cast<std::uint64_t>(*a) == std::bit_cast<std::uint64_t>(*b) || (std::isnan(*a) && std::isnan(*b));
}

// Undoes the session lock of pass() on every way out.
class StationLock {
 public:
  StationLock(PgConnection& lab, std::string station) : lab_(lab), station_(std::move(station)) {}
  ~StationLock() {
    if (held_ && lab_.healthy())
      (void)lab_.query("SELECT pg_advisory_unlock(hashtext('ledlab:' || $1))", {station_});
  }
  Status take() {
    auto got = lab_.query("SELECT pg_try_advisory_lock(hashtext('ledlab:' || $1))", {station_});
    if (!got) return fail(got.error());
    if (got->rows() != 1 || got->text(0, 0) != "t")
      return fail(Errc::storage, fmt::format("another shipper holds station {}", station_));
    held_ = true;
    return {};
  }

 private:
  PgConnection& lab_;
  std::string station_;
  bool held_ = false;
};

}  // namespace

ShipCounts& ShipCounts::operator+=(const ShipCounts& o) {
  runs += o.runs, series += o.series, chunks += o.chunks, samples += o.samples, results += o.results,
      events += o.events;
  return *this;
}

Status ShipSession::check_station() {
  if (station_checked_) return {};
  if (auto s = require_lab_schema(lab_); !s) return s;
  auto me = lab_.query("SELECT ledlab.my_station()");
  if (!me) return fail(me.error());
  if (me->rows() != 1 || me->is_null(0, 0))
    return fail(Errc::config, fmt::format("lab database {}: role {} is not a station's role (ledlab lab add-station)",
                                          lab_.describe(), lab_.user()));
  if (me->text(0, 0) != options_.station)
    return fail(Errc::config,
                fmt::format("lab database {}: role {} writes as station '{}', not '{}': refused (the station file's "
                            "[lab] station, or --station, names the station this store ships as)",
                            lab_.describe(), lab_.user(), me->text(0, 0), options_.station));
  station_checked_ = true;
  return {};
}

Result<ShipCounts> ShipSession::pass() {
  complete_ = false;
  touched_.clear();
  if (auto s = check_station(); !s) return fail(s.error());
  StationLock lock(lab_, options_.station);
  if (auto s = lock.take(); !s) return fail(s.error());
  // Runs the lab database already has whole: their final status is the last thing shipped.
  auto shipped = lab_.query("SELECT run_uuid::text, status, ended_s FROM ledlab.runs WHERE station = $1",
                            {options_.station});
  if (!shipped) return fail(shipped.error());
  struct Final {
    std::string status;
    std::optional<double> ended_s;
  };
  std::map<std::string, Final, std::less<>> finals;
  for (int r = 0; r < shipped->rows(); ++r)
    finals.emplace(std::string(shipped->text(r, 0)), Final{std::string(shipped->text(r, 1)), shipped->float8(r, 2)});
  auto runs = store_.list_runs();
  if (!runs) return fail(runs.error());
  ShipCounts counts;
  // Oldest first: a lab reader sees runs arrive in the order they ran.
  for (auto it = runs->rbegin(); it != runs->rend(); ++it) {
    if (auto f = finals.find(it->uuid); f != finals.end() && it->status != RunStatus::running &&
                                        f->second.status == to_string(it->status) &&
                                        same_double(f->second.ended_s, it->ended_s))
      continue;
    if (auto s = ship_run(*it, counts); !s) return fail(s.error());
    touched_.insert(it->uuid);
  }
  complete_ = true;
  return counts;
}

Status ShipSession::ship_run(const RunRecord& run, ShipCounts& counts) {
  // The marks are read once per run and pass, then kept up to date by each committed piece:
  // this session holds the station's advisory lock, so no one else writes the run meanwhile.
  // Any error ends the pass, and the next one reads them again.
  auto marks = read_marks(lab_, run_key(run, options_.station));
  if (!marks) return fail(marks.error());
  for (;;) {
    auto done = ship_piece(run.id, *marks, counts);
    if (!done) return fail(done.error());
    if (*done) return {};
  }
}

Status ShipSession::ensure_month(const RunKey& key) {
  if (months_.contains(key.month)) return {};
  auto r = lab_.query("SELECT ledlab.ensure_month($1::date)", {key.month});
  if (!r) return fail(r.error());
  months_.insert(key.month);
  return {};
}

Status ShipSession::upsert_batch(const RunRecord& run) {
  if (!run.batch_id) return {};
  auto batch = store_.batch(*run.batch_id);
  if (!batch) return fail(batch.error());
  auto r = lab_.query(
      "INSERT INTO ledlab.batches(batch_uuid, station, local_batch_id, sequence, station_name, operator, started_s, "
      "ended_s) VALUES ($1::uuid, $2, $3::bigint, $4, $5, $6, $7::float8, $8::float8) "
      "ON CONFLICT (batch_uuid) DO UPDATE SET ended_s = excluded.ended_s",
      {batch->uuid, options_.station, std::to_string(batch->id), batch->sequence, batch->station, batch->operator_name,
       f8(batch->started_s), f8(batch->ended_s)});
  if (!r) return fail(r.error());
  return {};
}

Status ShipSession::insert_run(const RunRecord& run, const RunKey& key) {
  if (auto s = upsert_batch(run); !s) return s;
  // dut_type: the run's "dut_type" parameter when it has one, else the DUT's description.
  std::string dut_type;
  const auto params = nlohmann::json::parse(run.parameters_json, nullptr, false);
  if (params.is_object() && params.contains("dut_type") && params["dut_type"].is_string())
    dut_type = params["dut_type"].get<std::string>();
  else if (!run.dut_serial.empty())
    if (auto dut = store_.dut(run.dut_serial)) dut_type = dut->description;
  std::optional<std::string> batch_uuid;
  if (run.batch_id) {
    auto batch = store_.batch(*run.batch_id);
    if (!batch) return fail(batch.error());
    batch_uuid = batch->uuid;
  }
  // In as running: the final status goes in with the run's last rows (ship_piece), so a run
  // whose status is final in the lab database is complete there.
  auto r = lab_.query(
      "INSERT INTO ledlab.runs(run_uuid, station, run_month, local_run_id, sequence, script_text, script_sha256, "
      "parameters, station_config, operator, dut_serial, dut_type, host, ledlab_version, started_s, ended_s, status, "
      "batch_uuid, socket) VALUES ($1::uuid, $2, $3::date, $4::bigint, $5, $6, $7, $8::json, $9::json, $10, $11, $12, "
      "$13, $14, $15::float8, NULL, 'running', $16::uuid, $17)",
      {run.uuid, options_.station, key.month, std::to_string(run.id), run.sequence, run.script_text, run.script_sha256,
       run.parameters_json, run.station_json, run.operator_name, run.dut_serial, dut_type, run.host, run.ledlab_version,
       f8(run.started_s), batch_uuid, run.socket});
  if (!r) return fail(r.error());
  return {};
}

Status ShipSession::ship_instruments(const RunRecord& run, const RunKey& key) {
  auto list = store_.instruments(run.id);
  if (!list) return fail(list.error());
  for (const auto& i : *list) {
    auto r = lab_.query(
        "INSERT INTO ledlab.instruments(run_uuid, station, instrument_id, name, kind, resource, idn, settings) "
        "VALUES ($1::uuid, $2, $3::bigint, $4, $5, $6, $7, $8::json) ON CONFLICT (run_uuid, name) DO NOTHING",
        {key.uuid, options_.station, std::to_string(i.id), i.name, i.kind, i.resource, i.idn, i.settings_json});
    if (!r) return fail(r.error());
  }
  return {};
}

Status ShipSession::ship_dut(const RunRecord& run) {
  if (run.dut_serial.empty() || duts_.contains(run.dut_serial)) return {};
  auto dut = store_.dut(run.dut_serial);
  if (!dut) {
    if (dut.error().code == Errc::not_found) return {};  // a run may name an unregistered DUT
    return fail(dut.error());
  }
  auto r = lab_.query(
      "INSERT INTO ledlab.duts(station, serial, description, info) VALUES ($1, $2, $3, $4::json) "
      "ON CONFLICT (station, serial) DO UPDATE SET description = excluded.description, info = excluded.info",
      {options_.station, dut->serial, dut->description, dut->info_json});
  if (!r) return fail(r.error());
  for (const auto& lane : dut->lanes) {
    auto l = lab_.query(
        "INSERT INTO ledlab.lanes(station, dut_serial, lane, \"row\", col, label) VALUES ($1, $2, $3::int, $4::int, "
        "$5::int, $6) ON CONFLICT (station, dut_serial, lane) DO UPDATE SET \"row\" = excluded.\"row\", "
        "col = excluded.col, label = excluded.label",
        {options_.station, dut->serial, std::to_string(lane.lane),
         lane.row ? std::optional<std::string>(std::to_string(*lane.row)) : std::nullopt,
         lane.col ? std::optional<std::string>(std::to_string(*lane.col)) : std::nullopt, lane.label});
    if (!l) return fail(l.error());
  }
  duts_.insert(run.dut_serial);
  return {};
}

Status ShipSession::ship_checkpoints(RunId run, const RunKey& key) {
  auto rows = checkpoint_rows(store_.connection(), run);
  if (!rows) return fail(rows.error());
  for (const auto& c : *rows) {
    auto r = lab_.query(
        "INSERT INTO ledlab.checkpoints(run_uuid, station, name, state, t_s, result_mark, series_marks) "
        "VALUES ($1::uuid, $2, $3, $4::json, $5::float8, $6::bigint, $7::json) ON CONFLICT (run_uuid, name) DO UPDATE "
        "SET state = excluded.state, t_s = excluded.t_s, result_mark = excluded.result_mark, "
        "series_marks = excluded.series_marks",
        {key.uuid, options_.station, c.name, c.state_json, f8(c.t_s), std::to_string(c.result_mark),
         c.series_marks_json});
    if (!r) return fail(r.error());
  }
  return {};
}

Result<bool> ShipSession::ship_piece(RunId id, PgRunMarks& marks_io, ShipCounts& counts) {
  // One local commit for the whole piece: the run's status and its rows agree.
  auto read = store_.read_transaction();
  if (!read) return fail(read.error());
  Connection& conn = store_.connection();
  auto run = store_.run(id);
  if (!run) return fail(run.error());
  const RunKey key = run_key(*run, options_.station);
  auto series = store_.series(id);
  if (!series) return fail(series.error());
  std::vector<SeriesId> ids;
  for (const auto& s : *series) ids.push_back(s.id);
  HotRows hot;
  if (auto s = hot.load(conn, ids); !s) return fail(s.error());
  // A copy, updated as rows are written and handed back only once they are committed.
  std::optional<PgRunMarks> marks = marks_io;
  auto superseded = superseded_counts(conn, id);
  if (!superseded) return fail(superseded.error());
  if (marks->exists && superseded_seen_[id] != *superseded) {
    if (auto s = supersede(id, key, *series, *marks, hot); !s) return fail(s.error());
    auto reread = read_marks(lab_, key);
    if (!reread) return fail(reread.error());
    marks = std::move(*reread);
    superseded_seen_[id] = *superseded;
  }

  // The month's partitions in a transaction of their own: ATTACH PARTITION locks the parents'
  // DEFAULT partitions exclusively (PostgreSQL docs, "ALTER TABLE"), and held until the piece
  // commits that lock could deadlock with readers; and a piece rolled back must not leave the
  // month remembered as made when it is not.
  if (auto s = ensure_month(key); !s) return fail(s.error());
  auto tx = Transaction::begin(lab_);
  if (!tx) return fail(tx.error());
  if (!marks->exists) {
    if (auto s = insert_run(*run, key); !s) return fail(s.error());
    ++counts.runs;
    marks->exists = true;
  }
  if (auto s = ship_dut(*run); !s) return fail(s.error());
  auto instruments = store_.instruments(id);
  if (!instruments) return fail(instruments.error());
  if (static_cast<std::int64_t>(instruments->size()) > marks->instruments) {
    if (auto s = ship_instruments(*run, key); !s) return fail(s.error());
    marks->instruments = static_cast<std::int64_t>(instruments->size());
  }

  // New series.
  std::vector<const SeriesRecord*> fresh;
  for (const auto& s : *series)
    if (!marks->series.contains(s.id)) fresh.push_back(&s);
  if (!fresh.empty()) {
    auto copied = lab_.copy_into("ledlab.series", "run_month, run_uuid, station, series_id, lane, quantity, unit, conditions",
        [&](CopyWriter& out) -> Status {
          for (const SeriesRecord* s : fresh) {
            out.begin_row(8);
            out.date(key.month_days);
            out.uuid(key.uuid);
            out.text(options_.station);
            out.int64(s->id);
            s->spec.lane ? out.int32(*s->spec.lane) : out.null();
            out.text(s->spec.quantity);
            out.text(s->spec.unit);
            out.json(s->spec.conditions_json);
          }
          return {};
        });
    if (!copied) return fail(copied.error());
    counts.series += *copied;
    for (const SeriesRecord* s : fresh) marks->series.insert(s->id);
  }

  // Samples: per series from its mark, or from its trailing partial chunks when they are due
  // a merge (deleted and shipped again as one chunk, in this transaction).
  struct Plan {
    SeriesId series;
    std::int64_t from, mark, to;
    bool merge = false, done = false;
  };
  std::vector<Plan> plans;
  std::string merge_series = "{", merge_from = "{";
  // Sealing: the first piece that sees the run ended locally ships each series' trailing
  // partial chunks again from the store's final chunks. While the run lasted they were
  // re-encoded from its hot rows, and SQLite keeps a REAL -0.0 as 0 (it stores integral REAL
  // values as integers), so only the chunks the writer sealed from its own copy hold every
  // bit; after sealing the lab's chunks are the store's, byte for byte.
  const bool sealing = run->status != RunStatus::running && marks->status != to_string(run->status) &&
                       !sealed_.contains(id);
  for (const auto& s : *series) {
    const PgSeriesMark none;
    const auto found = marks->chunks.find(s.id);
    const PgSeriesMark& m = found == marks->chunks.end() ? none : found->second;
    if (s.sample_count < m.end)
      return fail(Errc::storage, fmt::format("run {} series {}: the lab database has {} samples, the store {}", run->uuid,
                                             s.id, m.end, s.sample_count));
    const bool reseal = sealing && !m.trailing.empty();
    if (s.sample_count == m.end && !reseal) continue;
    Plan p{s.id, m.end, m.end, s.sample_count};
    if (reseal || m.trailing.size() + 1 >= kMergeTrailingChunks) {
      p.from = m.trailing.front().first;
      p.merge = true;
      merge_series += fmt::format("{}{}", merge_series.size() > 1 ? "," : "", s.id);
      merge_from += fmt::format("{}{}", merge_from.size() > 1 ? "," : "", p.from);
    }
    plans.push_back(p);
  }
  if (merge_series.size() > 1) {
    auto r = lab_.query("SELECT ledlab.station_delete_chunks($1::date, $2::uuid, $3::bigint[], $4::bigint[])",
                        {key.month, key.uuid, merge_series + "}", merge_from + "}"});
    if (!r) return fail(r.error());
  }
  // The bound counts rows (a chunk is one row, whatever its sample count), plus the chunk
  // bytes: what a transaction costs the server is per row and per byte, not per sample.
  std::int64_t budget = static_cast<std::int64_t>(std::max<std::size_t>(options_.max_rows_per_transaction, 1));
  std::size_t bytes = 0;
  bool samples_done = true;
  if (!plans.empty()) {
    ShipCounts piece;
    auto copied = lab_.copy_into("ledlab.chunks", kChunkColumns,
                               [&](CopyWriter& out) -> Status {
                                 for (Plan& p : plans) {
                                   // Over the bound, only merges go on: their old chunks are deleted already.
                                   if (!p.merge && (budget <= 0 || bytes >= kMaxChunkBytesPerTransaction)) continue;
                                   PgSeriesMark& m = marks->chunks[p.series];
                                   if (p.merge) m.trailing.clear();
                                   std::int64_t reached = p.from;
                                   auto s = for_each_chunk_row(conn, hot, p.series, p.from, p.to,
                                                               [&](const ChunkRow& row) -> Result<bool> {
                                                                 put_chunk(out, key, p.series, row);
                                                                 ++piece.chunks;
                                                                 piece.samples += row.n;
                                                                 --budget;
                                                                 bytes += row.data.size();
                                                                 reached = row.first_seq + row.n;
                                                                 if (row.n < kFullChunkSamples)
                                                                   m.trailing.emplace_back(row.first_seq, row.n);
                                                                 else
                                                                   m.trailing.clear();
                                                                 m.end = reached;
                                                                 m.t_max = row.t_max;
                                                                 m.v_last = row.v_last;
                                                                 // A merge never stops short of what it deleted.
                                                                 return reached < p.mark ||
                                                                        (budget > 0 && bytes < kMaxChunkBytesPerTransaction);
                                                               });
                                   if (!s) return s;
                                   p.done = reached >= p.to;
                                 }
                                 return {};
                               });
    if (!copied) return fail(copied.error());
    for (const Plan& p : plans) samples_done = samples_done && p.done;
    counts.chunks += piece.chunks;
    counts.samples += piece.samples;
  }

  bool rows_done = samples_done && budget > 0;
  if (rows_done) {
    const auto limit = static_cast<std::size_t>(budget);
    auto results = results_after(conn, id, marks->results, limit);
    if (!results) return fail(results.error());
    if (!results->empty()) {
      auto copied = lab_.copy_into("ledlab.results", kResultColumns,
                                 [&](CopyWriter& out) -> Status {
                                   for (const auto& r : *results) put_result(out, key, r);
                                   return {};
                                 });
      if (!copied) return fail(copied.error());
      counts.results += *copied;
      budget -= *copied;
      marks->results = results->back().id;
    }
    rows_done = results->size() < limit && budget > 0;
  }
  if (rows_done) {
    const auto limit = static_cast<std::size_t>(budget);
    auto events = events_after(conn, id, marks->events, limit);
    if (!events) return fail(events.error());
    if (!events->empty()) {
      auto copied = lab_.copy_into("ledlab.events", "run_month, run_uuid, station, event_id, t_s, kind, source, message, data",
          [&](CopyWriter& out) -> Status {
            for (const auto& e : *events) put_event(out, key, e);
            return {};
          });
      if (!copied) return fail(copied.error());
      counts.events += *copied;
      marks->events = events->back().id;
    }
    rows_done = events->size() < limit;
  }

  if (rows_done) {
    // Everything of this commit is in: checkpoints, then the run's status last.
    if (auto s = ship_checkpoints(id, key); !s) return fail(s.error());
    if (auto s = upsert_batch(*run); !s) return fail(s.error());
    auto r = lab_.query("UPDATE ledlab.runs SET status = $2, ended_s = $3::float8, owner_pid = $4::bigint, "
                        "owner_token = $5 WHERE run_uuid = $1::uuid",
                        {key.uuid, std::string(to_string(run->status)), f8(run->ended_s),
                         std::to_string(run->owner_pid), run->owner_token});
    if (!r) return fail(r.error());
    marks->status = to_string(run->status);
    marks->ended_s = run->ended_s;
  }
  if (auto s = tx->commit(); !s) return fail(s.error());
  if (sealing) sealed_.insert(id);
  marks_io = std::move(*marks);
  return rows_done;
}

}  // namespace ledlab::db::lab
