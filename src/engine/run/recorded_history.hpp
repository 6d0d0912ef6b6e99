#pragma once
// What a sequence reads back of its own run (recorded{}), through the store's public reading
// API (db/reader.hpp): the run's series of one quantity whose conditions include the asked
// ones, merged into rows, one per time, each with every lane's value (NaN where a lane has
// none; one number for a quantity recorded without lanes). Where several matching series give
// a value for the same lane and time, the last series in the store's order wins.
//   read_recorded, whole:  every row at once. Holds the whole history in memory (for a burn-in
//                          of weeks, gigabytes): for short histories only.
//   read_recorded, aggregate "first" / "latest": the first or the last row; "count": the number
//                          of rows (streams through the history, in bounded memory).
//   read_recorded, max_points = N: a decimated view of at most N rows, each the mean of the
//                          readings in one of N equal stretches of time, with their min and max
//                          (Reader::decimate: beyond its exact limit a stretch is made of whole
//                          stored segments, each counted where it starts).
//   RecordedRows:          every row in time order, a window of time at a time, in memory
//                          bounded by the window (about kRowsPerWindow rows).
#include "db/reader.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::engine {

struct RecordedQuery {
  std::string quantity;
  nlohmann::json conditions = nlohmann::json::object();
  std::string aggregate;       // "", "first", "latest" or "count"
  std::size_t max_points = 0;  // 0: not decimated
};

inline constexpr std::size_t kMaxRecordedPoints = db::Reader::kMaxBuckets;  // decimate's own bound

// recorded{quantity=, conditions={...}, aggregate=, max_points=}. Errors name the key.
Result<RecordedQuery> parse_recorded_query(const nlohmann::json& query);

struct RecordedSeries {
  std::vector<db::SeriesRecord> series;  // in the store's order
  int lanes = 0;                         // the highest lane among them, 0 when none has one
};
Result<RecordedSeries> match_recorded_series(db::Reader& reader, db::RunId run, const RecordedQuery& query);

// recorded{} as the script gets it, but for the streamed form: {t = {...}, values = {...}} for
// the whole history; the row {t =, values =} (nil when nothing was recorded) for "first" and
// "latest"; a number for "count"; {t, values, min, max} for max_points (t: the middle of each
// stretch of time that holds readings).
Result<nlohmann::json> read_recorded(db::Reader& reader, db::RunId run, const RecordedQuery& query);

struct RecordedRow {
  double t_s = 0;
  std::vector<double> values;  // [0]: no lane, [1..lanes]: the lanes
};

// The merge of a query's series into rows, one window of time after the other. The window's
// width adapts so that a window holds about kRowsPerWindow rows.
class RowWindows {
 public:
  static constexpr std::size_t kRowsPerWindow = 1024;
  explicit RowWindows(RecordedSeries series);
  // Appends the next window's rows (possibly none) to `out`; false once the history is read.
  Result<bool> read_next(db::Reader& reader, std::deque<RecordedRow>& out);

 private:
  RecordedSeries series_;
  double from_s_ = 0, end_s_ = 0, width_s_ = 0;
  bool done_ = false;
};

// Rows streamed from the store file, for recorded{..., each = function(t, values) ... end}.
class RecordedRows {
 public:
  static Result<std::unique_ptr<RecordedRows>> open(const std::filesystem::path& db, db::RunId run,
                                                    const RecordedQuery& query);
  // Up to max_rows of the next rows as {t = {...}, values = {...}}; null when all have been read.
  Result<nlohmann::json> next(std::size_t max_rows);

 private:
  RecordedRows(db::Reader reader, RecordedSeries series);
  db::Reader reader_;
  int lanes_ = 0;
  RowWindows windows_;
  std::deque<RecordedRow> pending_;
};

}  // namespace ledlab::engine
