#pragma once
// The writer thread's side of the store: the one read-write connection, its prepared
// statements and every write the store performs. Only the writer thread touches a
// WriterSession; the Store front turns calls from other threads into WriterCommands.
#include "db/records.hpp"
#include "db/sample_chunks.hpp"
#include "db/sqlite.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ledlab::db {

struct IngestCounters {
  std::uint64_t committed_samples = 0;
  std::uint64_t rejected_samples = 0;  // appended for a series this store does not write
  std::uint64_t batches = 0;
};

class WriterSession {
 public:
  // Takes an open, migrated, configured connection.
  static Result<WriterSession> create(Connection conn, ChunkPolicy policy = {});

  Connection& connection() { return conn_; }

  // Writes one batch, grouped per series (db/sample_chunks.hpp: hot rows, compacted into
  // chunks as they accumulate). Must run inside a transaction.
  Status write_samples(const std::vector<Sample>& batch, IngestCounters& counters);

  Result<RunRecord> insert_run(const RunProvenance& provenance);
  Result<RunRecord> resume_run(RunId run);
  Status finish_run(RunId run, RunStatus status, double ended_s, const std::string& why);
  // Batches (db/batches.cpp).
  Result<BatchRecord> insert_batch(const BatchRecord& batch);
  Status finish_batch(std::int64_t batch, double ended_s);
  Result<std::int64_t> insert_instrument(RunId run, const InstrumentRecord& instrument);
  Status upsert_dut(const DutRecord& dut);
  Result<SeriesId> insert_series(RunId run, const SeriesSpec& spec);
  // All of `specs` or, on an error, none registered (the caller's savepoint undoes the rows).
  Result<std::vector<SeriesId>> insert_series(RunId run, std::span<const SeriesSpec> specs);
  Result<std::int64_t> insert_result(RunId run, const ResultRecord& result);
  Result<std::int64_t> insert_event(RunId run, const EventRecord& event);
  Status upsert_checkpoint(RunId run, const CheckpointRecord& checkpoint);
  Result<Rewind> rewind_to_checkpoint(RunId run);

  // Marks 'running' runs whose owning process is gone as 'interrupted' (with an event).
  Result<int> recover_orphaned_runs();
  // Runs this session started or resumed and has not finished.
  const std::vector<RunId>& open_runs() const { return open_runs_; }

 private:
  WriterSession() = default;
  void register_series(SeriesId id);
  Status unregister_run_series(RunId run);
  std::vector<SeriesId> run_series(RunId run) const;
  Result<RunRecord> load_run(RunId run);

  Connection conn_;
  SampleChunks chunks_;
  Statement insert_event_, insert_result_;
  // Dense map from series_id (offset by series_base_) to "writable": appended samples for
  // other series are rejected without a per-row lookup in SQLite.
  SeriesId series_base_ = 0;
  std::vector<std::uint8_t> writable_;
  std::vector<std::pair<SeriesId, RunId>> series_runs_;
  std::vector<RunId> open_runs_;
  // Scratch for grouping, reused batch after batch (bounded by the batch size).
  std::vector<std::uint32_t> count_, order_;
  std::vector<std::uint32_t> touched_;
  std::vector<double> t_, v_;
};

}  // namespace ledlab::db
