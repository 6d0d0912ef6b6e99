#pragma once
// Column lists and row decoders shared by the writer and the readers, so both agree on
// the order of columns in every SELECT.
#include "db/records.hpp"
#include "db/sqlite.hpp"

namespace ledlab::db {

inline constexpr const char* kRunColumns =
    "run_id, uuid, sequence, script_text, script_sha256, parameters, station, operator, dut_serial, host, "
    "ledlab_version, started_s, ended_s, status, owner_pid, owner_token";

RunRecord run_from_row(const Statement& st);

}  // namespace ledlab::db
