#pragma once
// How samples lie on disk (schema v4; db/SCHEMA.md "samples"). A series' samples are numbered
// 0, 1, 2... in recorded order (`seq`). The newest few of each series are "hot": one row each
// in hot_samples, appended in the writer's batch transaction, so a sweep committed is a sweep
// kept. Once this writer holds `hot_limit` hot rows (or its run ends) it compacts them: each
// series' hot rows become one compressed chunk (db/chunk_codec.hpp) in the same transaction
// that deletes them, so a kill during compaction leaves either the rows or the chunk. A
// series' trailing partial chunks are merged once there are `merge_count` of them or they add
// up to a full chunk, so a six-week lane is a few dozen full chunks, each read in one go.
//
// Everything here runs on the writer thread inside its batch transaction.
#include "db/records.hpp"
#include "db/sqlite.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ledlab::db {

struct ChunkPolicy {
  std::size_t hot_limit = 131072;     // hot rows this writer keeps before compacting them all
  std::size_t chunk_samples = 65536;  // a full chunk
  std::size_t merge_count = 16;       // trailing partial chunks of a series merged at this many
  std::size_t direct_min = 256;       // a batch with this many samples of one series is chunked at once
  // Merges done per batch at most. Lanes read in lockstep reach a merge together; spread over
  // batches, no single commit (which a checkpoint waits for) re-encodes every lane at once.
  std::size_t merges_per_batch = 32;
  // Called halfway through a compaction and a merge, inside their transaction: the crash
  // tests kill the process there.
  std::function<void(std::string_view stage)> probe;
};

// A series' sample count at a checkpoint: resuming sets aside every sample numbered from it on.
using SeriesMark = std::pair<SeriesId, std::int64_t>;

// A chunk's plot summary (chunk_rollups.data): per segment of kRollupSegment samples, seven
// little-endian IEEE doubles: t_first, t_last, min, max, sum, first value, last value. Only
// chunks longer than one segment have one; a shorter chunk's metadata row is its summary.
inline constexpr std::size_t kRollupSegment = 4096;
inline constexpr std::size_t kRollupFields = 7;
// The summary of a chunk's samples as chunk_rollups.data holds it (as doubles); empty for a
// chunk of one segment or less. The writer and a copy made from another store (db/lab) share it.
void chunk_rollup(std::span<const double> t, std::span<const double> v, std::vector<double>& out);

// Writes and removes chunks: metadata row, compressed data and plot summary.
class ChunkInserter {
 public:
  ChunkInserter() = default;  // empty; use create()
  static Result<ChunkInserter> create(Connection& conn);
  // Returns the new chunk_id.
  Result<std::int64_t> insert(Connection& conn, SeriesId series, std::int64_t first_seq, std::span<const double> t,
                              std::span<const double> v);
  Status remove(std::int64_t chunk_id);

 private:
  Statement meta_, data_, rollup_, drop_meta_, drop_data_, drop_rollup_;
  std::vector<std::uint8_t> blob_;
  std::vector<double> rollup_values_;
};

class SampleChunks {
 public:
  SampleChunks() = default;  // empty; use create()
  static Result<SampleChunks> create(Connection& conn, ChunkPolicy policy = {});

  // A new series (nothing on disk yet) this writer appends to.
  void add_new(SeriesId series);
  // Series with samples on disk (a resumed run, or after a rewind): reloads their sample
  // count, hot rows and trailing partial chunks from the file.
  Status load(Connection& conn, std::span<const SeriesId> series);
  // Series this writer no longer appends to (their run ended); compact them first.
  void forget(std::span<const SeriesId> series);
  bool knows(SeriesId series) const { return state_.contains(series); }

  // Appends samples of one series, in order (t and v of equal length).
  Status append(Connection& conn, SeriesId series, std::span<const double> t, std::span<const double> v);
  // Compacts everything hot once the writer holds hot_limit rows or more, and does the
  // merges that are due (merges_per_batch at most).
  Status after_batch(Connection& conn);
  // Turns the hot rows of these series into chunks.
  Status compact(Connection& conn, std::span<const SeriesId> series);

  std::vector<SeriesMark> marks(std::span<const SeriesId> series) const;
  std::size_t hot_rows() const { return hot_rows_; }
  const ChunkPolicy& policy() const { return policy_; }

 private:
  struct Partial {
    std::int64_t chunk_id, first_seq, n;
  };
  struct SeriesState {
    std::int64_t next_seq = 0;  // samples on disk, hot ones included
    std::vector<double> hot_t, hot_v;
    std::vector<std::int64_t> hot_id;
    std::vector<Partial> partials;  // trailing chunks shorter than a full one
    std::int64_t partial_n = 0;
  };

  Status insert_hot(Connection& conn, SeriesId series, SeriesState& s, std::span<const double> t,
                    std::span<const double> v);
  // Writes t/v (starting at sample first_seq) as full chunks and one partial one.
  Status emit(Connection& conn, SeriesId series, SeriesState& s, std::int64_t first_seq, std::span<const double> t,
              std::span<const double> v);
  Status merge_partials(Connection& conn, SeriesId series, SeriesState& s);
  bool merge_due(const SeriesState& s) const;
  Status delete_hot(std::vector<std::int64_t>& ids);
  void drop_hot(SeriesState& s);

  ChunkPolicy policy_;
  ChunkInserter inserter_;
  Statement insert_hot_one_, insert_hot_many_, delete_hot_range_, select_data_;
  static constexpr int kHotRowsPerInsert = 64;
  std::unordered_map<SeriesId, SeriesState> state_;
  std::size_t hot_rows_ = 0;
  std::vector<SeriesId> pending_merges_;  // series whose trailing partial chunks are due a merge
  std::vector<double> scratch_t_, scratch_v_;
};

// The marks as stored in checkpoints.series_marks (JSON [[series_id, count], ...]).
std::string marks_json(std::span<const SeriesMark> marks);
Result<std::vector<SeriesMark>> parse_marks(std::string_view json);

// For a run being resumed: moves every sample of `run`'s series numbered at or after its
// mark (0 for series without one) into superseded_samples, splitting a chunk that straddles
// a mark. Returns how many were moved. Runs inside the writer's transaction.
Result<std::int64_t> supersede_after_marks(Connection& conn, RunId run, std::span<const SeriesMark> marks, double now_s);

// Schema migration 3 -> 4: the v3 samples / sample_blocks rows become chunks, and each v3
// checkpoint's sample_mark becomes per-series marks. Runs inside the migration's transaction.
Status convert_v3_samples(Connection& conn, const ChunkPolicy& policy = {});

}  // namespace ledlab::db
