#include "engine/run/run_sequence.hpp"
#include "engine/run/run_host.hpp"

#include "core/activity.hpp"
#include "db/json_text.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "db/verdict.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/analysis_bindings.hpp"
#include "engine/run/recorded_bindings.hpp"
#include "engine/run/console_view.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/control_sender.hpp"
#include "engine/run/operator_console.hpp"
#include "engine/run/instrument_bindings.hpp"
#include "engine/run/interlocks.hpp"
#include "engine/run/run_inputs.hpp"
#include "engine/run/run_recorder.hpp"
#include "engine/run/run_snapshot.hpp"
#include "engine/run/watchdog.hpp"
#include "engine/sim_station.hpp"
#include "engine/station.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <map>
#include <set>
#include <stdexcept>

#include <unistd.h>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// A run on a DUT the store has no lane table for registers the station's array ([bench.array]
// rows x cols, lanes numbered row by row from 1, rows and columns from 1), so the dashboard and
// the report place lanes from the DUT's own table (db/SCHEMA.md "duts, lanes"). A table the
// lab stored for the DUT is never replaced; a station that states no array registers nothing.
Status register_dut_lanes(db::Store& store, const std::filesystem::path& db_path, const std::string& serial,
                          const json& bench) {
  if (serial.empty() || !bench.is_object() || !bench.contains("array") || !bench["array"].is_object()) return {};
  const json& array = bench["array"];
  auto dimension = [&](const char* key) -> int {
    const auto it = array.find(key);
    if (it == array.end() || !it->is_number_integer()) return 0;
    const auto v = it->get<std::int64_t>();
    return v >= 1 && v <= 4096 ? static_cast<int>(v) : 0;
  };
  const int rows = dimension("rows"), cols = dimension("cols");
  if (rows == 0 || cols == 0 || static_cast<std::int64_t>(rows) * cols > (std::int64_t{1} << 20)) return {};
  auto reader = db::Reader::open(db_path);
  if (!reader) return fail(reader.error());
  db::DutRecord dut{.serial = serial, .description = fmt::format("{} x {} array", rows, cols)};
  if (auto known = reader->dut(serial); known) {
    if (!known->lanes.empty()) return {};
    dut.description = known->description.empty() ? dut.description : known->description;
    dut.info_json = known->info_json;
  } else if (known.error().code != Errc::not_found) {
    return fail(known.error());
  }
  dut.lanes.reserve(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) dut.lanes.push_back({r * cols + c + 1, r + 1, c + 1, ""});
  return store.upsert_dut(std::move(dut));
}

}  // namespace


