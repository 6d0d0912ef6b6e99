// A run (or batch) copied from the lab database into a private store of the local schema,
// with the station's ids, so the local show / export / report code reads it unchanged.
// One REPEATABLE READ, READ ONLY transaction on PostgreSQL (PostgreSQL docs, "Transaction
// Isolation"): every table is read as of one moment, however the station ships meanwhile.
#include "db/lab/lab_reader.hpp"

#include "db/chunk_codec.hpp"
#include "db/sample_chunks.hpp"
#include "db/schema.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>

namespace ledlab::db::lab {
namespace {

// How a PostgreSQL column (text format) is bound to an SQLite parameter.
enum class As { integer, real, text };

void bind_column(Statement& st, int index, const PgResult& res, int row, int col, As as) {
  if (res.is_null(row, col)) {
    st.bind_null(index);
    return;
  }
  switch (as) {
    case As::integer: st.bind(index, res.int64(row, col)); break;
    case As::real: st.bind(index, res.float8(row, col)); break;
    case As::text: st.bind(index, res.text(row, col)); break;
  }
}

// Inserts every row of `res` with `st`, column i bound to parameter i + 1 as `types[i]`.
Status insert_rows(const PgResult& res, Statement& st, std::initializer_list<As> types) {
  for (int row = 0; row < res.rows(); ++row) {
    int col = 0;
    for (As as : types) bind_column(st, col + 1, res, row, col, as), ++col;
    if (auto s = st.run(); !s) return s;
  }
  return {};
}

constexpr As I = As::integer, R = As::real, T = As::text;

class Copier {
 public:
  Copier(PgConnection& lab, Connection& store) : lab_(lab), store_(store) {}

