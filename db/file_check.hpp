#pragma once
// Checks of a store file before anything is written into it, so a damaged or foreign file is
// refused with its name instead of being appended to.
#include "db/sqlite.hpp"

#include <filesystem>

namespace ledlab::db {

// Reads the 100-byte database header (SQLite docs, "Database File Format", section 1.3)
// without SQLite: a file that is not a SQLite database, or one shorter than the page count
// its header records, is refused. A missing or empty file passes (a new store).
Status check_header(const std::filesystem::path& path);

// PRAGMA quick_check (SQLite docs, "Pragma statements"): O(N) in the file size, it finds
// damaged pages and b-trees without the index cross-checks of integrity_check.
Status quick_check(Connection& conn);

}  // namespace ledlab::db
