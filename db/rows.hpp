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

// A run's DUT type, as an SQL expression over a `runs` row: its parameter "dut_type" when that
// is a string, else its DUT's description ('' without either). The lab database stores the
// same in runs.dut_type (db/LAB_SCHEMA.md).
inline constexpr const char* kRunDutType =
    "coalesce(CASE WHEN json_valid(runs.parameters) AND json_type(runs.parameters, '$.dut_type') = 'text' "
    "THEN json_extract(runs.parameters, '$.dut_type') END, "
    "(SELECT description FROM duts WHERE serial = runs.dut_serial), '')";

RunRecord run_from_row(const Statement& st);

}  // namespace ledlab::db
