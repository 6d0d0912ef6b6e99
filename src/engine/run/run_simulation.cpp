// The simulated bench's part of a run: its options, the clock, the twins (on their own thread
// on a scaled clock, on the engine's loop on a virtual one), the array's state carried across
// checkpoints, scheduled fault injections and the virtual-time loop.
#include "engine/run/run_host.hpp"

#include "core/activity.hpp"
#include "db/json_text.hpp"
#include "db/reader.hpp"
#include "instruments/sim/twin_log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace ledlab::engine::detail {

Status RunHost::check_simulation_options() const {
  if (prepared_.virtual_time && !prepared_.simulate)
    return fail(Errc::config, "virtual time needs the simulated twins (--sim): real instruments keep real time");
  if (!request_.sim_faults.empty() && !prepared_.simulate)
    return fail(Errc::config, "scheduled faults (--sim-fault) need the simulated twins (--sim)");
  for (const auto& f : request_.sim_faults) {
    if (!std::isfinite(f.at_s) || f.at_s < 0)
      return fail(Errc::config, fmt::format("scheduled fault on {}: time {} is not a finite number >= 0", f.instrument, f.at_s));
    if (std::none_of(prepared_.station.instruments.begin(), prepared_.station.instruments.end(),
                     [&](const auto& i) { return i.name == f.instrument; }))
      return fail(Errc::config, fmt::format("scheduled fault '{}': the station has no instrument '{}'", f.line, f.instrument));
  }
  return {};
}

std::shared_ptr<Clock> RunHost::make_clock() const {
  const double scale = prepared_.station.time_scale;
  return prepared_.virtual_time ? Clock::virtual_time(scale) : std::make_shared<Clock>(scale);
}

// On a scaled clock the twins answer from a thread of their own, as separate instruments
// would. On a virtual clock they share the engine's io_context: the loop that decides when
// simulated time may jump (drive()) then sees every twin's pending work too.
Status RunHost::start_simulation() {
  if (!prepared_.simulate) return {};
  auto& twin_io = clock_->is_virtual() ? io_ : sim_io_;
  auto started = SimulatedStation::start(twin_io, prepared_.station, clock_, SimulatedStation::Ports::any_free);
  if (!started) return fail(started.error());
  sim_ = std::move(*started);
  prepared_.station = sim_->config();  // the twins' actual ports
  if (auto st = restore_bench_state(); !st) return st;
  if (!clock_->is_virtual()) sim_thread_ = std::thread([this] { sim_io_.run(); });
  return {};
}

void RunHost::stop_simulation() {
  if (!sim_) return;
  if (request_.twin_log_reader) request_.twin_log_reader(*sim_->twin_log());
  if (clock_->is_virtual()) {
    sim_->stop();
    io_.restart();
    io_.poll();  // the twins' connections see their sockets closed and end
    sim_.reset();
    return;
  }
  asio::post(sim_io_, [this] { sim_->stop(); });
  sim_io_.stop();
  sim_thread_.join();
  sim_.reset();
}

// The simulated array's history goes into the store with every checkpoint, so that a resumed
// simulated run continues the same array (its ageing and failed lanes) rather than a new one.
void RunHost::save_bench_state(SocketRun& run, std::string_view checkpoint) {
  const auto s = sim_->bench()->state();
  json failed = json::array();
  for (const auto& [lane, remaining] : s.forced_failures) failed.push_back({lane, remaining});
  run.event(db::EventKind::info, "simulator", fmt::format("bench state at checkpoint '{}'", checkpoint),
        {{"checkpoint", std::string(checkpoint)}, {"stress_h", s.stress_h}, {"stress_h_per_h", s.stress_h_per_h},
         {"forced_failures", failed}, {"setpoint_c", s.setpoint_c},
         {"chamber", {s.thermal.air_c, s.thermal.air_rate_c_per_s, s.thermal.reference_c, s.thermal.dut_c}}});
}

