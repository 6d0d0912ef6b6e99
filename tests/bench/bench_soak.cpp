// Soak: a simulated burn-in on virtual time with a random fault every simulated hour and
// SIGKILLs at random moments, each followed by `ledlab resume`; then the same burn-in without
// kills as the baseline. Prints and checks: committed samples lost, duplicated samples and
// series, samples from suspended periods, every fault in the events, integrity, per-lane decay
// rates against the baseline, wall time. Exit 0 when every check holds.
//
//   bench_soak [--hours H] [--interval-s S] [--kills K] [--seed N] [--dir D]
// Defaults are the reliability issue's: six weeks (1008 h), a reading a minute, 20 kills.
// CI runs a short soak (tests/bench/CMakeLists.txt: ctest -R soak).
#include "db/reader.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;

namespace {

struct Options {
  double hours = 1008, interval_s = 60;
  int kills = 20;
  unsigned seed = 1;
  std::string dir = ".";
};

struct Fault {
  double at_s;
  std::string instrument, line, kind;
};

// One fault of every kind in turn, each at a random minute of its hour; chamber faults clear
// themselves 30 simulated minutes later. The over-temperature alarm, which aborts a run to the
// safe state by design, comes last, in the final hour.
std::vector<Fault> fault_plan(double hours, unsigned seed) {
  static const std::vector<std::string> kinds = {"drop", "stall", "garble", "scpi_error", "outage", "excursion",
                                                 "stuck", "lane_failure"};
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> minute(5, 55);
  std::uniform_int_distribution<int> lane(1, 400);
  std::vector<Fault> plan;
  for (int h = 2; h + 2 < static_cast<int>(hours); ++h) {
    const double at = h * 3600.0 + 60 * minute(rng);
    const std::string& kind = kinds[static_cast<std::size_t>(h) % kinds.size()];
    if (kind == "drop") plan.push_back({at, "opm", "SIM:FAULT:DROP 0", kind});
    if (kind == "stall") plan.push_back({at, "chamber", "SIM:FAULT:STALL 3,1", kind});
    if (kind == "garble") plan.push_back({at, "opm", "SIM:FAULT:GARBLE 1", kind});
    if (kind == "scpi_error") plan.push_back({at, "pg", "SIM:FAULT:ERROR -222,\"soak\"", kind});
    if (kind == "outage") plan.push_back({at, "pg", "SIM:FAULT:OUTAGE 0.5", kind});
    if (kind == "excursion") {
      plan.push_back({at, "chamber", "SIM:FAULT:SAT -80,80", kind});
      plan.push_back({at + 1800, "chamber", "SIM:FAULT:STUCK OFF", kind + "_end"});
    }
    if (kind == "stuck") {
      plan.push_back({at, "chamber", "SIM:FAULT:STUCK ON", kind});
      plan.push_back({at + 1800, "chamber", "SIM:FAULT:STUCK OFF", kind + "_end"});
    }
    if (kind == "lane_failure") plan.push_back({at, "opm", fmt::format("SIM:FAULT:LANE {},0.5", lane(rng)), kind});
  }
  plan.push_back({(hours - 0.5) * 3600, "chamber", "SIM:FAULT:ALARM", "over_temperature"});
  return plan;
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

std::string fault_args(const std::vector<Fault>& plan) {
  std::string args;
  for (const auto& f : plan) args += fmt::format(" --sim-fault {}", quote(fmt::format("{} {} {}", f.at_s, f.instrument, f.line)));
  return args;
}

pid_t spawn(const std::string& args, const std::string& log) {
  const std::string cmd = "exec " LEDLAB_BINARY_DIR "/ledlab " + args + " >> " + log + " 2>&1 < /dev/null";
  const pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Exit code, or -signal.
int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

bool exited(pid_t pid, int& code) {
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) != pid) return false;
  code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return true;
}

std::int64_t q(db::Reader& r, const std::string& sql) {
  auto v = r.connection().query_int(sql);
  return v ? *v : -1;
}

// Every series of every run in the store.
// Every series of every run; without the engine's environment log (env_*) when `script_only`:
// the log goes on while a run is suspended, by design, the script's readings must not.
std::vector<db::SeriesId> all_series(db::Reader& r, bool script_only = false) {
  std::vector<db::SeriesId> out;
  const auto runs = r.list_runs();
  for (const auto& run : runs.value()) {
    const auto series = r.series(run.id);
    for (const auto& s : series.value())
      if (!script_only || !s.spec.quantity.starts_with("env_")) out.push_back(s.id);
  }
  return out;
}

// The time of every sample the store holds for its runs (set-aside ones not included).
std::vector<double> sample_times(db::Reader& r, bool script_only = false) {
  std::vector<double> out;
  for (db::SeriesId id : all_series(r, script_only))
      (void)r.for_each_sample_run(id, -INFINITY, INFINITY, [&](std::span<const double> t, std::span<const double>) {
        out.insert(out.end(), t.begin(), t.end());
      });
  return out;
}

// Samples at or before `until`, in the runs or set aside by a resume.
std::int64_t count_until(db::Reader& r, const std::vector<double>& times, double until) {
  const auto kept = std::count_if(times.begin(), times.end(), [&](double t) { return t <= until; });
  return static_cast<std::int64_t>(kept) +
         q(r, fmt::format("SELECT count(*) FROM superseded_samples WHERE t_s <= {:.3f}", until));
}

// Samples recorded twice: the same series at the same time.
std::int64_t duplicate_samples(db::Reader& r) {
  std::int64_t dup = 0;
  for (db::SeriesId id : all_series(r)) {
      std::vector<double> t;
      (void)r.for_each_sample_run(id, -INFINITY, INFINITY, [&](std::span<const double> x, std::span<const double>) {
        t.insert(t.end(), x.begin(), x.end());
      });
      std::sort(t.begin(), t.end());
      dup += std::distance(std::unique(t.begin(), t.end()), t.end());
    }
  return dup;
}

struct Rate {
  double per_h = 0, se = 0;  // decay rate (1/h) and its standard error
};

// Per-lane decay rate by least squares of ln P against t, with the slope's standard error.
std::map<int, Rate> decay_rates(db::Reader& reader, db::RunId run) {
  std::map<int, Rate> out;
  auto series = reader.series(run);
  if (!series) return out;
  for (const auto& s : *series) {
    if (s.spec.quantity != "optical_power" || !s.spec.lane) continue;
    auto samples = reader.samples(s.id);
    if (!samples || samples->size() < 10) continue;
    double n = 0, st = 0, sy = 0, stt = 0, sty = 0, syy = 0;
    const double t0 = samples->front().t_s;
    for (const auto& x : *samples) {
      if (!(x.value > 1e-6)) continue;
      const double t = (x.t_s - t0) / 3600, y = std::log(x.value);
      n += 1, st += t, sy += y, stt += t * t, sty += t * y, syy += y * y;
    }
    if (n < 10) continue;
    const double sxx = stt - st * st / n, sxy = sty - st * sy / n, s_yy = syy - sy * sy / n;
    if (!(sxx > 0)) continue;
    const double slope = sxy / sxx;
    const double ssr = std::max(0.0, s_yy - slope * sxy);
    out[*s.spec.lane] = {-slope, std::sqrt(ssr / (n - 2) / sxx)};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--hours") o.hours = std::stod(v);
    else if (a == "--interval-s") o.interval_s = std::stod(v);
    else if (a == "--kills") o.kills = std::stoi(v);
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::stoul(v));
    else if (a == "--dir") o.dir = v;
    else {
      fmt::print(stderr, "unknown option {}\n", a);
      return 2;
    }
  }
  if (!(o.hours >= 8 && o.interval_s >= 1 && o.kills >= 0)) {
    fmt::print(stderr, "need --hours >= 8, --interval-s >= 1, --kills >= 0\n");
    return 2;
  }
  const auto plan = fault_plan(o.hours, o.seed);
  const std::string script = LEDLAB_SOURCE_DIR "/tests/bench/soak_burn_in.lua";
  const std::string station = LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml";
  // A checkpoint every simulated hour: what a kill loses is at most the hour since the last.
  const std::string params = fmt::format(" -p duration_h={} -p interval_s={} -p checkpoint_every={}", o.hours, o.interval_s,
                                         std::max(1, static_cast<int>(3600 / o.interval_s)));
  const std::string faults = fault_args(plan);
  fmt::print("soak: {} h, a reading every {} s of 400 lanes, {} faults, {} kills, seed {}\n", o.hours, o.interval_s,
             plan.size(), o.kills, o.seed);

