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

// Simulated seconds of a BER run, from its store (see the top of the file).
struct CriticalPath {
  int temperatures = 0;
  double settle_s = 0;  // setpoint to stable: ramps, soaks, drift waits
  double gate_s = 0;    // stable to the gate's counts in
  double setup_s = 0;   // run start to the first setpoint
  double between_s = 0; // counts in to the next setpoint: storing, checkpoints
  double tail_s = 0;    // last counts in to the engine's "run <status>" event
  double critical_s() const { return settle_s + gate_s; }
  // begin_run to the engine's last event: without opening the store and without what ending
  // the run costs after it (end_run, closing the store).
  double span_s() const { return setup_s + critical_s() + between_s + tail_s; }
};

Result<CriticalPath> ber_critical_path(const std::string& db) {
  auto reader = db::Reader::open(db);
  if (!reader) return fail(reader.error());
  auto runs = reader->list_runs({.limit = 1});
  if (!runs) return fail(runs.error());
  if (runs->empty()) return fail(Errc::not_found, db + ": no run");
  const db::RunRecord& run = runs->front();
  auto events = reader->events(run.id);
  if (!events) return fail(events.error());
  auto series = reader->series(run.id);
  if (!series) return fail(series.error());

  // Per temperature: first time of the chamber_temperature (stable) and errors (counts in) samples.
  struct Step { double setpoint = -1, stable = -1, counts = -1; };
  std::map<double, Step> steps;
  std::vector<double> order;
  double ended = -1;
  for (const auto& e : *events) {
    if (!e.t_s) continue;
    if (e.source == "script" && e.message.starts_with("chamber to ")) {
      const double t = std::stod(e.message.substr(11));
      steps[t].setpoint = *e.t_s;
      order.push_back(t);
    }
    if (e.source == "engine" && e.message.starts_with("run ")) ended = *e.t_s;
  }
  for (const auto& s : *series) {
    const auto conditions = nlohmann::json::parse(s.spec.conditions_json, nullptr, false);
    if (!s.first_t_s || !conditions.is_object() || !conditions.contains("temperature_c")) continue;
    const double t = conditions["temperature_c"].get<double>();
    auto first = [&](double& slot) { slot = slot < 0 ? *s.first_t_s : std::min(slot, *s.first_t_s); };
    if (s.spec.quantity == "chamber_temperature") first(steps[t].stable);
    if (s.spec.quantity == "errors") first(steps[t].counts);
  }
  if (order.empty()) return fail(Errc::not_found, db + ": no \"chamber to\" events: not a ber_vs_temperature run?");
  CriticalPath cp;
  cp.setup_s = steps[order.front()].setpoint - run.started_s;
  double previous_counts = -1;
  for (double t : order) {
    const Step& s = steps[t];
    if (s.stable < s.setpoint || s.counts < s.stable)
      return fail(Errc::protocol, fmt::format("{}: the step at {} C has no complete record", db, t));
    ++cp.temperatures;
    cp.settle_s += s.stable - s.setpoint;
    cp.gate_s += s.counts - s.stable;
    if (previous_counts >= 0) cp.between_s += s.setpoint - previous_counts;
    previous_counts = s.counts;
  }
  cp.tail_s = ended - previous_counts;
  return cp;
}

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
    } else if (auto cp = ber_critical_path("bench_ber.sqlite"); !cp) {
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
