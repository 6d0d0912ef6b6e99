#pragma once
// The shipper's view of the lab database: what a run already has there (its marks, read back
// after every (re)connect: PostgreSQL is the truth) and how rows are written (binary COPY).
#include "db/lab/pg.hpp"
#include "db/lab/ship_state.hpp"
#include "db/lab/shipper_local.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::db::lab {

// How a run is named in every lab table: its uuid, the station and the partition month.
struct RunKey {
  std::string uuid;
  std::string station;
  std::int32_t month_days = 0;  // first day (UTC) of the start month, days since 2000-01-01
  std::string month;            // the same as 'YYYY-MM-01'
};
RunKey run_key(const RunRecord& run, std::string station);

// A double as a query parameter: every bit kept (17 significant digits; float8in reads
// NaN and infinities as written by fmt).
std::string f8(double v);
std::optional<std::string> f8(const std::optional<double>& v);

struct PgSeriesMark {
  std::int64_t end = 0;     // max(first_seq + n): samples shipped
  double t_max = 0, v_last = 0;  // of the last chunk
  // The trailing chunks shorter than a full one (first_seq, n), oldest first.
  std::vector<std::pair<std::int64_t, std::int64_t>> trailing;
};

struct PgRunMarks {
  bool exists = false;
  std::string status;
  std::optional<double> ended_s;
  std::set<SeriesId> series;
  std::map<SeriesId, PgSeriesMark> chunks;
  std::int64_t results = 0, events = 0;  // max ids
  std::int64_t instruments = 0;
};
Result<PgRunMarks> read_marks(PgConnection& lab, const RunKey& key);

inline constexpr const char* kChunkColumns =
    "run_month, run_uuid, station, series_id, first_seq, n, t_min, t_max, v_min, v_max, v_sum, v_first, v_last, data";
inline constexpr const char* kResultColumns =
    "run_month, run_uuid, station, result_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, t_s, "
    "qualifier, verdict";

// One chunk / result / event row for COPY ledlab.<table>(<columns above>) FROM STDIN (FORMAT binary).
void put_chunk(CopyWriter& out, const RunKey& key, SeriesId series, const ChunkRow& row);
void put_result(CopyWriter& out, const RunKey& key, const ResultRow& row);
void put_event(CopyWriter& out, const RunKey& key, const EventRow& row);

// COPY ... FROM STDIN (FORMAT binary) into ledlab.<table>(columns). PostgreSQL refuses COPY FROM
// into a table with row-level security (PostgreSQL docs, "COPY", Notes), which every ledlab
// table has: the rows go into a temporary table of the same shape first (no RLS, this session's
// own), then INSERT ... SELECT moves them, the policies checking every row. Result: rows copied.
Result<std::int64_t> copy_rows(PgConnection& lab, std::string_view table, std::string_view columns,
                               const std::function<Status(CopyWriter&)>& produce);

// One chunk row written to `table` ("chunks" or "superseded_chunks") by a single COPY.
Status copy_chunk(PgConnection& lab, std::string_view table, const RunKey& key, SeriesId series, const ChunkRow& row);

// What the lab database holds of each run of `station` (of those in `only` when it is not
// empty): status, samples, results, events.
Result<std::map<std::string, RunShipped>> shipped_runs(PgConnection& lab, std::string_view station,
                                                       const std::set<std::string>& only = {});

}  // namespace ledlab::db::lab
