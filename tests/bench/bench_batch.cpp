// Several DUTs at once (issue 17): BER vs temperature through `ledlab run`'s engine on the
// simulated bench of four 20 x 20 arrays in one chamber, at time scale 3600, each figure
// measured in this run:
//   one DUT       socket A alone (a batch of one) on sequences/stations/sim_4dut.toml;
//                 goal: within 1.05 x its critical path (the chamber steps and the gates)
//   four DUTs     sockets A-D at once, each with its own BERT; goal: within 1.1 x one DUT
//   sequential    A, B, C, D one after another (the baseline a sequential tool achieves)
//   shared BERT   sockets A-D at once on sim_4dut_shared.toml: one 4-channel BERT behind a
//                 1600 x 4 switch; goal: within 1.05 x the shared chamber steps plus the sum
//                 of every socket's gates (the BERT serves one socket's block at a time)
// The switched BERT's gates are shortened (target BER 1e-10: 3e10 bits, 15 s a block), so its
// 100 blocks per socket and temperature stay within a minute.
//
//   bench_batch   exits 1 when a goal is missed
#include "ber_critical_path.hpp"
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "instruments/sim/twin_log.hpp"
#include "support/sim_run_request.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace ledlab;

namespace {

constexpr double kScale = 3600;

struct Measured {
  int code = 0;
  double wall_s = 0;
  double bert_busy_s = 0;  // the BERT twins' gates, end to end, from their own log (simulated)
  int routes = 0;          // the switches' re-routes, from their log
  std::vector<test::CriticalPath> paths;  // per run of the batch, in socket order
  std::string out;
};

engine::RunRequest request(const std::string& station_file, const std::vector<std::string>& sockets, const std::string& db,
                           lua::Overrides overrides = {}) {
  auto req = test::sim_run_request("ber_vs_temperature.lua", std::move(overrides), kScale, db);
  auto station = engine::load_station(std::string(LEDLAB_SOURCE_DIR) + "/sequences/stations/" + station_file);
  if (!station) throw std::runtime_error(station.error().describe());
  station->time_scale = kScale;
  req.station = std::move(*station);
  for (const auto& s : sockets) req.duts.push_back({s, "SN-" + s});
  return req;
}

Measured measure(engine::RunRequest req) {
  Measured m;
  req.twin_log_reader = [&](const sim::TwinLog& log) {
    std::set<std::string> berts;
    for (const auto& e : log.entries()) berts.insert(e.instrument);
    for (const auto& name : berts)
      for (const auto& g : log.gates(name)) m.bert_busy_s += g.end_s - g.start_s;
    for (const auto& e : log.entries())
      if (e.event.starts_with("ROUTE")) ++m.routes;
  };
  std::ostringstream out;
  const auto t0 = std::chrono::steady_clock::now();
  m.code = engine::run_sequence(req, out);
  m.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  m.out = out.str();
  auto reader = db::Reader::open(req.db);
  if (!reader) return m;
  auto runs = reader->list_runs({.limit = 1});
  if (!runs || runs->empty() || !runs->front().batch_id) return m;
  auto batch = reader->batch_runs(*runs->front().batch_id);
  if (!batch) return m;
  for (const auto& run : *batch)
    if (auto cp = test::ber_critical_path(*reader, run, req.db.string())) m.paths.push_back(*cp);
  if (std::getenv("BENCH_BATCH_VERBOSE"))
    for (const auto& p : m.paths)
      fmt::print("    run: setup {:.0f} s, settle {:.0f} s, gates {:.0f} s, between {:.0f} s, tail {:.0f} s (simulated)\n",
                 p.setup_s, p.settle_s, p.gate_s, p.between_s, p.tail_s);
  return m;
}

bool check(const char* what, double ratio, double goal) {
  fmt::print("  {}: {:.3f} (goal <= {:.2f}: {})\n", what, ratio, goal, ratio <= goal ? "met" : "MISSED");
  return ratio <= goal;
}

}  // namespace

