#pragma once
// The results store's writing side: one per process and database file. A dedicated writer
// thread owns the SQLite connection; any thread may call the Store. Samples are queued
// (bounded: two batches at most) and committed in batches by size or age, so on disk they
// are at most `max_latency` plus one commit old. Every other call waits until its change is
// committed and returns the outcome.
//
// Opening the store refuses a file that is not a ledlab store or is damaged (see
// file_check.hpp), migrates the schema and marks runs whose owning process died as
// 'interrupted'. Closing it (destructor or close()) flushes and marks this store's runs
// that are still running as 'interrupted'.
#include "db/records.hpp"
#include "db/sample_chunks.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <thread>

namespace ledlab::db {

struct StoreOptions {
  std::size_t batch_samples = 65536;                 // a commit at least this often (in samples)
  std::chrono::milliseconds max_latency{250};        // ... or when the oldest queued sample is this old
  // Opening runs PRAGMA quick_check on files up to this size (it reads every page: a
  // second or two per 200 MiB); larger files get the header and schema checks only.
  std::uintmax_t quick_check_max_bytes = std::uintmax_t{512} << 20;
  ChunkPolicy chunks;  // when hot rows become chunks (db/sample_chunks.hpp)
};

struct StoreStats {
  std::uint64_t appended_samples = 0;   // accepted by append()
  std::uint64_t committed_samples = 0;  // on disk
  std::uint64_t rejected_samples = 0;   // for series this store did not declare (dropped, logged)
  std::uint64_t batches = 0;
  int recovered_runs = 0;               // runs marked interrupted when the store opened
};

class WriterSession;
class Inbox;

class Store {
 public:
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // ---- runs ----
  Result<RunRecord> begin_run(const RunProvenance& provenance);
  // Takes over an interrupted run (after a crash) so it can go on; its series accept samples again.
  Result<RunRecord> resume_run(RunId run);
  // Sets the final status (finished, aborted, failed, interrupted) and end time (empty: now).
  Status end_run(RunId run, RunStatus status, std::optional<double> ended_s = {}, std::string why = {});

  Result<std::int64_t> add_instrument(RunId run, InstrumentRecord instrument);
  Status upsert_dut(DutRecord dut);
  Result<SeriesId> declare_series(RunId run, SeriesSpec spec);

  // ---- samples: cheap, callable from any thread; blocks only while two batches are queued ----
  Status append(SeriesId series, double t_s, double value) { return append(Sample{series, t_s, value}); }
  Status append(const Sample& sample);
  Status append(std::span<const Sample> samples);

  Result<std::int64_t> record_result(RunId run, ResultRecord result);
  Result<std::int64_t> log_event(RunId run, EventRecord event);
  // Commits everything appended so far, then the checkpoint with the marks of what it covers.
  Status checkpoint(RunId run, CheckpointRecord checkpoint);
  // For a run being resumed: moves the samples and results recorded after its last checkpoint
  // into superseded_samples / superseded_results (kept, but no longer part of the run), so the
  // step the script redoes is not recorded twice. Without a checkpoint everything is moved.
  Result<Rewind> rewind_to_checkpoint(RunId run);

  // Returns once everything appended or issued before the call is committed.
  Status flush();
  // Flushes, interrupts this store's open runs and stops the writer. Idempotent.
  Status close();

  StoreStats stats() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  Store(std::filesystem::path path, StoreOptions options);
  // A lost batch makes every later call fail with its error (no silent loss), except the calls
  // that record how the run ended (`after_failure`): a run whose samples were refused must still
  // be stored as failed, with the reason, where the database can take it.
  enum class AfterFailure { refuse, attempt };
  template <class T, class Fn>
  Result<T> call(Fn fn, AfterFailure after_failure = AfterFailure::refuse);
  void writer_loop();
  Status sticky() const;

  std::filesystem::path path_;
  std::unique_ptr<Inbox> inbox_;
  std::unique_ptr<WriterSession> session_;
  std::thread writer_;
  std::atomic<std::uint64_t> appended_{0}, committed_{0}, rejected_{0}, batches_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex error_mutex_;
  Error error_;  // the first writer failure; sticky, every later call reports it
  int recovered_runs_ = 0;
  bool closed_ = false;
};

}  // namespace ledlab::db
