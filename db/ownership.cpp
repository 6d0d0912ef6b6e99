#include "db/ownership.hpp"

#include <fmt/core.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

namespace ledlab::db {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Field 3 (state) and field 22 (starttime, clock ticks since boot) of /proc/<pid>/stat.
// The command name (field 2) may hold spaces and parentheses, so parse after the last ')'.
struct ProcStat {
  bool exists = false;
  char state = '?';
  std::string start_ticks;
};

ProcStat proc_stat(std::int64_t pid) {
  ProcStat out;
  std::string line = read_first_line(fmt::format("/proc/{}/stat", pid));
  auto close = line.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  rest >> out.state;
  for (int i = 4; i <= 22 && rest >> field; ++i)
    if (i == 22) out.start_ticks = field;
  out.exists = !out.start_ticks.empty();
  return out;
}

std::string make_token(std::int64_t pid) {
  return read_first_line("/proc/sys/kernel/random/boot_id") + "/" + proc_stat(pid).start_ticks;
}

}  // namespace

ProcessIdentity this_process() {
  // Cached per pid: a forked child is another process (its own pid and start time), and a
  // run it begins must name the child, not the parent it was copied from.
  static std::mutex mutex;
  static ProcessIdentity identity;
  const std::lock_guard lock(mutex);
  if (identity.pid != getpid()) {
    std::array<char, 256> name{};
    identity.host = gethostname(name.data(), name.size() - 1) == 0 ? name.data() : "";
    identity.pid = getpid();
    identity.token = make_token(identity.pid);
  }
  return identity;
}

Liveness owner_liveness(const std::string& host, std::int64_t pid, const std::string& token) {
  if (host != this_process().host) return Liveness::unknown;
  if (pid <= 0) return Liveness::gone;
  ProcStat st = proc_stat(pid);
  // A zombie has exited already; only its parent has not reaped it yet.
  if (!st.exists || st.state == 'Z' || st.state == 'X') return Liveness::gone;
  if (!token.empty() && make_token(pid) != token) return Liveness::gone;  // pid reused, or rebooted
  return Liveness::alive;
}

RunStatus observed_status(const RunRecord& run) {
  if (run.status == RunStatus::running && owner_liveness(run.host, run.owner_pid, run.owner_token) == Liveness::gone)
    return RunStatus::interrupted;
  return run.status;
}

Result<std::string> new_uuid() {
  // RFC 9562 section 5.4: 122 random bits. They come from the kernel's entropy pool
  // (getrandom(2) reads the urandom source, blocking only before it is first seeded), never
  // from a process-local generator: one that is seeded once would hand a forked child the
  // same sequence as its parent, and a 32-bit seed makes collisions across processes likely.
  std::array<unsigned char, 16> b{};
  std::size_t got = 0;
  while (got < b.size()) {
    const ssize_t n = ::getrandom(b.data() + got, b.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return fail(Errc::storage, fmt::format("no random bytes for a run uuid: getrandom: {}", std::strerror(errno)));
    got += static_cast<std::size_t>(n);
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4 (RFC 9562 section 4.2)
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10 (RFC 9562 section 4.1)
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", b[i]);
  }
  return out;
}

double unix_now_s() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace ledlab::db
