// Wall time of the full characterisation runs on the simulated bench, through `ledlab run`'s
// engine (twins over loopback TCP, the Lua sequence, the SQLite store): a BER-vs-temperature
// run at 6 temperatures on all 400 lanes at the station's time scale (3600), and a 1000 h
// burn-in at 0.5 h intervals at time scale 360000 (100 simulated hours per wall second).
// Goal: under a minute each; and the BER run within 1.05 x its critical path.
//
// The critical path of the BER run is what no software can shorten: per temperature, from the
// chamber setpoint (the script's "chamber to T C" event) through the ramp, the soak, the drift
// waits and the gate until the gate's counts are in (the first `errors` sample at T), at the
// station's time scale. Everything else (setting up, storing a temperature's 2000 samples and
// 404 results, checkpoints, the safe state at the end) is overhead, and the engine must keep
// it under 5 % of the run. Both figures come from the run's own store, read back afterwards.
//
//   bench_sequences          both runs
//   bench_sequences ber      the BER run only
//   bench_sequences burn-in  the burn-in only
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "ber_critical_path.hpp"
#include "support/sim_run_request.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

using namespace ledlab;

namespace {

constexpr double kMaxRatio = 1.05;

struct Timed {
  int code = 0;
  double wall_s = 0;
  std::size_t results = 0;
  std::string out;
};

Timed run(const std::string& sequence, double time_scale, lua::Overrides overrides, const std::string& db) {
  const auto req = test::sim_run_request(sequence, std::move(overrides), time_scale, db);
  std::ostringstream out;
  Timed t;
  const auto t0 = std::chrono::steady_clock::now();
  t.code = engine::run_sequence(req, out);
  t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t.out = out.str();
  if (auto reader = db::Reader::open(db)) {
    if (auto runs = reader->list_runs({.limit = 1}); runs && !runs->empty())
      if (auto results = reader->results(runs->front().id)) t.results = results->size();
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  const std::string_view only = argc > 1 ? argv[1] : "";
  if (!only.empty() && only != "ber" && only != "burn-in") {
    fmt::print(stderr, "usage: bench_sequences [ber|burn-in]\n");
    return 2;
  }
  int failed = 0;
  if (only.empty() || only == "ber") {
    constexpr double kScale = 3600;
    const auto ber = run("ber_vs_temperature.lua", kScale, {}, "bench_ber.sqlite");
    fmt::print("BER vs temperature, 6 temperatures x 400 lanes, 3.0e12 bits per lane per temperature, time scale {:g}:\n"
               "  {:.2f} s wall, exit {}, {} results\n", kScale, ber.wall_s, ber.code, ber.results);
    if (ber.code != 0) {
      fmt::print("{}\n", ber.out);
      ++failed;
    } else if (auto cp = test::ber_critical_path("bench_ber.sqlite"); !cp) {
      fmt::print("  critical path: {}\n", cp.error().describe());
      ++failed;
    } else {
      const double critical_wall = cp->critical_s() / kScale, ratio = ber.wall_s / critical_wall;
      const auto ms = [&](double sim_s) { return 1e3 * sim_s / kScale; };
      fmt::print("  critical path {:.2f} s wall ({:.0f} s simulated over {} temperatures: settling {:.0f} s, gates {:.0f} s)\n"
                 "  wall / critical path = {:.3f} (goal <= {:.2f}: {}); from begin_run to the run's last event: {:.3f}\n"
                 "  outside it: {:.0f} ms setting up, {:.0f} ms between temperatures (storing, checkpoints), "
                 "{:.0f} ms at the end (safe state), {:.0f} ms outside the run's clock (opening the store; ending the run and "
                 "closing the store)\n",
                 critical_wall, cp->critical_s(), cp->temperatures, cp->settle_s, cp->gate_s, ratio, kMaxRatio,
                 ratio <= kMaxRatio ? "met" : "MISSED", cp->span_s() / cp->critical_s(), ms(cp->setup_s), ms(cp->between_s), ms(cp->tail_s),
                 1e3 * (ber.wall_s - critical_wall) - ms(cp->setup_s + cp->between_s + cp->tail_s));
      if (ratio > kMaxRatio) ++failed;
    }
  }
  if (only.empty() || only == "burn-in") {
    const auto burn = run("burn_in.lua", 360000, {{"duration_h", "1000"}, {"interval_h", "0.5"}}, "bench_burn_in.sqlite");
    fmt::print("burn-in, 1000 h at 85 C, 400 lanes read every 0.5 h, time scale 360000:\n"
               "  {:.1f} s wall, exit {}, {} results\n", burn.wall_s, burn.code, burn.results);
    if (burn.code != 0) {
      fmt::print("{}\n", burn.out);
      ++failed;
    }
  }
  return failed == 0 ? 0 : 1;
}
