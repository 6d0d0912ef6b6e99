#pragma once
// Who owns a running run. A run row stores the writer's host, pid and a start token
// (kernel boot id + the process start time from /proc/<pid>/stat), so a later process can
// tell a live owner from a dead one even after the pid has been reused or the machine
// rebooted. No lock file is left behind to go stale.
#include "core/error.hpp"
#include "db/records.hpp"

#include <cstdint>
#include <string>

namespace ledlab::db {

struct ProcessIdentity {
  std::string host;
  std::int64_t pid = 0;
  std::string token;
};

ProcessIdentity this_process();

enum class Liveness { alive, gone, unknown };  // unknown: owner on another host

Liveness owner_liveness(const std::string& host, std::int64_t pid, const std::string& token);

// The status a reader reports: a run the store records as running whose owner process is
// gone (killed, or the machine rebooted) is interrupted. Only a writer changes the row (when
// it next opens the store); readers need not wait for that to tell the truth.
RunStatus observed_status(const RunRecord& run);

// RFC 9562 version 4, lowercase, from the kernel's entropy. Errors: Errc::storage when the
// system has no random bytes to give (getrandom(2) failed).
Result<std::string> new_uuid();
double unix_now_s();

}  // namespace ledlab::db