  const std::string db = o.dir + "/soak.sqlite", base_db = o.dir + "/soak-baseline.sqlite", log = o.dir + "/soak.log";
  for (const auto& f : {db, base_db, log})
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((f + suffix).c_str());
  std::remove((o.dir + "/soak-marks.txt").c_str());

  // --- the soak: run, then kill and resume until the kills are spent ---
  const auto t0 = std::chrono::steady_clock::now();
  std::mt19937_64 rng(o.seed * 7919u + 1);
  std::uniform_int_distribution<int> delay_ms(300, 2500);
  pid_t pid = spawn("run " + script + " --station " + station + " --sim --virtual-time --db " + db + params + faults, log);
  int kills = 0, code = 0;
  std::int64_t lost = 0;
  bool ended = false;
  std::string uuid;
  while (!ended) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms(rng));
    while (!(ended = exited(pid, code)) && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the benchmark's own pacing, not a test's
    if (ended || kills >= o.kills) {
      if (!ended) code = wait_for(pid), ended = true;
      break;
    }
    kill(pid, SIGKILL);
    wait_for(pid);
    ++kills;
    auto reader = db::Reader::open(db);
    if (!reader) {  // killed before the store existed: start over
      pid = spawn("run " + script + " --station " + station + " --sim --virtual-time --db " + db + params + faults, log);
      continue;
    }
    auto runs = reader->list_runs();
    if (!runs || runs->empty()) {
      pid = spawn("run " + script + " --station " + station + " --sim --virtual-time --db " + db + params + faults, log);
      continue;
    }
    uuid = runs->front().uuid;
    // Everything committed before the kill must still be there after every resume, in the run
    // or set aside. A resumed run's clock starts after everything recorded, so what was
    // committed is exactly what lies at or before the newest sample's time.
    const auto kept = sample_times(*reader);
    const double newest =
        std::floor(std::max(kept.empty() ? 0.0 : *std::max_element(kept.begin(), kept.end()),
                            static_cast<double>(q(*reader, "SELECT CAST(coalesce(max(t_s), 0) * 1000 AS INTEGER) FROM superseded_samples")) / 1000.0) *
                   1000.0) / 1000.0;
    const auto committed = count_until(*reader, kept, newest + 0.001);
    std::ofstream(o.dir + "/soak-marks.txt", std::ios::app) << fmt::format("{:.3f} {}\n", newest + 0.001, committed);
    pid = spawn("resume " + uuid + " --db " + db + faults, log);
  }
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // --- the baseline: the same seed and faults, never killed ---
  const auto b0 = std::chrono::steady_clock::now();
  const int base_code =
      wait_for(spawn("run " + script + " --station " + station + " --sim --virtual-time --db " + base_db + params + faults,
                     o.dir + "/soak-baseline.log"));
  const double base_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - b0).count();

  auto reader = db::Reader::open(db);
  auto base = db::Reader::open(base_db);
  if (!reader || !base) {
    fmt::print("FAIL: cannot open the stores\n");
    return 1;
  }
  const auto run = reader->list_runs()->front();
  const auto base_run = base->list_runs()->front();
  const auto final_times = sample_times(*reader);
  {
    std::ifstream marks(o.dir + "/soak-marks.txt");
    double until = 0;
    std::int64_t committed = 0;
    while (marks >> until >> committed) {
      const auto still = count_until(*reader, final_times, until);
      lost += std::max<std::int64_t>(0, committed - still);
    }
  }
  const auto duplicated = duplicate_samples(*reader);
  const auto series_dup = q(*reader, "SELECT count(*) FROM (SELECT 1 FROM series GROUP BY run_id, lane, quantity, unit, conditions HAVING count(*) > 1)");
  const auto samples = static_cast<std::int64_t>(final_times.size());
  const auto aside = q(*reader, "SELECT count(*) FROM superseded_samples");
  const auto integrity = reader->integrity_check();

  // Samples taken while the run was suspended (strictly between "suspended:" and "running:";
  // a call held by the suspension reads at the very moment it ends, which is allowed).
  auto events = reader->events(run.id);
  std::vector<std::pair<double, double>> suspended;
  std::map<std::string, int> injected;
  double from = -1;
  for (const auto& e : *events) {
    const double t = e.t_s.value_or(0);
    if (e.message.starts_with("resumed after")) from = -1;  // a suspension the kill ended
    if (e.message.starts_with("suspended:") && from < 0) from = t;
    if (e.message.starts_with("running:") && from >= 0) suspended.emplace_back(from, t), from = -1;
    if (e.message.starts_with("simulated fault injected: ")) ++injected[e.source + " " + e.message.substr(26)];
  }
  std::int64_t in_suspension = 0;
  const auto script_times = sample_times(*reader, true);
  for (const auto& [a, b] : suspended) {
    const auto n = static_cast<std::int64_t>(std::count_if(script_times.begin(), script_times.end(), [&, a = a, b = b](double t) {
      return t > a + 1e-3 && t < b - 1e-3;
    }));
    if (n > 0) fmt::print("  {} samples between {:.1f} s and {:.1f} s, while suspended\n", n, a - run.started_s, b - run.started_s);
    in_suspension += n;
  }
  int missing_faults = 0;
  for (const auto& f : plan)
    if (injected[f.instrument + " " + f.line] == 0) ++missing_faults;

  // Per lane, the killed-and-resumed run's decay rate against the baseline's, in units of their
  // combined standard error: the same array ages the same way, so |z| > 3 should be rare (0.3 %
  // of lanes by chance); a resumed run on a fresh array, or a lost stretch of stress, moves most.
  const auto rates = decay_rates(*reader, run.id), base_rates = decay_rates(*base, base_run.id);
  std::size_t compared = 0, beyond_3 = 0;
  std::vector<double> soak_alpha, base_alpha;
  for (const auto& [lane, r] : rates) {
    if (!base_rates.contains(lane)) continue;
    const auto& b = base_rates.at(lane);
    const double se = std::hypot(r.se, b.se);
    if (!(se > 0)) continue;
    ++compared;
    if (std::abs(r.per_h - b.per_h) / se > 3) ++beyond_3;
    soak_alpha.push_back(r.per_h);
    base_alpha.push_back(b.per_h);
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return 0.0;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const double soak_median = median(soak_alpha), base_median = median(base_alpha);

  fmt::print("soak run {}: {} kills, ended {} (exit {}), {:.1f} s wall; baseline exit {}, {:.1f} s wall\n",
             run.uuid.substr(0, 8), kills, db::to_string(run.status), code, wall_s, base_code, base_wall_s);
  fmt::print("  samples in the run {}, set aside on resume {}, suspensions {}\n", samples, aside, suspended.size());
  fmt::print("  committed samples lost:            {}\n", lost);
  fmt::print("  samples duplicated:                {}\n", duplicated);
  fmt::print("  series duplicated:                 {}\n", series_dup);
  fmt::print("  samples from suspended periods:    {}\n", in_suspension);
  fmt::print("  faults missing from the events:    {} of {}\n", missing_faults, plan.size());
  fmt::print("  integrity_check:                   {}\n", integrity ? *integrity : integrity.error().describe());
  fmt::print("  decay rate vs baseline: {} of {} lanes differ by more than 3 standard errors; median {:.3f} vs {:.3f} %/1000 h\n",
             beyond_3, compared, 100 * (1 - std::exp(-1000 * soak_median)), 100 * (1 - std::exp(-1000 * base_median)));
  // The over-temperature alarm in the last hour aborts both runs to the safe state (exit 4).
  const bool ok = lost == 0 && duplicated == 0 && series_dup == 0 && in_suspension == 0 && missing_faults == 0 &&
                  integrity && *integrity == "ok" && code == 4 && base_code == 4 && compared > 300 &&
                  static_cast<double>(beyond_3) <= 0.02 * static_cast<double>(compared);
  fmt::print("soak: {}\n", ok ? "PASS" : "FAIL");
  return ok ? 0 : 1;
}
