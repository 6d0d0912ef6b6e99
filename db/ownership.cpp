#include "db/ownership.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <random>
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

const ProcessIdentity& this_process() {
  static const ProcessIdentity identity = [] {
    ProcessIdentity id;
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) == 0) id.host = name.data();
    id.pid = getpid();
    id.token = make_token(id.pid);
    return id;
  }();
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

std::string new_uuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffULL);
}

double unix_now_s() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

}  // namespace ledlab::db
