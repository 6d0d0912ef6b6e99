// Wall time of the full characterisation runs on the simulated bench, through `ledlab run`'s
// engine (twins over loopback TCP, the Lua sequence, the SQLite store): a BER-vs-temperature
// run at 6 temperatures on all 400 lanes at the station's time scale (3600), and a 1000 h
// burn-in at 0.5 h intervals at time scale 360000 (100 simulated hours per wall second).
// Goal: under a minute each.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "support/sim_run_request.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>

using namespace ledlab;

namespace {

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

int main() {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  const auto ber = run("ber_vs_temperature.lua", 3600, {}, "bench_ber.sqlite");
  fmt::print("BER vs temperature, 6 temperatures x 400 lanes, 3.0e12 bits per lane per temperature, time scale 3600:\n"
             "  {:.1f} s wall, exit {}, {} results\n", ber.wall_s, ber.code, ber.results);
  const auto burn = run("burn_in.lua", 360000, {{"duration_h", "1000"}, {"interval_h", "0.5"}}, "bench_burn_in.sqlite");
  fmt::print("burn-in, 1000 h at 85 C, 400 lanes read every 0.5 h, time scale 360000:\n"
             "  {:.1f} s wall, exit {}, {} results\n", burn.wall_s, burn.code, burn.results);
  if (ber.code != 0 || burn.code != 0) {
    fmt::print("{}\n{}\n", ber.out, burn.out);
    return 1;
  }
  return 0;
}
