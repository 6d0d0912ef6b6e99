#pragma once
// The store's schema and its migrations. PRAGMA user_version holds the schema version;
// each migration moves it up by one inside its own transaction, so a crash mid-upgrade
// leaves the previous version intact. A file newer than this build is refused.
#include "db/sqlite.hpp"

namespace ledlab::db {

inline constexpr int kSchemaVersion = 6;

// Brings `conn` to `target` (default: current) from whatever version it holds. Safe when
// several processes open the same new file at once. Errors: Errc::storage for a newer or
// foreign file ("unsupported").
Status migrate(Connection& conn, int target = kSchemaVersion);

// Refuses a file that claims schema `version` but lacks a table or column that version has
// (somebody else's database that happens to set user_version, or a damaged one).
Status check_schema(Connection& conn, int version);
// The same for whatever version the file holds now.
Status check_store(Connection& conn);

Result<int> schema_version(Connection& conn);

// Pragmas for the one writer connection: WAL so readers never block it, synchronous=NORMAL
// (in WAL mode a commit survives a process kill; only power loss may lose the last commits).
Status configure_writer(Connection& conn);

}  // namespace ledlab::db
