#pragma once
// Where tests put their files: the build tree.
#include <cstdio>
#include <string>

namespace ledlab::test {

inline std::string in_build(const std::string& name) { return std::string(LEDLAB_BINARY_DIR) + "/" + name; }

// A results store and its WAL files: a stale -wal beside a new database is an I/O error.
inline void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace ledlab::test
