// Peak memory of sequences/burn_in.lua against the number of readings: the same burn-in at one
// reading a second (interval_h = 1/3600) on the simulated bench on virtual time, stopped after
// 10^3, 10^4, 10^5 and 3 x 10^5 readings. Lane 200 loses half its light at 60 % of each run, after the array
// average has counted it, so every run also streams its stored readings back for the analysis'
// second pass (the worst case, and what a real array with a late failure does). Each run is a
// `ledlab run` child whose peak resident set
// (getrusage of the reaped child: ru_maxrss, the kernel's high-water mark of its RSS, VmHWM)
// is printed with its wall time and the store's size. The growth per reading between the two
// largest runs, carried on to six weeks at 1 Hz (3,628,800 readings), gives the six-week
// figure, which must stay under 200 MiB (exit 1 otherwise).
//
// The store's connection keeps a page cache of up to 64 MiB (PRAGMA cache_size), which fills
// in the first ~25,000 readings: the two largest runs must be past that for the growth between
// them to be the growth per reading.
//
//   bench_burn_in_memory [--readings 1000,10000,100000,300000] [--interval-s 1] [--sequence F] [--dir D]
// --sequence runs another version of the sequence (e.g. an older one, for comparison).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr double kSixWeeksReadings = 42.0 * 24 * 3600;  // at one reading a second
constexpr double kBudgetMiB = 200;

struct Options {
  std::vector<long> readings{1000, 10000, 100000, 300000};
  double interval_s = 1;
  std::string sequence = LEDLAB_SOURCE_DIR "/sequences/burn_in.lua";
  std::string dir = ".";
};

struct Measured {
  long readings = 0;
  int code = -1;
  double wall_s = 0;
  double peak_mib = 0;
  double store_mib = 0;
  bool second_pass = false;
};

// Runs `ledlab ARGS` through /bin/sh with its output into `log`, and reaps it with wait4 for its
// resource usage: ru_maxrss is the child's peak resident set in KiB (getrusage(2)).
Measured run_child(const std::string& args, const std::string& log) {
  const std::string cmd = "exec " LEDLAB_BINARY_DIR "/ledlab " + args + " > " + log + " 2>&1 < /dev/null";
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  Measured m;
  int status = 0;
  rusage usage{};
  if (pid < 0 || wait4(pid, &status, 0, &usage) != pid) return m;
  m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  m.peak_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;
  return m;
}

std::vector<long> parse_list(const std::string& text) {
  std::vector<long> out;
  std::size_t at = 0;
  while (at <= text.size()) {
    const auto comma = text.find(',', at);
    out.push_back(std::stol(text.substr(at, comma - at)));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i], value = argv[i + 1];
    if (key == "--readings") o.readings = parse_list(value);
    else if (key == "--interval-s") o.interval_s = std::stod(value);
    else if (key == "--sequence") o.sequence = value;
    else if (key == "--dir") o.dir = value;
    else {
      fmt::print(stderr, "unknown option {}\n", key);
      return 2;
    }
  }
  const double interval_h = o.interval_s / 3600;
  fmt::print("burn-in memory: {} on the simulated bench, virtual time, a reading of 400 lanes every {} s\n", o.sequence,
             o.interval_s);
  fmt::print("{:>10} {:>10} {:>10} {:>14} {:>12} {:>9} {:>6}\n", "readings", "sim h", "wall s", "peak RSS MiB", "store MiB",
             "2nd pass", "exit");
  std::vector<Measured> runs;
  for (const long n : o.readings) {
    const std::string db = fmt::format("{}/bench_burn_in_memory_{}.sqlite", o.dir, n);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    // n readings: the first at 0 h, the last at (n - 1) intervals.
    const double duration_h = static_cast<double>(n - 1) * interval_h;
    // The chamber settles in about 900 simulated seconds before the first reading. The watchdog
    // gets a minute: on a machine shared with builds, a loop starved of CPU is not what this measures.
    const double fail_at_s = 900 + 0.6 * duration_h * 3600;
    Measured m = run_child(fmt::format("run {} --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml --sim "
                                       "--virtual-time -p duration_h={:.17g} -p interval_h={:.17g} --db {} --watchdog 60 "
                                       "--sim-fault '{:.0f} opm SIM:FAULT:LANE 200,0.5'",
                                       o.sequence, duration_h, interval_h, db, fail_at_s),
                           db + ".log");
    m.readings = n;
    std::ifstream log(db + ".log");
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    m.second_pass = text.find("second pass over the stored readings") != std::string::npos;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(db, ec);
    m.store_mib = ec ? 0.0 : static_cast<double>(bytes) / (1 << 20);
    fmt::print("{:>10} {:>10.1f} {:>10.1f} {:>14.1f} {:>12.1f} {:>9} {:>6}\n", n, duration_h, m.wall_s, m.peak_mib, m.store_mib,
               m.second_pass ? "yes" : "no", m.code);
    std::fflush(stdout);
    runs.push_back(m);
  }

  // The line through the two largest runs that finished: by then the store's page cache
  // (PRAGMA cache_size, 64 MiB) has filled, so their difference is what each further reading
  // adds (a line through all runs would count the cache filling as growth). A fall counts as 0.
  std::vector<Measured> done;
  for (const auto& m : runs)
    if (m.code == 0) done.push_back(m);
  std::sort(done.begin(), done.end(), [](const Measured& a, const Measured& b) { return a.readings < b.readings; });
  if (done.size() < 2 || done.back().readings == done[done.size() - 2].readings) {
    fmt::print("fewer than two finished runs of different lengths: no extrapolation\n");
    return 1;
  }
  const Measured& a = done[done.size() - 2];
  const Measured& b = done.back();
  const double slope = (b.peak_mib - a.peak_mib) / static_cast<double>(b.readings - a.readings);
  const double six_weeks = b.peak_mib + std::max(0.0, slope) * (kSixWeeksReadings - static_cast<double>(b.readings));
  fmt::print("growth from {} to {} readings: {:.4f} KiB per reading\n", a.readings, b.readings, slope * 1024);
  fmt::print("six weeks at 1 Hz ({:.0f} readings), extrapolated from the {} readings' peak at that growth: {:.1f} MiB "
             "({} {:.0f} MiB)\n",
             kSixWeeksReadings, b.readings, six_weeks, six_weeks < kBudgetMiB ? "under" : "OVER", kBudgetMiB);
  return six_weeks < kBudgetMiB ? 0 : 1;
}
