// Batches (schema version 6, db/SCHEMA.md "batches"): the writer's inserts and the reader's
// lookups. A batch row holds what its runs share; each run keeps its own provenance.
#include "db/ownership.hpp"
#include "db/reader.hpp"
#include "db/rows.hpp"
#include "db/writer.hpp"

#include <fmt/core.h>

namespace ledlab::db {

namespace {

constexpr const char* kBatchColumns = "batch_id, uuid, sequence, station, operator, started_s, ended_s";

BatchRecord batch_from_row(const Statement& st) {
  return {.id = st.column_int(0), .uuid = st.column_text(1), .sequence = st.column_text(2),
          .station = st.column_text(3), .operator_name = st.column_text(4), .started_s = st.column_double(5),
          .ended_s = st.column_opt_double(6)};
}

Result<BatchRecord> load_batch(Connection& conn, std::int64_t id) {
  auto st = conn.prepare(fmt::format("SELECT {} FROM batches WHERE batch_id = ?1", kBatchColumns));
  if (!st) return fail(st.error());
  st->bind(1, id);
  auto row = st->step();
  if (!row) return fail(row.error());
  if (!*row) return fail(Errc::not_found, fmt::format("no batch with id {}", id));
  return batch_from_row(*st);
}

}  // namespace

Result<BatchRecord> WriterSession::insert_batch(const BatchRecord& b) {
  auto st = conn_.prepare("INSERT INTO batches(uuid, sequence, station, operator, started_s) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!st) return fail(st.error());
  auto uuid = new_uuid();
  if (!uuid) return fail(uuid.error());
  st->bind(1, *uuid).bind(2, b.sequence).bind(3, b.station).bind(4, b.operator_name);
  st->bind(5, b.started_s > 0 ? b.started_s : unix_now_s());
  if (auto r = st->run(); !r) return fail(r.error());
  return load_batch(conn_, conn_.last_insert_rowid());
}

Status WriterSession::finish_batch(std::int64_t batch, double ended_s) {
  auto st = conn_.prepare("UPDATE batches SET ended_s = ?2 WHERE batch_id = ?1");
  if (!st) return fail(st.error());
  st->bind(1, batch).bind(2, ended_s);
  if (auto r = st->run(); !r) return r;
  if (conn_.changes() == 0) return fail(Errc::not_found, fmt::format("no batch with id {}", batch));
  return {};
}

Result<BatchRecord> Reader::batch(std::int64_t id) { return load_batch(conn_, id); }

Result<BatchRecord> Reader::find_batch(std::string_view key) {
  if (key.empty()) return fail(Errc::invalid_argument, "empty batch id");
  auto st = conn_.prepare(fmt::format("SELECT {} FROM batches WHERE substr(uuid, 1, length(?1)) = ?1 LIMIT 2", kBatchColumns));
  if (!st) return fail(st.error());
  st->bind(1, key);
  std::vector<BatchRecord> found;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) break;
    found.push_back(batch_from_row(*st));
  }
  if (found.empty()) return fail(Errc::not_found, fmt::format("no batch matches '{}'", key));
  if (found.size() > 1 && found.front().uuid != key && found.back().uuid != key)
    return fail(Errc::invalid_argument, fmt::format("'{}' matches more than one batch; give more of the uuid", key));
  return found.front().uuid == key || found.size() == 1 ? found.front() : found.back();
}

Result<std::vector<RunRecord>> Reader::batch_runs(std::int64_t batch) {
  auto st = conn_.prepare(fmt::format("SELECT {} FROM runs WHERE batch_id = ?1 ORDER BY socket, run_id", kRunColumns));
  if (!st) return fail(st.error());
  st->bind(1, batch);
  std::vector<RunRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return fail(row.error());
    if (!*row) return out;
    out.push_back(run_from_row(*st));
  }
}

}  // namespace ledlab::db
