#pragma once
// The store's schema and its migrations. PRAGMA user_version holds the schema version;
// each migration moves it up by one inside its own transaction, so a crash mid-upgrade
// leaves the previous version intact. A file newer than this build is refused.
#include "db/sqlite.hpp"

namespace ledlab::db {

inline constexpr int kSchemaVersion = 3;

// Brings `conn` to `target` (default: current) from whatever version it holds.
// Errors: Errc::storage for a newer or foreign file ("unsupported").
Status migrate(Connection& conn, int target = kSchemaVersion);

Result<int> schema_version(Connection& conn);

// Pragmas for the one writer connection: WAL so readers never block it, synchronous=NORMAL
// (in WAL mode a commit survives a process kill; only power loss may lose the last commits).
Status configure_writer(Connection& conn);

}  // namespace ledlab::db
