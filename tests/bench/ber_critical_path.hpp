#pragma once
// The critical path of a ber_vs_temperature run, read back from its store (benchmarks): per
// temperature, from the chamber setpoint (the script's "chamber to T C" event) through the
// ramp, the soak, the drift waits (settling) and the gate until its counts are in (the first
// `errors` sample at T). What no software can shorten; everything else is the engine's overhead.
#include "db/reader.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace ledlab::test {

// Simulated seconds of a BER run, from its store.
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

inline Result<CriticalPath> ber_critical_path(db::Reader& reader, const db::RunRecord& run, const std::string& db) {
  auto events = reader.events(run.id);
  if (!events) return fail(events.error());
  auto series = reader.series(run.id);
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

// The newest run of the store at `db`.
inline Result<CriticalPath> ber_critical_path(const std::string& db) {
  auto reader = db::Reader::open(db);
  if (!reader) return fail(reader.error());
  auto runs = reader->list_runs({.limit = 1});
  if (!runs) return fail(runs.error());
  if (runs->empty()) return fail(Errc::not_found, db + ": no run");
  return ber_critical_path(*reader, runs->front(), db);
}

}  // namespace ledlab::test
