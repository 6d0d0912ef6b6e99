#include "db/writer.hpp"

#include "core/log.hpp"
#include "db/ownership.hpp"
#include "db/rows.hpp"
#include "db/sha256.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <limits>

#ifndef LEDLAB_VERSION
#define LEDLAB_VERSION "unknown"
#endif

namespace ledlab::db {
namespace {
constexpr std::string_view kLog = "db";
}

Result<WriterSession> WriterSession::create(Connection conn, ChunkPolicy policy) {
  WriterSession s;
  s.conn_ = std::move(conn);
  auto prep = [&](Statement& out, std::string_view sql) -> Status {
    auto st = s.conn_.prepare(sql);
    if (!st) return fail(st.error());
    out = std::move(*st);
    return {};
  };
  auto chunks = SampleChunks::create(s.conn_, policy);
  if (!chunks) return fail(chunks.error());
  s.chunks_ = std::move(*chunks);
  if (auto r = prep(s.insert_event_,
                    "INSERT INTO events(run_id, t_s, kind, source, message, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
      !r)
    return fail(r.error());
  if (auto r = prep(s.insert_result_,
                    "INSERT INTO results(run_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, t_s, "
                    "qualifier, verdict) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
      !r)
    return fail(r.error());
  return s;
}

Status WriterSession::write_samples(const std::vector<Sample>& batch, IngestCounters& counters) {
  // Counting sort by series: two linear passes and a sort of the distinct series only.
  const std::size_t span = writable_.size();
  auto slot = [&](const Sample& s) -> std::size_t {
    auto k = static_cast<std::size_t>(s.series - series_base_);  // wraps for ids below the base
    return (k < span && writable_[k]) ? k : std::numeric_limits<std::size_t>::max();
  };
  count_.resize(span, 0);
  touched_.clear();
  std::uint64_t rejected = 0;
  for (const Sample& s : batch) {
    std::size_t k = slot(s);
    if (k == std::numeric_limits<std::size_t>::max()) {
      ++rejected;
      continue;
    }
    if (count_[k]++ == 0) touched_.push_back(static_cast<std::uint32_t>(k));
  }
  std::sort(touched_.begin(), touched_.end());
  std::uint32_t pos = 0;
  for (auto k : touched_) std::swap(count_[k], pos), pos += count_[k];
  order_.resize(pos);
  for (std::uint32_t i = 0; i < batch.size(); ++i) {
    std::size_t k = slot(batch[i]);
    if (k != std::numeric_limits<std::size_t>::max()) order_[count_[k]++] = i;
  }
  if (rejected > 0) {
    counters.rejected_samples += rejected;
    log::warn(kLog, "dropped {} samples for series this store did not declare", rejected);
  }

  std::uint32_t begin = 0;
  for (auto k : touched_) {
    const std::uint32_t end = count_[k];
    count_[k] = 0;
    t_.clear(), v_.clear();
    for (std::uint32_t j = begin; j < end; ++j) {
      t_.push_back(batch[order_[j]].t_s);
      v_.push_back(batch[order_[j]].value);
    }
    if (auto st = chunks_.append(conn_, series_base_ + static_cast<SeriesId>(k), t_, v_); !st) return st;
    begin = end;
  }
  if (auto st = chunks_.after_batch(conn_); !st) return st;
  counters.committed_samples += pos;
  ++counters.batches;
  return {};
}

void WriterSession::register_series(SeriesId id) {
  if (writable_.empty()) series_base_ = id;
  if (id < series_base_) {
    auto shift = static_cast<std::size_t>(series_base_ - id);
    writable_.insert(writable_.begin(), shift, 0);
    count_.assign(writable_.size(), 0);
    series_base_ = id;
  }
  auto k = static_cast<std::size_t>(id - series_base_);
  if (k >= writable_.size()) writable_.resize(k + 1, 0);
  writable_[k] = 1;
}

std::vector<SeriesId> WriterSession::run_series(RunId run) const {
  std::vector<SeriesId> out;
  for (const auto& [series, owner] : series_runs_)
    if (owner == run) out.push_back(series);
  return out;
}

Status WriterSession::unregister_run_series(RunId run) {
  // A run that ends leaves nothing hot: its last samples become chunks with its final status.
  const auto series = run_series(run);
  if (auto st = chunks_.compact(conn_, series); !st) return st;
  chunks_.forget(series);
  std::erase_if(series_runs_, [&](const auto& sr) {
    if (sr.second != run) return false;
    // Series of a run recovered from a dead process were never writable here.
    const auto k = static_cast<std::size_t>(sr.first - series_base_);
    if (k < writable_.size()) writable_[k] = 0;
    return true;
  });
  std::erase(open_runs_, run);
  return {};
}

Result<RunRecord> WriterSession::load_run(RunId run) {
  auto st = conn_.prepare(fmt::format("SELECT {} FROM runs WHERE run_id = ?1", kRunColumns));
  if (!st) return fail(st.error());
  st->bind(1, run);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::not_found, fmt::format("no run with id {}", run));
  return run_from_row(*st);
}

Result<RunRecord> WriterSession::insert_run(const RunProvenance& p) {
  const ProcessIdentity& me = this_process();
  auto st = conn_.prepare(
      "INSERT INTO runs(uuid, sequence, script_text, script_sha256, parameters, station, operator, dut_serial, "
      "host, ledlab_version, started_s, status, owner_pid, owner_token, batch_id, socket) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'running', ?12, ?13, ?14, ?15)");
  if (!st) return fail(st.error());
  auto uuid = new_uuid();
  if (!uuid) return fail(uuid.error());
  double started = p.started_s.value_or(unix_now_s());
  st->bind(1, *uuid).bind(2, p.sequence).bind(3, p.script_text).bind(4, sha256_hex(p.script_text));
  st->bind(5, p.parameters_json).bind(6, p.station_json).bind(7, p.operator_name).bind(8, p.dut_serial);
  st->bind(9, me.host).bind(10, p.ledlab_version.empty() ? std::string(LEDLAB_VERSION) : p.ledlab_version);
  st->bind(11, started).bind(12, me.pid).bind(13, me.token).bind(14, p.batch_id).bind(15, p.socket);
  if (auto r = st->run(); !r) return fail(r.error());
  RunId id = conn_.last_insert_rowid();
  EventRecord started_event{.t_s = started, .kind = EventKind::state, .source = "store", .message = "running"};
  if (auto e = insert_event(id, started_event); !e) return fail(e.error());
  open_runs_.push_back(id);
  return load_run(id);
}

Result<RunRecord> WriterSession::resume_run(RunId run) {
  auto rec = load_run(run);
  if (!rec) return rec;
  if (rec->status != RunStatus::interrupted)
    return fail(Errc::invalid_argument,
                fmt::format("run {} is {}, only an interrupted run can resume", rec->uuid, to_string(rec->status)));
  const ProcessIdentity& me = this_process();
  auto st = conn_.prepare(
      "UPDATE runs SET status = 'running', ended_s = NULL, host = ?2, owner_pid = ?3, owner_token = ?4 "
      "WHERE run_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, run).bind(2, me.host).bind(3, me.pid).bind(4, me.token);
  if (auto r = st->run(); !r) return fail(r.error());
  if (auto e = insert_event(run, {.t_s = {}, .kind = EventKind::state, .source = "store", .message = "resumed"}); !e)
    return fail(e.error());
  auto series = conn_.prepare("SELECT series_id FROM series WHERE run_id = ?1");
  if (!series) return fail(series.error());
  series->bind(1, run);
  for (;;) {
    auto row = series->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    register_series(series->column_int(0));
    series_runs_.emplace_back(series->column_int(0), run);
  }
  if (auto st = chunks_.load(conn_, run_series(run)); !st) return fail(st.error());
  open_runs_.push_back(run);
  return load_run(run);
}

Status WriterSession::finish_run(RunId run, RunStatus status, double ended_s, const std::string& why) {
  if (status == RunStatus::running) return fail(Errc::invalid_argument, "a run cannot finish as 'running'");
  auto st = conn_.prepare("UPDATE runs SET status = ?2, ended_s = ?3 WHERE run_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, run).bind(2, to_string(status)).bind(3, ended_s);
  if (auto r = st->run(); !r) return r;
  if (conn_.changes() == 0) return fail(Errc::not_found, fmt::format("no run with id {}", run));
  EventRecord ev{.t_s = ended_s, .kind = EventKind::state, .source = "store", .message = std::string(to_string(status))};
  if (!why.empty()) ev.message += ": " + why;
  if (auto e = insert_event(run, ev); !e) return fail(e.error());
  return unregister_run_series(run);
}

Result<std::int64_t> WriterSession::insert_instrument(RunId run, const InstrumentRecord& in) {
  auto st = conn_.prepare(
      "INSERT INTO instruments(run_id, name, kind, resource, idn, settings) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!st) return fail(st.error());
  st->bind(1, run).bind(2, in.name).bind(3, in.kind).bind(4, in.resource).bind(5, in.idn).bind(6, in.settings_json);
  if (auto r = st->run(); !r) return fail(r.error());
  return conn_.last_insert_rowid();
}

Status WriterSession::upsert_dut(const DutRecord& dut) {
  auto st = conn_.prepare(
      "INSERT INTO duts(serial, description, info) VALUES (?1, ?2, ?3) "
      "ON CONFLICT(serial) DO UPDATE SET description = excluded.description, info = excluded.info");
  if (!st) return fail(st.error());
  st->bind(1, dut.serial).bind(2, dut.description).bind(3, dut.info_json);
  if (auto r = st->run(); !r) return r;
  auto lane = conn_.prepare(
      "INSERT INTO lanes(dut_serial, lane, row, col, label) VALUES (?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT(dut_serial, lane) DO UPDATE SET row = excluded.row, col = excluded.col, label = excluded.label");
  if (!lane) return fail(lane.error());
  for (const LaneRecord& l : dut.lanes) {
    lane->bind(1, dut.serial).bind(2, l.lane).bind(3, l.row).bind(4, l.col).bind(5, l.label);
    if (auto r = lane->run(); !r) return r;
  }
  return {};
}

Result<SeriesId> WriterSession::insert_series(RunId run, const SeriesSpec& spec) {
  auto ids = insert_series(run, std::span<const SeriesSpec>(&spec, 1));
  if (!ids) return fail(ids.error());
  return ids->front();
}

Result<std::vector<SeriesId>> WriterSession::insert_series(RunId run, std::span<const SeriesSpec> specs) {
  if (std::find(open_runs_.begin(), open_runs_.end(), run) == open_runs_.end())
    return fail(Errc::invalid_argument, fmt::format("run {} is not open in this store", run));
  // One statement for the lot: a sweep declares hundreds of series at once.
  auto st = conn_.prepare("INSERT INTO series(run_id, lane, quantity, unit, conditions) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) return fail(st.error());
  std::vector<SeriesId> ids;
  ids.reserve(specs.size());
  for (const SeriesSpec& spec : specs) {
    st->bind(1, run).bind(2, spec.lane).bind(3, spec.quantity).bind(4, spec.unit).bind(5, spec.conditions_json);
    if (auto r = st->run(); !r) return fail(r.error());
    ids.push_back(conn_.last_insert_rowid());
  }
  for (SeriesId id : ids) {
    register_series(id);
    chunks_.add_new(id);
    series_runs_.emplace_back(id, run);
  }
  return ids;
}

Result<std::int64_t> WriterSession::insert_result(RunId run, const ResultRecord& r) {
  const Verdict verdict = verdict_of(r);
  std::optional<std::int64_t> pass_int;  // kept equal to the verdict for readers of schema 4 (db/SCHEMA.md)
  if (verdict == Verdict::pass || verdict == Verdict::fail) pass_int = verdict == Verdict::pass ? 1 : 0;
  insert_result_.bind(1, run).bind(2, r.name).bind(3, r.lane).bind(4, r.value).bind(5, r.unit);
  insert_result_.bind(6, r.lower_limit).bind(7, r.upper_limit).bind(8, pass_int).bind(9, r.extra_json);
  insert_result_.bind(10, r.t_s.value_or(unix_now_s()));
  insert_result_.bind(11, to_string(r.qualifier)).bind(12, to_string(verdict));
  if (auto s = insert_result_.run(); !s) return fail(s.error());
  return conn_.last_insert_rowid();
}

Result<std::int64_t> WriterSession::insert_event(RunId run, const EventRecord& e) {
  insert_event_.bind(1, run).bind(2, e.t_s.value_or(unix_now_s())).bind(3, to_string(e.kind));
  insert_event_.bind(4, e.source).bind(5, e.message).bind(6, e.data_json);
  if (auto s = insert_event_.run(); !s) return fail(s.error());
  return conn_.last_insert_rowid();
}

Status WriterSession::upsert_checkpoint(RunId run, const CheckpointRecord& c) {
  // What the checkpoint covers: each series' sample count, and the highest result_id.
  auto st = conn_.prepare(
      "INSERT INTO checkpoints(run_id, name, state, t_s, sample_mark, result_mark, series_marks) VALUES (?1, ?2, ?3, "
      "?4, 0, (SELECT coalesce(max(result_id), 0) FROM results), ?5) "
      "ON CONFLICT(run_id, name) DO UPDATE SET state = excluded.state, t_s = excluded.t_s, "
      "result_mark = excluded.result_mark, series_marks = excluded.series_marks");
  if (!st) return fail(st.error());
  const auto marks = chunks_.marks(run_series(run));
  st->bind(1, run).bind(2, c.name).bind(3, c.state_json).bind(4, c.t_s).bind(5, marks_json(marks));
  return st->run();
}

Result<Rewind> WriterSession::rewind_to_checkpoint(RunId run) {
  Rewind out;
  auto cp = conn_.prepare(
      "SELECT name, state, t_s, sample_mark, result_mark, series_marks FROM checkpoints WHERE run_id = ?1 "
      "ORDER BY t_s DESC, result_mark DESC LIMIT 1");
  if (!cp) return fail(cp.error());
  cp->bind(1, run);
  auto row = cp->step();
  if (!row) return fail(row.error());
  std::vector<SeriesMark> marks;
  if (*row) {
    out.checkpoint = CheckpointRecord{cp->column_text(0), cp->column_text(1), cp->column_double(2), cp->column_int(3),
                                      cp->column_int(4)};
    auto parsed = parse_marks(cp->column_text(5));
    if (!parsed) return fail(parsed.error());
    marks = std::move(*parsed);
  }
  cp->reset();
  const std::int64_t result_mark = out.checkpoint ? out.checkpoint->result_mark : 0;
  const double now = unix_now_s();
  // Samples past each series' mark: kept aside in superseded_samples. Their copies take ids
  // of their own: SQLite gives a new row the largest rowid plus one (SQLite docs, "Rowids and
  // the INTEGER PRIMARY KEY"), so ids a removed tail had are handed out again.
  auto moved = supersede_after_marks(conn_, run, marks, now);
  if (!moved) return fail(moved.error());
  out.superseded_samples = *moved;
  // This writer's idea of the run's series (counts, hot rows) follows what is left on disk.
  if (auto st = chunks_.load(conn_, run_series(run)); !st) return fail(st.error());
  auto keep = conn_.prepare(
      "INSERT INTO superseded_results(run_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, "
      "t_s, qualifier, verdict, superseded_s) SELECT run_id, name, lane, value, unit, lower_limit, upper_limit, pass, "
      "extra, t_s, qualifier, verdict, ?3 "
      "FROM results WHERE run_id = ?1 AND result_id > ?2 ORDER BY result_id");
  if (!keep) return fail(keep.error());
  keep->bind(1, run).bind(2, result_mark).bind(3, now);
  if (auto r = keep->run(); !r) return fail(r.error());
  out.superseded_results = conn_.changes();
  auto drop = conn_.prepare("DELETE FROM results WHERE run_id = ?1 AND result_id > ?2");
  if (!drop) return fail(drop.error());
  drop->bind(1, run).bind(2, result_mark);
  if (auto r = drop->run(); !r) return fail(r.error());
  auto last = conn_.prepare(fmt::format(
      "SELECT max({}, coalesce((SELECT max(t_s) FROM superseded_samples WHERE series_id IN ({})), 0), "
      "coalesce((SELECT max(t_s) FROM results WHERE run_id = ?1), 0), "
      "coalesce((SELECT max(t_s) FROM checkpoints WHERE run_id = ?1), 0), "
      // Events too: the engine stamps them with the run's clock, and a resumed run's clock must
      // start after everything the killed process logged (a suspension it began, say).
      "coalesce((SELECT max(t_s) FROM events WHERE run_id = ?1), 0))",
      kRunLastSampleSql, kRunSeriesSql));
  if (!last) return fail(last.error());
  last->bind(1, run);
  auto lr = last->step();
  if (!lr) return fail(lr.error());
  if (*lr) out.last_t_s = last->column_double(0);
  return out;
}

Result<int> WriterSession::recover_orphaned_runs() {
  auto st = conn_.prepare("SELECT run_id, uuid, host, owner_pid, owner_token, started_s FROM runs WHERE status = 'running'");
  if (!st) return fail(st.error());
  struct Orphan { RunId id; std::string uuid, host; std::int64_t pid; double started; };
  std::vector<Orphan> orphans;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    Orphan o{st->column_int(0), st->column_text(1), st->column_text(2), st->column_int(3), st->column_double(5)};
    Liveness l = owner_liveness(o.host, o.pid, st->column_text(4));
    if (l == Liveness::gone) orphans.push_back(std::move(o));
    else if (l == Liveness::unknown)
      log::warn(kLog, "run {} is running on host {}; cannot tell from here whether it is alive", o.uuid, o.host);
  }
  // The run ended, at the latest, at its last recorded sample or event.
  auto last = conn_.prepare(fmt::format("SELECT max({}, coalesce((SELECT max(t_s) FROM events WHERE run_id = ?1), 0))",
                                        kRunLastSampleSql));
  if (!last) return fail(last.error());
  for (const Orphan& o : orphans) {
    last->bind(1, o.id);
    auto row = last->step();
    double ended = row && *row ? std::max(last->column_double(0), o.started) : o.started;
    last->reset();
    auto why = fmt::format("owner process {} on {} is gone", o.pid, o.host);
    // Its hot rows become chunks now (finish_run compacts the series this session knows).
    auto series = conn_.prepare("SELECT series_id FROM series WHERE run_id = ?1");
    if (!series) return fail(series.error());
    series->bind(1, o.id);
    for (;;) {
      auto row = series->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      series_runs_.emplace_back(series->column_int(0), o.id);
    }
    if (auto s = chunks_.load(conn_, run_series(o.id)); !s) return fail(s.error());
    if (auto s = finish_run(o.id, RunStatus::interrupted, ended, why); !s) return fail(s.error());
    log::warn(kLog, "run {} marked interrupted: {}", o.uuid, why);
  }
  return static_cast<int>(orphans.size());
}

}  // namespace ledlab::db