namespace detail {

// The sockets of the batch: `--dut A=SN1 --dut B=SN2`, each with the station's instruments it
// uses. Without sockets on the command line, one run outside any batch.
Status RunHost::plan_sockets() {
  const auto& station = prepared_.station;
  const auto uses = [&](const std::string& socket) {
    std::set<std::string> names;
    const auto it = std::find_if(station.sockets.begin(), station.sockets.end(),
                                 [&](const SocketConfig& s) { return s.name == socket; });
    if (it == station.sockets.end()) {
      for (const auto& inst : station.instruments) names.insert(inst.name);  // the implicit socket: everything
      return names;
    }
    for (const auto& role : it->roles) {
      names.insert(role.instrument);
      if (!role.optical_switch.empty()) names.insert(role.optical_switch);
    }
    return names;
  };
  if (request_.duts.empty()) {
    // One run outside a batch: on a station of one socket, that socket (bind_instruments refuses
    // a station of several, naming them).
    runs_.push_back(std::make_unique<SocketRun>(*this, "", request_.dut_serial, request_.terminal));
    runs_.back()->instruments_ = uses(station.sockets.size() == 1 ? station.sockets.front().name : "");
  }
  std::set<std::string> seen;
  for (const auto& dut : request_.duts) {
    if (dut.socket.empty() || dut.serial.empty())
      return fail(Errc::invalid_argument,
                  fmt::format("--dut '{}={}': give a socket and a DUT serial number, e.g. --dut A=SN1", dut.socket, dut.serial));
    if (!seen.insert(dut.socket).second)
      return fail(Errc::invalid_argument, fmt::format("--dut: socket {} is named twice", dut.socket));
    if (!station.sockets.empty() && std::none_of(station.sockets.begin(), station.sockets.end(),
                                                 [&](const SocketConfig& s) { return s.name == dut.socket; })) {
      std::string known;
      for (const auto& s : station.sockets) known += (known.empty() ? "" : ", ") + s.name;
      return fail(Errc::config, fmt::format("--dut {}={}: station '{}' has no socket {} (its sockets: {})", dut.socket,
                                            dut.serial, station.name, dut.socket, known));
    }
    // One shared output: a batch's runs print plain lines, each with its socket.
    runs_.push_back(std::make_unique<SocketRun>(*this, dut.socket, dut.serial, request_.terminal && request_.duts.size() == 1));
    runs_.back()->instruments_ = uses(dut.socket);
    for (const auto& s : station.sockets)
      if (s.name == dut.socket) runs_.back()->config_ = s;
  }
  for (const auto& run : runs_)
    for (const auto& name : run->instruments_) ++users_[name];
  for (const auto& [name, users] : users_)
    if (users > 1) shared_.insert(name);
  return {};
}

Status RunHost::open_resumed_run() {
  // The store marked a run whose process was killed as interrupted when it opened.
  auto reader = db::Reader::open(request_.db);
  if (!reader) return fail(reader.error());
  auto found = reader->find_run(request_.resume);
  if (!found) return fail(found.error());
  auto prepared = prepare_resume(request_, *found);
  if (!prepared) return fail(prepared.error());
  prepared_ = std::move(*prepared);
  if (auto st = check_simulation_options(); !st) return st;
  // A run of a batch goes on alone: a batch of one, its socket's name kept.
  runs_.push_back(std::make_unique<SocketRun>(*this, found->socket, found->dut_serial, request_.terminal));
  SocketRun& run = *runs_.front();
  for (const auto& inst : prepared_.station.instruments) run.instruments_.insert(inst.name);
  for (const auto& name : run.instruments_) users_[name] = 1;
  for (const auto& s : prepared_.station.sockets)
    if (s.name == found->socket) run.config_ = s;
  run.script_ = prepared_.script;
  auto resumed = store_->resume_run(found->id);
  if (!resumed) return fail(resumed.error());
  run.run_ = *resumed;
  resumed_from_ = *found;
  auto rewind = store_->rewind_to_checkpoint(run.run_.id);
  if (!rewind) return fail(rewind.error());
  rewind_ = *rewind;
  clock_ = make_clock();
  // The run's clock goes on after everything it recorded, never back.
  if (rewind_->last_t_s > clock_->now_s()) clock_->advance(rewind_->last_t_s - clock_->now_s() + 1.0);
  run.recorder_ = std::make_unique<RunRecorder>(*store_, run.run_.id, clock_);
  auto series = reader->series(run.run_.id);
  if (!series) return fail(series.error());
  run.recorder_->adopt(*series);
  return {};
}

Status RunHost::open_store_and_runs() {
  db::StoreOptions options;
  options.on_commit = request_.on_store_commit;
  auto store = db::Store::open(request_.db, std::move(options));
  if (!store) return fail(store.error());
  store_ = std::move(*store);
  if (!request_.resume.empty()) return open_resumed_run();
  auto prepared = prepare_new(request_);
  if (!prepared) return fail(prepared.error());
  prepared_ = std::move(*prepared);
  if (auto st = check_simulation_options(); !st) return st;
  if (auto st = plan_sockets(); !st) return st;
  const std::string sequence = request_.script.stem().string();
  if (!request_.duts.empty()) {
    auto batch = store_->begin_batch({.sequence = sequence, .station = prepared_.station.name,
                                      .operator_name = request_.operator_name});
    if (!batch) return fail(batch.error());
    batch_ = *batch;
  }
  clock_ = make_clock();
  for (auto& run : runs_) {
    db::RunProvenance prov;
    prov.sequence = sequence;
    prov.script_text = prepared_.script.text();
    prov.parameters_json = db::json_text(prepared_.parameters);
    prov.station_json = db::json_text(json{{"source", prepared_.station.source}, {"name", prepared_.station.name},
                             {"text", prepared_.station.text}, {"simulated", prepared_.simulate},
                             {"time_scale", prepared_.station.time_scale},
                             {"virtual_time", prepared_.virtual_time}});
    prov.operator_name = request_.operator_name;
    prov.dut_serial = run->dut_serial_;
    if (batch_) prov.batch_id = batch_->id;
    prov.socket = run->socket_;
    auto record = store_->begin_run(prov);
    if (!record) return fail(record.error());
    run->run_ = *record;
    run->script_ = prepared_.script;
    if (auto st = register_dut_lanes(*store_, request_.db, run->dut_serial_, prepared_.station.bench); !st)
      run->line(fmt::format("warning: DUT {}: its lanes table was not written: {}", run->dut_serial_, st.error().message));
    run->recorder_ = std::make_unique<RunRecorder>(*store_, run->run_.id, clock_);
  }
  return {};
}

// A batch that could not start: every run it recorded ends failed with the reason.
int RunHost::fail_start(Status why, int code) {
  fmt::print(out_, "error: {}\n", why.error().describe());
  for (auto& run : runs_) {
    if (run->run_.id == 0) continue;
    (void)store_->end_run(run->run_.id, db::RunStatus::failed, {}, why.error().describe());
    run->end_alerts(db::RunStatus::failed, why.error().describe(), nullptr);
  }
  if (batch_) (void)store_->end_batch(batch_->id);
  stop_simulation();
  return code;
}

// Made after the run's signal_set (the watchdog relies on the engine seeing every signal it
// sees), fed by the engine loop, and gone once the loop has ended.
void RunHost::start_watchdog() {
  Watchdog::Hooks hooks;
  hooks.interrupt = [this](const std::string& why) {
    for (auto& run : runs_) run->runner_->interrupt(why);
  };
  hooks.force = [this, station = prepared_.station](const std::string& why) {
    std::vector<db::RunId> ids;
    for (const auto& run : runs_) ids.push_back(run->run_.id);
    force_runs_to_safe_state(station, *store_, ids, why);
    for (auto& run : runs_) run->watchdog_alert(why);
  };
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(request_.watchdog_s));
  watchdog_ = std::make_unique<Watchdog>(
      WatchdogOptions{.timeout = timeout, .grace = std::min(timeout, std::chrono::milliseconds(2000))}, std::move(hooks));
  watchdog_->watch(io_);
}