  Status batch(std::string_view batch_uuid) {
    return copy("SELECT local_batch_id, batch_uuid::text, coalesce(sequence, ''), coalesce(station_name, ''), "
                "coalesce(operator, ''), coalesce(started_s, 0), ended_s FROM ledlab.batches WHERE batch_uuid = $1",
                {std::string(batch_uuid)},
                "INSERT OR IGNORE INTO batches(batch_id, uuid, sequence, station, operator, started_s, ended_s) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                {I, T, T, T, T, R, R});
  }

  Status run(const LabRun& lab_run) {
    const RunRecord& r = lab_run.run;
    if (!lab_run.batch_uuid.empty())
      if (auto s = batch(lab_run.batch_uuid); !s) return s;
    if (auto s = run_row(r); !s) return s;
    if (!r.dut_serial.empty())
      if (auto s = dut(lab_run.station, r.dut_serial); !s) return s;
    const std::string id = std::to_string(r.id);
    const std::optional<std::string> uuid = r.uuid;
    // With the station's instrument ids, so in its order.
    if (auto s = copy(fmt::format("SELECT instrument_id, name, coalesce(kind, ''), coalesce(resource, ''), "
                                  "coalesce(idn, ''), coalesce(settings::text, '{{}}'), {} FROM ledlab.instruments "
                                  "WHERE run_uuid = $1 ORDER BY instrument_id",
                                  id),
                      {uuid},
                      "INSERT INTO instruments(instrument_id, name, kind, resource, idn, settings, run_id) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      {I, T, T, T, T, T, I});
        !s)
      return s;
    // The run's month: lets PostgreSQL read only that month's partitions (run-time pruning).
    const std::string month = "(SELECT run_month FROM ledlab.runs WHERE run_uuid = $1)";
    if (auto s = copy(fmt::format("SELECT series_id, {}, lane, coalesce(quantity, ''), coalesce(unit, ''), "
                                  "coalesce(conditions::text, '{{}}') FROM ledlab.series "
                                  "WHERE run_month = {} AND run_uuid = $1 ORDER BY series_id",
                                  id, month),
                      {uuid},
                      "INSERT INTO series(series_id, run_id, lane, quantity, unit, conditions) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      {I, I, I, T, T, T});
        !s)
      return s;
    if (auto s = chunks(r.uuid, month); !s) return s;
    if (auto s = copy(fmt::format("SELECT result_id, {}, coalesce(name, ''), lane, value, coalesce(unit, ''), "
                                  "lower_limit, upper_limit, pass, coalesce(extra::text, '{{}}'), t_s, "
                                  "coalesce(qualifier, ''), coalesce(verdict, 'not_judged') FROM ledlab.results "
                                  "WHERE run_month = {} AND run_uuid = $1 ORDER BY result_id",
                                  id, month),
                      {uuid},
                      "INSERT INTO results(result_id, run_id, name, lane, value, unit, lower_limit, upper_limit, "
                      "pass, extra, t_s, qualifier, verdict) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                      "?12, ?13)",
                      {I, I, T, I, R, T, R, R, I, T, R, T, T});
        !s)
      return s;
    if (auto s = copy(fmt::format("SELECT event_id, {}, t_s, kind, coalesce(source, ''), coalesce(message, ''), "
                                  "coalesce(data::text, '{{}}') FROM ledlab.events "
                                  "WHERE run_month = {} AND run_uuid = $1 ORDER BY event_id",
                                  id, month),
                      {uuid},
                      "INSERT INTO events(event_id, run_id, t_s, kind, source, message, data) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                      {I, I, R, T, T, T, T});
        !s)
      return s;
    if (auto s = copy(fmt::format("SELECT {}, name, coalesce(state::text, '{{}}'), coalesce(t_s, 0), "
                                  "coalesce(result_mark, 0), coalesce(series_marks::text, '[]') "
                                  "FROM ledlab.checkpoints WHERE run_uuid = $1 ORDER BY name",
                                  id),
                      {uuid},
                      "INSERT INTO checkpoints(run_id, name, state, t_s, result_mark, series_marks) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      {I, T, T, R, I, T});
        !s)
      return s;
    return superseded(r, id);
  }

 private:
  Status copy(const std::string& select, std::initializer_list<std::optional<std::string>> params,
              std::string_view insert, std::initializer_list<As> types) {
    auto res = lab_.query(select, params);
    if (!res) return fail(res.error());
    auto st = store_.prepare(insert);
    if (!st) return fail(st.error());
    return insert_rows(*res, *st, types);
  }

  Status run_row(const RunRecord& r) {
    auto st = store_.prepare(
        "INSERT INTO runs(run_id, uuid, sequence, script_text, script_sha256, parameters, station, operator, "
        "dut_serial, host, ledlab_version, started_s, ended_s, status, owner_pid, owner_token, batch_id, socket) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
    if (!st) return fail(st.error());
    // The owner as the station recorded it: `show` prints its pid, and on the station's own
    // host a running run whose process is gone reads as interrupted (db/ownership.hpp), as it
    // does from the station's file. Elsewhere the lab's word stands.
    st->bind(1, r.id).bind(2, r.uuid).bind(3, r.sequence).bind(4, r.script_text).bind(5, r.script_sha256);
    st->bind(6, r.parameters_json).bind(7, r.station_json).bind(8, r.operator_name).bind(9, r.dut_serial);
    st->bind(10, r.host).bind(11, r.ledlab_version).bind(12, r.started_s).bind(13, r.ended_s);
    st->bind(14, to_string(r.status)).bind(15, r.owner_pid).bind(16, r.owner_token);
    st->bind(17, r.batch_id).bind(18, r.socket);
    return st->run();
  }

  Status dut(const std::string& station, const std::string& serial) {
    if (auto s = copy("SELECT serial, coalesce(description, ''), coalesce(info::text, '{}') FROM ledlab.duts "
                      "WHERE station = $1 AND serial = $2",
                      {station, serial}, "INSERT OR IGNORE INTO duts(serial, description, info) VALUES (?1, ?2, ?3)",
                      {T, T, T});
        !s)
      return s;
    return copy("SELECT dut_serial, lane, \"row\", col, coalesce(label, '') FROM ledlab.lanes "
                "WHERE station = $1 AND dut_serial = $2 ORDER BY lane",
                {station, serial},
                "INSERT OR IGNORE INTO lanes(dut_serial, lane, row, col, label) VALUES (?1, ?2, ?3, ?4, ?5)",
                {T, I, I, I, T});
  }

  // Chunk bytes as stored: the same codec on both sides (db/chunk_codec.hpp). Decoded only to
  // write the plot summary of a chunk longer than one segment, and to check its count then.
  Status chunks(const std::string& uuid, const std::string& month) {
    auto series = store_.prepare("SELECT series_id FROM series WHERE run_id = (SELECT run_id FROM runs WHERE uuid = ?1)");
    if (!series) return fail(series.error());
    series->bind(1, uuid);
    std::vector<SeriesId> ids;
    for (;;) {
      auto row = series->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      ids.push_back(series->column_int(0));
    }
    auto meta = store_.prepare(
        "INSERT INTO chunks(series_id, first_seq, n, t_min, t_max, v_min, v_max, v_sum, v_first, v_last, bytes) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    auto data = store_.prepare("INSERT INTO chunk_data(chunk_id, data) VALUES (?1, ?2)");
    auto rollup = store_.prepare("INSERT INTO chunk_rollups(chunk_id, data) VALUES (?1, ?2)");
    if (!meta || !data || !rollup) return fail((!meta ? meta : !data ? data : rollup).error());
    std::vector<double> t, v, summary;
    // One series at a time: memory stays bounded by one series' chunks, not the run's.
    for (SeriesId id : ids) {
      auto res = lab_.query(fmt::format("SELECT first_seq, n, t_min, t_max, v_min, v_max, v_sum, v_first, v_last, "
                                        "data FROM ledlab.chunks WHERE run_month = {} AND run_uuid = $1 "
                                        "AND series_id = $2 ORDER BY first_seq",
                                        month),
                            {uuid, std::to_string(id)});
      if (!res) return fail(res.error());
      for (int row = 0; row < res->rows(); ++row) {
        const std::string blob = res->bytea(row, 9);
        const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size());
        const std::int64_t n = res->int64(row, 1).value_or(0);
        meta->bind(1, id);
        for (int col = 0; col < 9; ++col) bind_column(*meta, col + 2, *res, row, col, col < 2 ? I : R);
        meta->bind(11, static_cast<std::int64_t>(blob.size()));
        if (auto s = meta->run(); !s) return s;
        const std::int64_t chunk_id = store_.last_insert_rowid();
        data->bind(1, chunk_id).bind_blob(2, bytes);
        if (auto s = data->run(); !s) return s;
        if (static_cast<std::size_t>(n) <= kRollupSegment) continue;
        t.clear(), v.clear();
        if (auto d = decode_chunk(bytes, t, v); !d || static_cast<std::int64_t>(t.size()) != n)
          return fail(Errc::storage, fmt::format("lab database: run {}, series {}, chunk at sample {}: {}", uuid, id,
                                                 res->text(row, 0),
                                                 d ? fmt::format("{} samples where it says {}", t.size(), n)
                                                   : d.error().message));
        chunk_rollup(t, v, summary);
        static_assert(std::endian::native == std::endian::little, "chunk_rollups hold little-endian doubles");
        rollup->bind(1, chunk_id).bind_blob(2, {reinterpret_cast<const std::uint8_t*>(summary.data()),
                                               summary.size() * sizeof(double)});
        if (auto s = rollup->run(); !s) return s;
      }
    }
    return {};
  }

  // What a resume set aside (db/SCHEMA.md "checkpoints"): the lab keeps it as chunks; the
  // local schema one row per sample. `show` counts both.
  Status superseded(const RunRecord& r, const std::string& id) {
    if (auto s = copy(fmt::format("SELECT result_id, {}, coalesce(name, ''), lane, value, coalesce(unit, ''), "
                                  "lower_limit, upper_limit, pass, coalesce(extra::text, '{{}}'), t_s, "
                                  "extract(epoch FROM superseded_at)::float8, coalesce(qualifier, ''), "
                                  "coalesce(verdict, 'not_judged') FROM ledlab.superseded_results "
                                  "WHERE run_uuid = $1 ORDER BY result_id, superseded_at",
                                  id),
                      {r.uuid},
                      "INSERT OR IGNORE INTO superseded_results(result_id, run_id, name, lane, value, unit, "
                      "lower_limit, upper_limit, pass, extra, t_s, superseded_s, qualifier, verdict) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                      {I, I, T, I, R, T, R, R, I, T, R, R, T, T});
        !s)
      return s;
    auto res = lab_.query(
        "SELECT series_id, extract(epoch FROM superseded_at)::float8, data FROM ledlab.superseded_chunks "
        "WHERE run_uuid = $1 ORDER BY superseded_at, series_id, first_seq",
        {r.uuid});
    if (!res) return fail(res.error());
    auto st = store_.prepare("INSERT INTO superseded_samples(series_id, t_s, value, superseded_s) VALUES (?1, ?2, ?3, ?4)");
    if (!st) return fail(st.error());
    std::vector<double> t, v;
    for (int row = 0; row < res->rows(); ++row) {
      const std::string blob = res->bytea(row, 2);
      t.clear(), v.clear();
      if (auto d = decode_chunk({reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size()}, t, v); !d)
        return fail(Errc::storage, fmt::format("lab database: run {}, a superseded chunk of series {}: {}", r.uuid,
                                               res->text(row, 0), d.error().message));
      for (std::size_t i = 0; i < t.size(); ++i) {
        st->bind(1, res->int64(row, 0).value_or(0)).bind(2, t[i]).bind(3, v[i]).bind(4, res->float8(row, 1).value_or(0));
        if (auto s = st->run(); !s) return s;
      }
    }
    return {};
  }

  PgConnection& lab_;
  Connection& store_;
};

// A new store file at `path`, then `fill` inside one transaction on each side.
Status materialise(PgConnection& lab, const std::filesystem::path& path, const std::function<Status(Copier&)>& fill) {
  if (std::filesystem::exists(path))
    return fail(Errc::invalid_argument, fmt::format("{} exists: a copy from the lab goes into a new file", path.string()));
  auto store = Connection::open(path.string(), Connection::Mode::read_write_create);
  if (!store) return fail(store.error());
  if (auto s = migrate(*store); !s) return s;
  auto read = lab::Transaction::begin(lab, "ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!read) return fail(read.error());
  auto write = db::Transaction::begin(*store);
  if (!write) return fail(write.error());
  Copier copier(lab, *store);
  if (auto s = fill(copier); !s) return s;
  if (auto s = write->commit(); !s) return s;
  return read->commit();
}

}  // namespace

Status materialise_run(PgConnection& lab, const LabRun& run, const std::filesystem::path& sqlite_path) {
  return materialise(lab, sqlite_path, [&](Copier& c) { return c.run(run); });
}

Status materialise_batch(PgConnection& lab, std::string_view batch_uuid, const std::filesystem::path& sqlite_path) {
  return materialise(lab, sqlite_path, [&](Copier& c) -> Status {
    if (auto s = c.batch(batch_uuid); !s) return s;
    RunFilter all;
    auto runs = list_lab_runs(lab, all, batch_uuid);
    if (!runs) return fail(runs.error());
    if (runs->empty()) return fail(Errc::not_found, fmt::format("batch {} has no runs in the lab database", batch_uuid));
    for (const LabRun& listed : *runs) {
      // The listing leaves out the script and station configuration: read the run in full.
      auto full = find_lab_run(lab, listed.run.uuid);
      if (!full) return fail(full.error());
      if (auto s = c.run(*full); !s) return s;
    }
    return Status{};
  });
}

}  // namespace ledlab::db::lab
