#pragma once
// The store's reading side: a read-only connection for the dashboard, reports, exports and
// the CLI. WAL mode lets it read a consistent snapshot while the writer commits; it sees
// every batch committed before each query starts, or, inside a read_transaction(), before the
// transaction's first query. One Reader per thread.
#include "db/records.hpp"
#include "db/sqlite.hpp"

#include <array>
#include <filesystem>
#include <functional>
#include <unordered_map>
#include <limits>
#include <span>
#include <utility>

namespace ledlab::db {

struct RunFilter {
  std::optional<std::string> dut_serial;
  std::optional<std::string> sequence;
  std::optional<RunStatus> status;
  std::optional<std::int64_t> batch_id;  // only the runs of this batch
  // The station's name: in a local store the "name" of the station file the run stored
  // (runs.station); in the lab database the station that shipped it.
  std::optional<std::string> station;
  // The run's parameter "dut_type" when it is a string, else its DUT's description.
  std::optional<std::string> dut_type;
  // Runs started within [since_s, until_s] (unix seconds, both inclusive).
  std::optional<double> since_s, until_s;
  std::size_t limit = 0;  // 0: all; newest first
};

struct RunTotals {
  std::int64_t series = 0;
  std::int64_t samples = 0;
  std::int64_t results = 0;
  std::int64_t results_failed = 0;
  std::int64_t events = 0;
  std::int64_t alarms_and_faults = 0;
  // Recorded after the last checkpoint by a process that was killed, then set aside when the
  // run resumed (the step was redone): kept in superseded_samples / superseded_results.
  std::int64_t superseded_samples = 0;
  std::int64_t superseded_results = 0;
};

class Reader;

// A read transaction for the length of a scope. SQLite docs, "Isolation In SQLite": a read
// transaction on a WAL database sees the database as of its first read until it ends, whatever
// other connections commit meanwhile. So every call of the Reader in its scope answers from one
// commit: a series' sample count and its newest samples, the results and the samples they
// judge. Opened inside another one it does nothing; the outermost ends the read.
class ReadTransaction {
 public:
  ReadTransaction(ReadTransaction&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  ReadTransaction& operator=(ReadTransaction&&) = delete;
  ~ReadTransaction();

 private:
  friend class Reader;
  explicit ReadTransaction(Connection* conn) : conn_(conn) {}
  Connection* conn_;  // null when an enclosing transaction ends the read
};

class Reader {
 public:
  static Result<Reader> open(const std::filesystem::path& path);

  // Begins a read transaction (see ReadTransaction); the Reader must outlive it.
  Result<ReadTransaction> read_transaction();

  Result<std::vector<RunRecord>> list_runs(const RunFilter& filter = {});
  // A full uuid or a unique prefix of one. Errors: not_found, invalid_argument (ambiguous).
  Result<RunRecord> find_run(std::string_view uuid_or_prefix);
  Result<RunRecord> run(RunId id);
  Result<RunTotals> totals(RunId run);
  // Batches (db/batches.cpp): one by id, and its runs in socket order.
  Result<BatchRecord> batch(std::int64_t id);
  // A full batch uuid or a unique prefix of one. Errors: not_found, invalid_argument (ambiguous).
  Result<BatchRecord> find_batch(std::string_view uuid_or_prefix);
  Result<std::vector<RunRecord>> batch_runs(std::int64_t batch);

  Result<std::vector<InstrumentRecord>> instruments(RunId run);
  Result<std::vector<SeriesRecord>> series(RunId run);  // with sample counts and time span
  Result<DutRecord> dut(const std::string& serial);

  // Samples of one series in recorded order, optionally within [from_s, to_s].
  Result<std::vector<Sample>> samples(SeriesId series, double from_s = -std::numeric_limits<double>::infinity(),
                                      double to_s = std::numeric_limits<double>::infinity());
  // The newest `count` samples of a series (dashboard tail), oldest first.
  Result<std::vector<Sample>> latest_samples(SeriesId series, std::size_t count);
  // Streams a series without holding it in memory (exports of weeks-long runs).
  Status for_each_sample(SeriesId series, const std::function<void(const Sample&)>& visit);
  // Streams the samples within [from_s, to_s] in recorded order, a run of them at a time
  // (t and v of equal length); memory stays bounded by one chunk whatever the series' size.
  using SampleRunVisitor = std::function<void(std::span<const double> t, std::span<const double> v)>;
  Status for_each_sample_run(SeriesId series, double from_s, double to_s, const SampleRunVisitor& visit);
  // A decimated view for plots: at most `max_buckets` buckets of equal time width over
  // [from_s, to_s] (an infinite bound is the series' own first / last time), each with the
  // count, min, max, mean, first and last value of the samples in it; empty buckets omitted.
  // Exact up to kExactDecimateSamples (2^20) in the window; above, buckets are at least one stored
  // plot segment (4096 samples) wide and made of whole segments, each counted in the bucket
  // of its first time, so a six-week lane decimates without decoding it.
  Result<std::vector<SampleBucket>> decimate(SeriesId series, std::size_t max_buckets,
                                             double from_s = -std::numeric_limits<double>::infinity(),
                                             double to_s = std::numeric_limits<double>::infinity());

  Result<std::vector<ResultRecord>> results(RunId run);
  Result<std::vector<EventRecord>> events(RunId run, std::int64_t after_event_id = 0);
  Result<std::vector<CheckpointRecord>> checkpoints(RunId run);

  Result<std::string> integrity_check();  // "ok" when intact
  Connection& connection() { return conn_; }

  static constexpr std::size_t kMaxBuckets = 65536;
  static constexpr std::int64_t kExactDecimateSamples = std::int64_t{1} << 20;

 private:
  explicit Reader(Connection conn) : conn_(std::move(conn)) {}
  // The hot rows (samples not yet compacted, db/sample_chunks.hpp) of every series, read in
  // one pass and kept until the file changes: reading 400 lanes costs one scan, not 400.
  // Call inside a read transaction, so chunks and hot rows come from the same commit.
  Status refresh_hot();
  struct HotRows {
    std::vector<double> t, v;
  };
  const HotRows* hot(SeriesId series) const;
  Status stream(SeriesId series, double from_s, double to_s, const SampleRunVisitor& visit);

  Connection conn_;
  std::unordered_map<SeriesId, HotRows> hot_;
  std::array<std::int64_t, 3> hot_marker_{-1, -1, -1};
};

}  // namespace ledlab::db
