#pragma once
// The shipper's view of the local store: a run's samples by seq as chunk rows ready for the
// lab database. Everything here reads through the Reader's connection, inside the caller's
// read transaction (db/reader.hpp ReadTransaction), so chunks and hot rows come from one commit.
#include "db/reader.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace ledlab::db::lab {

// One chunk as the lab database stores it (db/LAB_SCHEMA.md "chunks"): samples
// first_seq .. first_seq + n - 1 of one series, in the local store's chunk format.
struct ChunkRow {
  std::int64_t first_seq = 0, n = 0;
  double t_min = 0, t_max = 0;
  std::optional<double> v_min, v_max, v_sum;  // NaN skipped; empty when every value is NaN
  double v_first = 0, v_last = 0;
  std::vector<std::uint8_t> data;
};

// Encodes samples as a chunk row with the same summary the local store computes
// (db/sample_chunks.cpp ChunkInserter::insert).
ChunkRow make_chunk_row(std::int64_t first_seq, std::span<const double> t, std::span<const double> v);

// The not yet compacted samples (hot_samples) of some series, read in one scan: the table has
// no index by series (db/SCHEMA.md), so one pass over it beats one per series.
class HotRows {
 public:
  Status load(Connection& conn, std::span<const SeriesId> series);
  struct Rows {
    std::vector<std::int64_t> seq;
    std::vector<double> t, v;
  };
  const Rows* of(SeriesId series) const;

 private:
  std::unordered_map<SeriesId, Rows> rows_;
};

// Visits the chunk rows that hold samples [from, to) of `series`, in order. A local chunk that
// starts at the next seq and ends within `to` is passed on as stored (same bytes); the rest
// (a chunk cut at `from`, hot rows) is re-encoded in chunks of at most kFullChunkSamples.
// `visit` returns false to stop early (the caller's transaction is full).
using ChunkVisitor = std::function<Result<bool>(const ChunkRow&)>;
Status for_each_chunk_row(Connection& conn, const HotRows& hot, SeriesId series, std::int64_t from, std::int64_t to,
                          const ChunkVisitor& visit);

// Samples [from, to) of `series` (fewer when the series is shorter), appended to t and v.
Status local_samples(Connection& conn, const HotRows& hot, SeriesId series, std::int64_t from, std::int64_t to,
                     std::vector<double>& t, std::vector<double>& v);

// Result and event rows as stored (text columns byte for byte: the lab copy must print the same).
struct ResultRow {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> lane;
  double value = 0;
  std::string unit;
  std::optional<double> lower_limit, upper_limit;
  std::optional<std::int64_t> pass;
  std::string extra;
  double t_s = 0;
  std::string qualifier, verdict;
};
struct EventRow {
  std::int64_t id = 0;
  double t_s = 0;
  std::string kind, source, message, data;
};
// Local rows of a run newer than a mark, oldest first, at most `limit`.
Result<std::vector<ResultRow>> results_after(Connection& conn, RunId run, std::int64_t after, std::size_t limit);
Result<std::vector<EventRow>> events_after(Connection& conn, RunId run, std::int64_t after, std::size_t limit);

// How many samples and results of the run local resumes have set aside (superseded_*): when
// these change, the lab database may hold rows the run no longer has.
struct SupersededCounts {
  std::int64_t samples = 0, results = 0;
  bool operator==(const SupersededCounts&) const = default;
};
Result<SupersededCounts> superseded_counts(Connection& conn, RunId run);

// The checkpoints of a run with their marks (Reader::checkpoints leaves out series_marks).
struct CheckpointRow {
  std::string name, state_json, series_marks_json;
  double t_s = 0;
  std::int64_t result_mark = 0;
};
Result<std::vector<CheckpointRow>> checkpoint_rows(Connection& conn, RunId run);

}  // namespace ledlab::db::lab