int main() {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  int failed = 0;
  const auto ok = [&](const Measured& m, const char* what) {
    if (m.code == 0 && !m.paths.empty()) return true;
    fmt::print("{}: exit {}\n{}\n", what, m.code, m.out);
    ++failed;
    return false;
  };

  // Full-length gates (3e12 bits, 1500 s) at six temperatures on a BERT channel per lane; the
  // switched BERT gates 3e10 bits (15 s) per block of 4 lanes, 100 blocks per socket and step.
  const lua::Overrides shortened{{"target_ber", "1e-10"}};
  for (const bool virtual_time : {true, false}) {
    const auto req = [&](const char* station, std::vector<std::string> sockets, const std::string& db,
                         lua::Overrides overrides = {}) {
      auto r = request(station, sockets, db, std::move(overrides));
      r.virtual_time = virtual_time;
      return r;
    };
    const auto one = measure(req("sim_4dut.toml", {"A"}, "bench_batch_one.sqlite"));
    const auto four = measure(req("sim_4dut.toml", {"A", "B", "C", "D"}, "bench_batch_four.sqlite"));
    double sequential_s = 0, sequential_span_s = 0;
    bool sequential_ok = true;
    for (const char* s : {"A", "B", "C", "D"}) {
      const auto m = measure(req("sim_4dut.toml", {s}, fmt::format("bench_batch_seq_{}.sqlite", s)));
      sequential_ok = ok(m, "sequential") && sequential_ok;
      sequential_s += m.wall_s;
      if (!m.paths.empty()) sequential_span_s += m.paths.front().span_s();
    }
    const auto shared = measure(req("sim_4dut_shared.toml", {"A", "B", "C", "D"}, "bench_batch_shared.sqlite", shortened));
    if (!ok(one, "one DUT") || !ok(four, "four DUTs") || !ok(shared, "shared BERT") || !sequential_ok) return 1;

    // A batch's span: its slowest run's, from begin_run to the run's last event (simulated).
    const auto span = [](const Measured& m) {
      double s = 0;
      for (const auto& p : m.paths) s = std::max(s, p.span_s());
      return s;
    };
    const auto& cp = one.paths.front();
    // The shared BERT's bound: the chamber's steps once (the socket that waited least for them:
    // the others' setpoint waits include its gates) and the BERT's gates one after another.
    double chamber_s = shared.paths.front().settle_s;
    for (const auto& p : shared.paths) chamber_s = std::min(chamber_s, p.settle_s);
    const double shared_bound_s = chamber_s + shared.bert_busy_s;
    if (virtual_time) {
      // Simulated time: what the engine's schedule costs, whatever the machine's load.
      fmt::print("BER vs temperature, 6 temperatures x 400 lanes per DUT, on virtual time (simulated seconds):\n");
      fmt::print("  one DUT:      span {:.0f} s; critical path {:.0f} s (chamber steps {:.0f} s, gates {:.0f} s)\n", span(one),
                 cp.critical_s(), cp.settle_s, cp.gate_s);
      fmt::print("  four DUTs:    span {:.0f} s (own BERT each)\n", span(four));
      fmt::print("  sequential:   span {:.0f} s (the four one after another)\n", sequential_span_s);
      fmt::print("  shared BERT:  span {:.0f} s; bound {:.0f} s (chamber steps {:.0f} s + the BERT's gates {:.0f} s; 3e10 "
                 "bits per lane, 100 blocks of 4 lanes per socket and step)\n",
                 span(shared), shared_bound_s, chamber_s, shared.bert_busy_s);
      if (!check("one DUT / its critical path (simulated)", span(one) / cp.critical_s(), 1.05)) ++failed;
      if (!check("four DUTs / one DUT (simulated)", span(four) / span(one), 1.10)) ++failed;
      if (!check("shared BERT / (chamber steps + the BERT's gates) (simulated)", span(shared) / shared_bound_s, 1.05)) ++failed;
      // Not in the bound: the switch settling after each re-route, while the BERT waits.
      fmt::print("  of the shared BERT's span beyond its bound, {:.0f} s: {} re-routes of the switch ({:.1f} s each if all of "
                 "it were settling)\n",
                 span(shared) - shared_bound_s, shared.routes, (span(shared) - shared_bound_s) / std::max(1, shared.routes));
      continue;
    }
    const double critical_wall = cp.critical_s() / kScale;
    fmt::print("The same at time scale {:g} (wall seconds; the machine's load adds to them):\n", kScale);
    fmt::print("  one DUT:      {:.2f} s wall; critical path {:.2f} s\n", one.wall_s, critical_wall);
    fmt::print("  four DUTs:    {:.2f} s wall (own BERT each)\n", four.wall_s);
    fmt::print("  sequential:   {:.2f} s wall (the four one after another, each measured here)\n", sequential_s);
    fmt::print("  shared BERT:  {:.2f} s wall; bound {:.2f} s\n", shared.wall_s, shared_bound_s / kScale);
    if (!check("one DUT / its critical path", one.wall_s / critical_wall, 1.05)) ++failed;
    if (!check("four DUTs / one DUT", four.wall_s / one.wall_s, 1.10)) ++failed;
    if (!check("shared BERT / (chamber steps + the BERT's gates)", shared.wall_s / (shared_bound_s / kScale), 1.05)) ++failed;
    fmt::print("  four DUTs at once against one after another: {:.2f} x faster\n", sequential_s / four.wall_s);
  }
  return failed == 0 ? 0 : 1;
}
