#pragma once
// Column lists and row decoders shared by the writer and the readers, so both agree on
// the order of columns in every SELECT.
#include "db/records.hpp"
#include "db/sqlite.hpp"

namespace ledlab::db {

// The series of run ?1, and the time of its newest sample (0 when it has none), chunked or hot.
inline constexpr const char* kRunSeriesSql = "SELECT series_id FROM series WHERE run_id = ?1";
inline constexpr const char* kRunLastSampleSql =
    "max(coalesce((SELECT max(c.t_max) FROM chunks c JOIN series s USING(series_id) WHERE s.run_id = ?1), 0), "
    "coalesce((SELECT max(h.t_s) FROM hot_samples h JOIN series s USING(series_id) WHERE s.run_id = ?1), 0))";

inline constexpr const char* kRunColumns =
    "run_id, uuid, sequence, script_text, script_sha256, parameters, station, operator, dut_serial, host, "
    "ledlab_version, started_s, ended_s, status, owner_pid, owner_token, batch_id, socket";

RunRecord run_from_row(const Statement& st);

}  // namespace ledlab::db