asio::awaitable<void> RunHost::bring_to_safe_state() {
  for (const auto& inst : station_->instruments()) {
    if (!made_safe_.insert(inst->name()).second) continue;
    if (auto st = co_await inst->safe_state(); !st) {
      say(fmt::format("warning: safe state of {}: {}", inst->name(), st.error().describe()));
      event(db::EventKind::fault, inst->name(), "safe state failed: " + st.error().describe());
    }
  }
}

// Per-socket safety: when a socket's run ends while others go on, the instruments only it used
// (its drive, its meter channels) go to the safe state now; shared ones (the chamber) when the
// last run using them ends. The last run of all leaves everything to main().
asio::awaitable<void> RunHost::release_instruments(SocketRun& run) {
  std::vector<instruments::Instrument*> now;
  for (const auto& name : run.instruments_)
    if (--users_[name] == 0 && scripts_running_ > 0 && made_safe_.insert(name).second)
      if (auto* inst = station_->find(name)) now.push_back(inst);
  for (auto* inst : now) {
    if (auto st = co_await inst->safe_state(); !st) {
      run.line(fmt::format("warning: safe state of {}: {}", inst->name(), st.error().describe()));
      run.event(db::EventKind::fault, inst->name(), "safe state failed: " + st.error().describe());
    } else {
      run.event(db::EventKind::info, inst->name(), "safe state: the socket's run has ended, other sockets go on");
    }
  }
}

asio::awaitable<void> RunHost::run_socket(SocketRun& run) {
  lua::RunOutcome outcome;
  try {
    outcome = co_await run.runner_->run();
  } catch (const std::exception& e) {
    outcome = lua::RunOutcome{lua::RunStatus::failed, e.what(), {}};
  }
  run.outcome_ = outcome;
  run.script_running_ = false;
  --scripts_running_;
  run.sections_.clear();  // serial{} sections a failed script left open
  coordinator_->ended(run.socket_, outcome.message.empty() ? std::string(lua::to_string(outcome.status)) : outcome.message);
  run.publish_state();
  if (runs_.size() > 1)
    run.line(fmt::format("{}{}", lua::to_string(outcome.status), outcome.message.empty() ? "" : ": " + outcome.message));
  co_await release_instruments(run);
  if (--runs_ending_ == 0) ended_->cancel();
}

