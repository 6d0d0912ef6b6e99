#include "db/lab/shipper_pg.hpp"

#include "db/lab/shipper.hpp"

#include <fmt/core.h>

#include <chrono>
#include <cmath>

namespace ledlab::db::lab {

RunKey run_key(const RunRecord& run, std::string station) {
  using namespace std::chrono;
  // The partition month: the first day (UTC) of the month the run started in.
  const auto day = floor<days>(sys_time<duration<double>>(duration<double>(run.started_s)));
  const year_month_day ymd(day);
  const sys_days first = ymd.year() / ymd.month() / 1;
  const sys_days epoch = year(2000) / January / 1;
  RunKey key;
  key.uuid = run.uuid;
  key.station = std::move(station);
  key.month_days = static_cast<std::int32_t>((first - epoch).count());
  key.month = fmt::format("{:04}-{:02}-01", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
  return key;
}

std::string f8(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return fmt::format("{:.17g}", v);
}

std::optional<std::string> f8(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  return f8(*v);
}

Result<PgRunMarks> read_marks(PgConnection& lab, const RunKey& key) {
  PgRunMarks out;
  auto run = lab.query(
      "SELECT status, ended_s, "
      "(SELECT coalesce(max(result_id), 0) FROM ledlab.results WHERE run_month = $2::date AND run_uuid = $1::uuid), "
      "(SELECT coalesce(max(event_id), 0) FROM ledlab.events WHERE run_month = $2::date AND run_uuid = $1::uuid), "
      "(SELECT count(*) FROM ledlab.instruments WHERE run_uuid = $1::uuid) "
      "FROM ledlab.runs WHERE run_uuid = $1::uuid",
      {key.uuid, key.month});
  if (!run) return fail(run.error());
  if (run->rows() == 0) return out;
  out.exists = true;
  out.status = std::string(run->text(0, 0));
  out.ended_s = run->float8(0, 1);
  out.results = run->int64(0, 2).value_or(0);
  out.events = run->int64(0, 3).value_or(0);
  out.instruments = run->int64(0, 4).value_or(0);
  auto series = lab.query("SELECT series_id FROM ledlab.series WHERE run_month = $2::date AND run_uuid = $1::uuid",
                          {key.uuid, key.month});
  if (!series) return fail(series.error());
  for (int r = 0; r < series->rows(); ++r)
    if (auto id = series->int64(r, 0)) out.series.insert(*id);
  // Every partial chunk and each series' last chunk: enough for the marks and for finding the
  // trailing partial ones (contiguous at the end), without reading the full chunks. Through
  // the schema's function: a station may not SELECT from ledlab.chunks (lab_schema.cpp).
  auto chunks = lab.query("SELECT series_id, first_seq, n, t_max, v_last FROM ledlab.station_chunk_marks($2::date, $1::uuid)",
                          {key.uuid, key.month});
  if (!chunks) return fail(chunks.error());
  for (int r = 0; r < chunks->rows(); ++r) {
    const SeriesId id = chunks->int64(r, 0).value_or(0);
    const std::int64_t first = chunks->int64(r, 1).value_or(0), n = chunks->int64(r, 2).value_or(0);
    PgSeriesMark& m = out.chunks[id];
    // Rows come oldest first: a gap (a full chunk not listed) ends the trailing run.
    if (!m.trailing.empty() && m.trailing.back().first + m.trailing.back().second != first) m.trailing.clear();
    if (n < kFullChunkSamples) m.trailing.emplace_back(first, n);
    else m.trailing.clear();
    m.end = first + n;
    m.t_max = chunks->float8(r, 3).value_or(0);
    m.v_last = chunks->float8(r, 4).value_or(0);
  }
  return out;
}

void put_chunk(CopyWriter& out, const RunKey& key, SeriesId series, const ChunkRow& row) {
  out.begin_row(14);
  out.date(key.month_days);
  out.uuid(key.uuid);
  out.text(key.station);
  out.int64(series);
  out.int64(row.first_seq);
  out.int32(static_cast<std::int32_t>(row.n));
  out.float8(row.t_min);
  out.float8(row.t_max);
  for (const auto& v : {row.v_min, row.v_max, row.v_sum}) v ? out.float8(*v) : out.null();
  out.float8(row.v_first);
  out.float8(row.v_last);
  out.bytes(row.data);
}

void put_result(CopyWriter& out, const RunKey& key, const ResultRow& row) {
  out.begin_row(15);
  out.date(key.month_days);
  out.uuid(key.uuid);
  out.text(key.station);
  out.int64(row.id);
  out.text(row.name);
  row.lane ? out.int32(static_cast<std::int32_t>(*row.lane)) : out.null();
  out.float8(row.value);
  out.text(row.unit);
  row.lower_limit ? out.float8(*row.lower_limit) : out.null();
  row.upper_limit ? out.float8(*row.upper_limit) : out.null();
  row.pass ? out.int16(static_cast<std::int16_t>(*row.pass)) : out.null();
  out.json(row.extra);
  out.float8(row.t_s);
  out.text(row.qualifier);
  out.text(row.verdict);
}

void put_event(CopyWriter& out, const RunKey& key, const EventRow& row) {
  out.begin_row(9);
  out.date(key.month_days);
  out.uuid(key.uuid);
  out.text(key.station);
  out.int64(row.id);
  out.float8(row.t_s);
  out.text(row.kind);
  out.text(row.source);
  out.text(row.message);
  out.json(row.data);
}

Status copy_chunk(PgConnection& lab, std::string_view table, const RunKey& key, SeriesId series, const ChunkRow& row) {
  auto copied = lab.copy_into(fmt::format("ledlab.{}", table), kChunkColumns, [&](CopyWriter& out) -> Status {
    put_chunk(out, key, series, row);
    return {};
  });
  if (!copied) return fail(copied.error());
  return {};
}

Result<std::map<std::string, RunShipped>> shipped_runs(PgConnection& lab, std::string_view station,
                                                       const std::set<std::string>& only) {
  std::string uuids = "{";
  for (const auto& u : only) uuids += (uuids.size() > 1 ? "," : "") + u;
  uuids += "}";
  // A station counts its samples through the schema's function (it may not read ledlab.chunks),
  // a reader (lab status --lab with a reader's URL) directly.
  auto direct = lab.query("SELECT has_table_privilege('ledlab.chunks', 'SELECT')");
  if (!direct) return fail(direct.error());
  const std::string samples =
      direct->text(0, 0) == "t"
          ? "coalesce((SELECT sum(n) FROM ledlab.chunks c WHERE c.run_month = r.run_month AND c.run_uuid = r.run_uuid), 0)"
          : "ledlab.station_run_samples(r.run_month, r.run_uuid)";
  auto r = lab.query(
      "SELECT r.run_uuid::text, r.status, " + samples + ", "
      "(SELECT count(*) FROM ledlab.results x WHERE x.run_month = r.run_month AND x.run_uuid = r.run_uuid), "
      "(SELECT count(*) FROM ledlab.events e WHERE e.run_month = r.run_month AND e.run_uuid = r.run_uuid) "
      "FROM ledlab.runs r WHERE r.station = $1 AND ($2::uuid[] = '{}' OR r.run_uuid = ANY($2::uuid[]))",
      {std::string(station), uuids});
  if (!r) return fail(r.error());
  std::map<std::string, RunShipped> out;
  for (int i = 0; i < r->rows(); ++i)
    out[std::string(r->text(i, 0))] = {std::string(r->text(i, 1)), r->int64(i, 2).value_or(0), r->int64(i, 3).value_or(0),
                                       r->int64(i, 4).value_or(0)};
  return out;
}

}  // namespace ledlab::db::lab
