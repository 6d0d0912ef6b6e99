#pragma once
// The results store's writing side: one per process and database file. A dedicated writer
// thread owns the SQLite connection; any thread may call the Store. Samples are queued
// (bounded: two batches at most) and committed in batches by size or age, so on disk they
// are at most `max_latency` plus one commit old.
//
// Two kinds of call besides samples. The post_* calls (series, results, events) are queued
// and return at once: the engine never waits on SQLite for them. The writer commits them in
// the order they were posted, in as few transactions as keep up (what is posted while it
// commits goes into its next one); a series is inserted before any sample that names it, and
// everything posted before a checkpoint() is committed before it. A post the writer refuses
// is a loss: it is logged, the rest goes on, and from then on flush() and checkpoint() of
// its run fail naming what was lost, and end_run() stores that run as failed rather than
// finished. Every other call waits until its change is committed and returns the outcome
// (begin_run, resume_run, rewind_to_checkpoint, ... : callers that need an answer).
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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace ledlab::db {

struct StoreOptions {
  std::size_t batch_samples = 65536;                 // a commit at least this often (in samples)
  std::chrono::milliseconds max_latency{250};        // ... or when the oldest queued sample is this old
  // Opening runs PRAGMA quick_check on files up to this size (it reads every page: a
  // second or two per 200 MiB); larger files get the header and schema checks only.
  std::uintmax_t quick_check_max_bytes = std::uintmax_t{512} << 20;
  ChunkPolicy chunks;  // when hot rows become chunks (db/sample_chunks.hpp)
  // Called on the writer thread after each transaction that committed samples or commands, so
  // a reader of the file (the lab shipper: Shipper::notify) can look at once instead of polling.
  // It must be cheap, must not block and must not call into this store.
  std::function<void()> on_commit;
};

struct StoreStats {
  std::uint64_t appended_samples = 0;   // accepted by append()
  std::uint64_t committed_samples = 0;  // on disk
  std::uint64_t rejected_samples = 0;   // for series this store did not declare (dropped, logged)
  std::uint64_t batches = 0;
  std::uint64_t transactions = 0;       // committed by the writer (samples, posts and calls)
  std::uint64_t lost_posts = 0;         // posts the writer refused (see post_series)
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
  // After a lost post of this run (see above) a run asked to end 'finished' is stored as
  // 'failed', the loss is added to the reason and returned.
  Status end_run(RunId run, RunStatus status, std::optional<double> ended_s = {}, std::string why = {});

  // ---- batches: several sockets' runs of one sequence, started together ----
  // `batch.id` and `batch.uuid` are assigned; started_s empty (0) means now.
  Result<BatchRecord> begin_batch(BatchRecord batch);
  Status end_batch(std::int64_t batch, std::optional<double> ended_s = {});

  Result<std::int64_t> add_instrument(RunId run, InstrumentRecord instrument);
  Status upsert_dut(DutRecord dut);
  Result<SeriesId> declare_series(RunId run, SeriesSpec spec);

  // ---- posts: queued, never waited for (see the top of this file) ----
  // Declares series without waiting and returns a handle for each, in order: a negative
  // SeriesId that append() on this Store accepts at once (the writer swaps in the real
  // series_id, which another process writing the same file may make anything). The specs of
  // one call are inserted in one transaction, all or none. Handles mean nothing outside this
  // Store: read the real ids back with a Reader.
  Result<std::vector<SeriesId>> post_series(RunId run, std::vector<SeriesSpec> specs);
  // A result of an open run of this store (a result for another run is a loss).
  Status post_result(RunId run, ResultRecord result);
  // An event of any run; still queued after a lost batch, as log_event() still writes.
  Status post_event(RunId run, EventRecord event);

  // ---- samples: cheap, callable from any thread; blocks only while two batches are queued ----
  Status append(SeriesId series, double t_s, double value) { return append(Sample{series, t_s, value}); }
  Status append(const Sample& sample);
  Status append(std::span<const Sample> samples);

  Result<std::int64_t> record_result(RunId run, ResultRecord result);
  Result<std::int64_t> log_event(RunId run, EventRecord event);
  // Commits everything appended and posted so far, then the checkpoint with the marks of
  // what it covers. Refused, naming the loss, once a post of this run was lost: a resume from
  // it would skip what is missing.
  Status checkpoint(RunId run, CheckpointRecord checkpoint);
  // For a run being resumed: moves the samples and results recorded after its last checkpoint
  // into superseded_samples / superseded_results (kept, but no longer part of the run), so the
  // step the script redoes is not recorded twice. Without a checkpoint everything is moved.
  Result<Rewind> rewind_to_checkpoint(RunId run);

  // Returns once everything appended, posted or issued before the call is committed; fails
  // with the first lost post (of any run) once there is one.
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
  // A posted command. Declarations are applied before the samples of their take (which may
  // name them); one_statement commands need no savepoint (see WriterCommand).
  enum class Posted { declaration, one_statement };
  Status post(RunId run, Posted how, std::function<Status(WriterSession&)> fn,
              AfterFailure after_failure = AfterFailure::refuse);
  void writer_loop();
  void resolve_handles(std::vector<Sample>& samples) const;
  Status sticky() const;
  void note_loss(RunId run, const Error& error);
  Status loss(std::optional<RunId> run) const;  // the first loss of `run` (empty: of any run)

  std::filesystem::path path_;
  std::function<void()> on_commit_;
  std::unique_ptr<Inbox> inbox_;
  std::unique_ptr<WriterSession> session_;
  std::thread writer_;
  std::atomic<std::uint64_t> appended_{0}, committed_{0}, rejected_{0}, batches_{0}, transactions_{0}, lost_posts_{0};
  std::atomic<bool> failed_{false};
  mutable std::mutex error_mutex_;
  Error error_;  // the first writer failure; sticky, every later call reports it
  // Refused posts, per run: the first one's error and how many (guarded by error_mutex_).
  struct Loss { Error first; std::uint64_t count = 0; };
  std::map<RunId, Loss> losses_;
  std::atomic<std::int64_t> next_handle_{0};
  std::vector<SeriesId> handle_ids_;  // writer thread only: handle -h-1 -> series_id (0: refused)
  int recovered_runs_ = 0;
  bool closed_ = false;
};

}  // namespace ledlab::db