asio::awaitable<void> RunHost::all_ended() {
  while (runs_ending_ > 0) co_await ended_->async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> RunHost::run_scripts() {
  using namespace asio::experimental::awaitable_operators;
  scripts_running_ = runs_ending_ = static_cast<int>(runs_.size());
  for (auto& run : runs_) {
    run->script_running_ = true;
    asio::co_spawn(io_, run_socket(*run), asio::detached);
  }
  auto raced = co_await (all_ended() || monitor_->run());
  if (raced.index() == 1) {
    if (fail_reason_.empty()) fail_reason_ = "the interlock monitor ended before the script";
    abort_all(fail_reason_);
    co_await all_ended();
  }
}

asio::awaitable<void> RunHost::main() {
  // After attach, before initialize: a station that cannot run the sequence is refused here,
  // with nothing set and nothing switched on.
  if (!co_await preflight()) co_return;
  for (const auto& inst : station_->instruments()) {
    auto st = co_await inst->initialize();
    // A link lost while setting up is recovered like one lost mid-run, then set up again.
    for (int attempt = 0; !st && is_link_error(st.error().code) && attempt < 3 && !every_run_aborting(); ++attempt)
      if (auto recovered = co_await recover_link(inst->name(), st.error()); recovered) st = co_await inst->initialize();
      else break;
    if (!st) {
      co_await bring_to_safe_state();
      for (auto& run : runs_) run->outcome_ = lua::RunOutcome{lua::RunStatus::failed, st.error().describe(), {}};
      co_return;
    }
    for (auto& run : runs_) {
      if (!resumed_from_)
        (void)store_->add_instrument(run->run_.id, {.name = inst->name(), .kind = inst->kind(),
                                                    .resource = inst->config().address,
                                                    .idn = inst->identity() ? inst->identity()->raw : "",
                                                    .settings_json = db::json_text(run->provenance_settings(*inst))});
      if (auto* status = run->instrument_status(inst->name())) status->idn = inst->identity() ? inst->identity()->raw : "";
    }
  }
  // After attach: the channels, switch inputs and outputs each socket names exist on its live
  // instruments.
  for (auto& run : runs_) {
    if (!run->config_) continue;
    if (auto st = check_socket_channels(*station_, *run->config_); !st) {
      co_await bring_to_safe_state();
      for (auto& each : runs_) each->outcome_ = lua::RunOutcome{lua::RunStatus::failed, st.error().describe(), {}};
      co_return;
    }
  }
  co_await run_scripts();
  monitor_->stop();
  co_await bring_to_safe_state();  // drive off, gates stopped, chamber to its safe temperature
}

int RunHost::run() {
  if (auto st = open_store_and_runs(); !st) {
    for (auto& run : runs_)
      if (run->run_.id != 0) (void)store_->end_run(run->run_.id, db::RunStatus::failed, {}, st.error().describe());
    if (batch_) (void)store_->end_batch(batch_->id);
    fmt::print(out_, "error: {}\n", st.error().describe());
    return 2;
  }
  for (auto& run : runs_) run->start_alerts();
  if (auto st = start_simulation(); !st) return fail_start(st, 2);
  if (resumed_from_) {
    const std::string from = rewind_->checkpoint ? fmt::format("checkpoint '{}'", rewind_->checkpoint->name)
                                                 : std::string("the start (no checkpoint)");
    const std::string msg = fmt::format("resumed after {} from {}; {} samples and {} results recorded after it set aside",
                                        to_string(resumed_from_->status), from, rewind_->superseded_samples,
                                        rewind_->superseded_results);
    event(db::EventKind::state, "engine", msg,
          {{"checkpoint", rewind_->checkpoint ? json(rewind_->checkpoint->name) : json()},
           {"superseded_samples", rewind_->superseded_samples}, {"superseded_results", rewind_->superseded_results}});
    fmt::print(out_, "run {} resumed: {}\n", runs_.front()->run_.uuid, msg);
  } else {
    if (batch_)
      fmt::print(out_, "batch {} started: {} on station '{}'{}, {} sockets\n", batch_->uuid, batch_->sequence,
                 prepared_.station.name, prepared_.simulate ? " (simulated)" : "", runs_.size());
    for (auto& run : runs_) {
      if (run->socket_.empty())
        fmt::print(out_, "run {} started: {} on station '{}'{}\n", run->run_.uuid, run->run_.sequence,
                   prepared_.station.name, prepared_.simulate ? " (simulated)" : "");
      else
        fmt::print(out_, "[{}] run {} started: DUT {} in socket {}\n", run->socket_, run->run_.uuid, run->dut_serial_,
                   run->socket_);
      run->event(db::EventKind::operator_action, "operator", "started by " + describe(run_starter()));
    }
  }
  out_.flush();

  for (auto& run : runs_) {
    auto& snapshot = run->snapshot_;
    snapshot.run_uuid = run->run_.uuid;
    snapshot.sequence = run->run_.sequence;
    snapshot.station = prepared_.station.name;
    snapshot.db_path = request_.db.string();
    snapshot.time_scale = clock_->scale();
    for (const auto& cfg : prepared_.station.instruments)
      snapshot.instruments.push_back({.name = cfg.name, .kind = cfg.kind, .driver = cfg.driver, .address = cfg.address});
  }

  auto created = Station::create(prepared_.station, io_.get_executor(), clock_);
  if (!created) return fail_start(fail(created.error()), 1);
  station_ = std::move(*created);
  released_ = std::make_unique<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  ended_ = std::make_unique<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  locks_ = std::make_unique<InstrumentLocks>(io_.get_executor());
  std::vector<std::string> sockets;
  for (const auto& run : runs_) sockets.push_back(run->socket_);
  coordinator_ = std::make_unique<BatchCoordinator>(io_.get_executor(), std::move(sockets));
  for (auto& run : runs_)
    if (auto st = run->install_script_api(); !st) return fail_start(st, 2);
  if (auto st = install_monitor(); !st) return fail_start(st, 2);
  for (auto& run : runs_) run->install_control();

  // Ctrl-C pauses every run at its next instrument call; Enter resumes; a second Ctrl-C (or
  // SIGTERM) aborts.
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  watch_console();
  std::function<void()> watch_signals = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (watchdog_) watchdog_->signal_handled();
      on_signal(sig);
      publish_state();
      watch_signals();
    });
  };
  watch_signals();
  publish_state();
  start_watchdog();

  if (sim_ && !request_.sim_faults.empty()) asio::co_spawn(io_, inject_faults(), asio::detached);
  auto fut = asio::co_spawn(io_, main(), asio::use_future);
  drive(fut);
  watchdog_.reset();
  fut.get();
  signals.cancel();
  if (request_.console) request_.console->stop();

  std::vector<lua::RunOutcome> outcomes;
  for (auto& run : runs_) {
    lua::RunOutcome outcome = run->outcome_.value_or(lua::RunOutcome{lua::RunStatus::failed, "the script never ran", {}});
    if (!fail_reason_.empty() && outcome.status == lua::RunStatus::aborted) {
      outcome.status = lua::RunStatus::failed;  // the engine gave up, not the operator
      outcome.message = fail_reason_;
    }
    outcomes.push_back(std::move(outcome));
  }
  stop_simulation();
  int code = 0;
  // The batch's code: the worst of its runs' (failed, aborted, verdict FAIL, finished).
  const auto worse = [](int a, int b) {
    const auto rank = [](int c) { return c == 1 ? 4 : c == 4 ? 3 : c == kVerdictFailedExitCode ? 2 : c == 0 ? 0 : 1; };
    return rank(b) > rank(a) ? b : a;
  };
  for (std::size_t i = 0; i < runs_.size(); ++i) code = worse(code, runs_[i]->finish(outcomes[i]));
  if (preflight_refused_) code = 2;  // bad input: the station lacks what the sequence needs
  if (batch_) {
    (void)store_->end_batch(batch_->id);
    fmt::print(out_, "batch {}: {} sockets (ledlab runs --batch {})\n", batch_->uuid, runs_.size(), batch_->uuid.substr(0, 8));
  }
  return code;
}

}  // namespace detail

int run_sequence(const RunRequest& request, std::ostream& out) {
  using detail::RunHost;
  RunHost host(request, out);
  return host.run();
}

}  // namespace ledlab::engine
