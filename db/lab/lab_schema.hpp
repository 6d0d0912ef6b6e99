#pragma once
// The lab database's schema "ledlab" (db/LAB_SCHEMA.md): versioned by the rows of
// ledlab.schema_version, created and migrated by an admin role, required by everyone else.
#include "db/lab/pg.hpp"

namespace ledlab::db::lab {

inline constexpr int kLabSchemaVersion = 1;

// Creates or migrates schema "ledlab" to kLabSchemaVersion: one transaction per version, all
// under one advisory lock (pg_advisory_lock), so two admins cannot race; already current is a no-op. Run by the
// role that is to own the schema. Refuses a database whose version is newer than this binary's.
Status migrate_lab(PgConnection& admin);
// 0 when the database has no ledlab schema yet.
Result<int> lab_schema_version(PgConnection& conn);
// Every non-admin connection calls this before use: Errc::storage naming both versions and
// what to do when the database is not at kLabSchemaVersion.
Status require_lab_schema(PgConnection& conn);

}  // namespace ledlab::db::lab