// Only a resumed run restores: a batch of one, the run it continues.
Status RunHost::restore_bench_state() {
  if (!resumed_from_ || !rewind_ || !rewind_->checkpoint) return {};
  const db::RunRecord& run_ = runs_.front()->run_;
  auto reader = db::Reader::open(request_.db);
  if (!reader) return fail(reader.error());
  auto events = reader->events(run_.id);
  if (!events) return fail(events.error());
  const auto& cp = *rewind_->checkpoint;
  std::optional<json> saved;
  std::uint64_t epoch = 1;
  for (const auto& e : *events) {
    if (e.message.starts_with("resumed after")) ++epoch;
    if (e.source != "simulator" || !e.message.starts_with("bench state at checkpoint")) continue;
    if (e.t_s && *e.t_s > cp.t_s) continue;  // saved for a checkpoint the killed process never committed
    auto data = json::parse(e.data_json, nullptr, false);
    if (data.is_object() && data.value("checkpoint", "") == cp.name) saved = std::move(data);
  }
  if (!saved) {
    event(db::EventKind::info, "simulator", "no bench state stored with the checkpoint: the simulated array starts afresh");
    return {};
  }
  sim::Bench::State state;
  const auto number = [&](const char* key) { return (*saved)[key].is_number() ? (*saved)[key].get<double>() : -1.0; };
  state.stress_h = number("stress_h");
  state.stress_h_per_h = number("stress_h_per_h");
  state.setpoint_c = number("setpoint_c");
  const auto& chamber = (*saved)["chamber"];
  if (!chamber.is_array() || chamber.size() != 4 ||
      !std::all_of(chamber.begin(), chamber.end(), [](const json& v) { return v.is_number(); }))
    return fail(Errc::protocol, fmt::format("run {}: stored bench state has no chamber state", run_.uuid));
  state.thermal = {chamber[0].get<double>(), chamber[1].get<double>(), chamber[2].get<double>(), chamber[3].get<double>()};
  for (const auto& f : saved->value("forced_failures", json::array())) {
    if (!f.is_array() || f.size() != 2 || !f[0].is_number_unsigned() || !f[1].is_number())
      return fail(Errc::protocol, fmt::format("run {}: stored bench state is malformed: {}", run_.uuid, f.dump()));
    state.forced_failures.emplace_back(f[0].get<std::size_t>(), f[1].get<double>());
  }
  // The hardware went on while the process was dead: the array aged through the gap.
  const double gap_s = std::max(0.0, clock_->now_s() - cp.t_s);
  if (auto st = sim_->bench()->restore(state, gap_s, epoch); !st) return fail(st.error());
  event(db::EventKind::info, "simulator",
        fmt::format("the simulated array continues from checkpoint '{}': {:.1f} stress hours and {:.1f} more for the {:.0f} s "
                    "the process was gone, {} lanes failed by faults, chamber at {:.1f} C",
                    cp.name, state.stress_h, state.stress_h_per_h * gap_s / 3600, gap_s, state.forced_failures.size(),
                    state.thermal.air_c));
  return {};
}

// Scheduled fault injections (RunRequest::sim_faults), on the run's clock.
asio::awaitable<void> RunHost::inject_faults() {
  auto faults = request_.sim_faults;
  std::stable_sort(faults.begin(), faults.end(), [](const auto& a, const auto& b) { return a.at_s < b.at_s; });
  // Times count from the run's first start. A resumed run injects at once what its killed
  // process was due for but had not injected, and skips what it had.
  const double start = resumed_from_ ? resumed_from_->started_s : clock_->now_s();
  std::set<std::tuple<double, std::string, std::string>> injected;
  if (resumed_from_) {
    if (auto reader = db::Reader::open(request_.db); reader)
      if (auto events = reader->events(runs_.front()->run_.id); events)
        for (const auto& e : *events) {
          if (!e.message.starts_with("simulated fault injected")) continue;
          const auto d = json::parse(e.data_json, nullptr, false);
          if (d.is_object() && d.contains("at_s") && d["at_s"].is_number())
            injected.emplace(d["at_s"].get<double>(), e.source, d.value("line", ""));
        }
  }
  for (const auto& f : faults) {
    if (injected.contains({f.at_s, f.instrument, f.line})) continue;
    const double wait = start + f.at_s - clock_->now_s();
    if (wait > 0) co_await clock_->sleep(wait);
    const Status st = sim_->inject(f.instrument, f.line);
    event(db::EventKind::fault, f.instrument, fmt::format("simulated fault injected: {}", f.line),
          {{"at_s", f.at_s}, {"line", f.line}, {"ok", static_cast<bool>(st)}});
    if (!st) say(fmt::format("warning: fault injection on {} failed: {}", f.instrument, st.error().describe()));
  }
}

// Runs the engine's loop until `done` is ready. On a virtual clock, simulated time jumps to
// the next sleeper's deadline only when nothing else can happen: no handler is ready (the
// twins' sockets included, poll_one() polls the reactor), no instrument exchange is in flight
// (core/activity.hpp), and the operator has not paused the run.
void RunHost::drive(std::future<void>& done) {
  const auto ready = [&] { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; };
  if (!clock_->is_virtual()) {
    while (!ready()) io_.run_one();
    return;
  }
  auto& activity = Activity::of(io_);
  while (!ready()) {
    if (io_.poll_one() > 0) continue;
    // Paused: every run still going is paused by its operator (a batch goes on while one DUT waits).
    bool paused = holds_.empty() && scripts_running_ > 0;
    for (const auto& run : runs_)
      if (run->script_running_) paused = paused && run->runner_->paused() && !run->runner_->abort_requested();
    if (!activity.busy() && !paused && clock_->advance_to_next_deadline()) continue;
    io_.run_one_for(std::chrono::milliseconds(50));  // waiting on wall time: replies, the operator
  }
}

}  // namespace ledlab::engine::detail
