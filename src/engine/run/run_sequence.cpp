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

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
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

constexpr int kMaxRepeats = 20;  // repeats of one call after suspensions before it gives up

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

db::RunStatus store_status(lua::RunStatus s) {
  switch (s) {
    case lua::RunStatus::finished: return db::RunStatus::finished;
    case lua::RunStatus::aborted: return db::RunStatus::aborted;
    case lua::RunStatus::failed: return db::RunStatus::failed;
  }
  return db::RunStatus::failed;
}

int exit_code(lua::RunStatus s) {
  switch (s) {
    case lua::RunStatus::finished: return 0;
    case lua::RunStatus::aborted: return 4;
    case lua::RunStatus::failed: return 1;
  }
  return 1;
}

// A short text of what an instrument call returned, for the live view.
std::string describe_reading(const std::string& call, const json& value) {
  if (value.is_number()) return fmt::format("{} = {:.6g}", call, value.get<double>());
  if (value.is_boolean()) return fmt::format("{} = {}", call, value.get<bool>());
  if (value.is_array() && !value.empty() && value[0].is_number()) {
    double sum = 0;
    for (const auto& v : value) sum += v.is_number() ? v.get<double>() : 0.0;
    return fmt::format("{}: {} values, mean {:.4g}", call, value.size(), sum / static_cast<double>(value.size()));
  }
  return call;
}

}  // namespace

namespace detail {


void RunHost::event(db::EventKind kind, const std::string& source, const std::string& message, json data) {
  // Stamped by the run's clock, as its samples are: on simulated time the wall clock is not the run's.
  std::optional<double> t_s;
  if (clock_) t_s = clock_->now_s();
  // Posted, never waited for: a refused event fails the run at its next checkpoint or its end.
  (void)store_->post_event(run_.id, {.t_s = t_s, .kind = kind, .source = source, .message = message, .data_json = db::json_text(data)});
}

std::string RunHost::state_name() const {
  if (runner_ && runner_->abort_requested()) return "aborting";
  if (!holds_.empty()) return "suspended";
  if (runner_ && runner_->paused()) return "paused";
  if (prompts_ && prompts_->pending()) return "waiting for operator";
  return "running";
}

void RunHost::publish_state() {
  const std::string state = state_name();
  snapshot_.state = state;
  publish_prompt();
  if (monitor_) snapshot_.interlocks = monitor_->status();
  for (auto& inst : snapshot_.instruments) {
    inst.alarm = false;
    for (const auto& lock : snapshot_.interlocks)
      if (lock.state != "ok" && monitor_) inst.alarm = inst.alarm || lock.message.starts_with(inst.name + " ");
  }
  if (state != last_state_) {
    view_.state(state);
    last_state_ = state;
  }
}

InstrumentStatus* RunHost::instrument_status(const std::string& name) {
  for (auto& i : snapshot_.instruments)
    if (i.name == name) return &i;
  return nullptr;
}

Status RunHost::open_store_and_run() {
  auto store = db::Store::open(request_.db);
  if (!store) return fail(store.error());
  store_ = std::move(*store);
  if (!request_.resume.empty()) {
    // The store marked a run whose process was killed as interrupted when it opened.
    auto reader = db::Reader::open(request_.db);
    if (!reader) return fail(reader.error());
    auto found = reader->find_run(request_.resume);
    if (!found) return fail(found.error());
    auto prepared = prepare_resume(request_, *found);
    if (!prepared) return fail(prepared.error());
    prepared_ = std::move(*prepared);
    if (auto st = check_simulation_options(); !st) return st;
    auto resumed = store_->resume_run(found->id);
    if (!resumed) return fail(resumed.error());
    run_ = *resumed;
    resumed_from_ = *found;
    auto rewind = store_->rewind_to_checkpoint(run_.id);
    if (!rewind) return fail(rewind.error());
    rewind_ = *rewind;
    clock_ = make_clock();
    // The run's clock goes on after everything it recorded, never back.
    if (rewind_->last_t_s > clock_->now_s()) clock_->advance(rewind_->last_t_s - clock_->now_s() + 1.0);
    recorder_ = std::make_unique<RunRecorder>(*store_, run_.id, clock_);
    auto series = reader->series(run_.id);
    if (!series) return fail(series.error());
    recorder_->adopt(*series);
    return {};
  }
  auto prepared = prepare_new(request_);
  if (!prepared) return fail(prepared.error());
  prepared_ = std::move(*prepared);
  if (auto st = check_simulation_options(); !st) return st;
  db::RunProvenance prov;
  prov.sequence = request_.script.stem().string();
  prov.script_text = prepared_.script.text();
  prov.parameters_json = db::json_text(prepared_.parameters);
  prov.station_json = db::json_text(json{{"source", prepared_.station.source}, {"name", prepared_.station.name},
                           {"text", prepared_.station.text}, {"simulated", prepared_.simulate},
                           {"time_scale", prepared_.station.time_scale},
                           {"virtual_time", prepared_.virtual_time}});
  prov.operator_name = request_.operator_name;
  prov.dut_serial = request_.dut_serial;
  auto run = store_->begin_run(prov);
  if (!run) return fail(run.error());
  run_ = *run;
  if (auto st = register_dut_lanes(*store_, request_.db, request_.dut_serial, prepared_.station.bench); !st)
    view_.line(fmt::format("warning: DUT {}: its lanes table was not written: {}", request_.dut_serial, st.error().message));
  clock_ = make_clock();
  recorder_ = std::make_unique<RunRecorder>(*store_, run_.id, clock_);
  return {};
}

// Read back from the store once the run has ended there: its verdict counts what was kept.
Result<db::RunVerdict> RunHost::stored_verdict() {
  auto reader = db::Reader::open(request_.db);
  if (!reader) return fail(reader.error());
  auto run = reader->run(run_.id);
  if (!run) return fail(run.error());
  return db::judge_run(*reader, *run);
}

void RunHost::hold(const std::string& holder, const std::string& why) {
  const bool first = holds_.empty();
  if (!holds_.insert(holder).second) return;
  ++suspension_generation_;
  ++snapshot_.suspensions;
  runner_->hold(holder);
  snapshot_.message = why;
  if (first) {
    event(db::EventKind::state, "engine", "suspended: " + why, {{"holder", holder}});
    alert(AlertEvent::suspend, why, {{"holder", holder}});
  }
  view_.line(fmt::format("suspended: {}", why));
  publish_state();
}

void RunHost::release(const std::string& holder, const std::string& why) {
  if (holds_.erase(holder) == 0) return;
  runner_->release(holder);
  view_.line(fmt::format("{}", why));
  if (holds_.empty()) {
    snapshot_.message.clear();
    event(db::EventKind::state, "engine", "running: " + why, {{"holder", holder}});
    alert(AlertEvent::resume, why, {{"holder", holder}});
    released_->cancel();
  }
  publish_state();
}

asio::awaitable<void> RunHost::wait_released() {
  while (!holds_.empty() && !runner_->abort_requested())
    co_await released_->async_wait(asio::as_tuple(asio::use_awaitable));
}

// A lost link: suspend the run, reconnect with backoff, re-apply the instrument's settings,
// resume. Concurrent callers for the same instrument share one recovery.
asio::awaitable<Status> RunHost::recover_link(const std::string& name, const Error& why) {
  if (auto it = recoveries_.find(name); it != recoveries_.end() && !it->second->finished) {
    auto pending = it->second;
    co_await pending->done.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return pending->result;
  }
  auto recovery = std::make_shared<Recovery>(io_);
  recoveries_[name] = recovery;
  // A virtual clock stands still while the link is recovered (its backoff is wall time).
  Activity::Scope recovering(io_.get_executor());
  instruments::Instrument* inst = station_->find(name);
  const std::string holder = "link:" + name;
  if (auto* st = instrument_status(name)) {
    st->link = "reconnecting";
    st->fault = why.describe();
  }
  event(db::EventKind::fault, name, "lost link: " + why.describe());
  hold(holder, fmt::format("lost link to {} ({}); reconnecting", name, why.describe()));
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(prepared_.station.link_recovery_s));
  auto backoff = std::chrono::milliseconds(250);
  asio::steady_timer timer(io_);
  Status result;
  int attempt = 0;
  for (;;) {
    ++attempt;
    result = co_await inst->attach();
    if (result) result = co_await inst->reapply_settings();
    if (result || runner_->abort_requested()) break;
    if (std::chrono::steady_clock::now() + backoff > give_up) break;
    timer.expires_after(backoff);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30'000));
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  auto* st = instrument_status(name);
  if (result) {
    if (st) {
      st->link = "connected";
      st->fault.clear();
    }
    const std::string msg = fmt::format("link to {} restored after {} attempt{} in {:.1f} s; settings re-applied",
                                        name, attempt, attempt == 1 ? "" : "s", took);
    event(db::EventKind::info, name, msg);
    release(holder, msg);
  } else {
    if (st) st->link = "lost";
    fail_reason_ = fmt::format("lost link to {}: {} (gave up after {} attempts in {:.1f} s)", name,
                               result.error().describe(), attempt, took);
    event(db::EventKind::fault, name, fail_reason_);
    runner_->abort(fail_reason_);
    release(holder, "giving up on " + name);
  }
  recovery->result = result;
  recovery->finished = true;
  recovery->done.cancel();
  co_return result;
}

// Every instrument call goes through here: a lost link is recovered and the call repeated;
// a call that overlapped a suspension is repeated once the run resumes, so nothing measured
// during an excursion or an outage reaches the script (and so the store).
lua::AsyncFunction RunHost::guard_call(const std::string& name, lua::AsyncFunction fn) {
  const std::string instrument = name.substr(0, name.find('.'));
  if (!station_->find(instrument)) return fn;
  return [this, name, instrument, fn = std::move(fn)](json args) -> asio::awaitable<Result<json>> {
    for (int repeat = 0;; ++repeat) {
      co_await wait_released();
      const auto generation = suspension_generation_;
      Result<json> r = co_await fn(args);
      if (!r && is_link_error(r.error().code) && !runner_->abort_requested()) {
        auto recovered = co_await recover_link(instrument, r.error());
        if (!recovered) co_return fail(r.error());
        if (repeat < kMaxRepeats) continue;
      }
      if (r && (generation != suspension_generation_ || !holds_.empty()) && repeat < kMaxRepeats &&
          !runner_->abort_requested()) {
        view_.line(fmt::format("  {} overlapped a suspension: repeating it", name));
        continue;
      }
      if (auto* st = instrument_status(instrument)) {
        if (r) {
          st->last_reading = describe_reading(name, *r);
          st->last_reading_t_s = clock_->now_s();
          st->fault.clear();
        } else {
          st->fault = r.error().describe();
        }
      }
      co_return r;
    }
  };
}

Status RunHost::install_script_api() {
  lua::Sinks sinks;
  sinks.log = [this](std::string_view text) {
    view_.line(fmt::format("  {}", text));
    event(db::EventKind::info, "script", std::string(text));
  };
  sinks.progress = [this](double f, std::string_view text) {
    view_.progress(f, text);
    snapshot_.progress = view_.fraction();
    snapshot_.step = std::string(text);
  };
  sinks.record = [this](const json& r) { recorder_->record(r); };
  sinks.result = [this](const json& r) { recorder_->result(r); };
  sinks.checkpoint = [this](std::string_view name, const json& state) {
    if (sim_) save_bench_state(name);
    if (auto st = store_->checkpoint(run_.id, {std::string(name), db::json_text(state), clock_->now_s()}); !st)
      throw std::runtime_error(st.error().describe());
  };
  lua::RunOptions options{.clock = clock_, .memory_limit_bytes = request_.script_memory_bytes,
                          .overrides = prepared_.overrides};
  runner_ = std::make_unique<lua::SequenceRunner>(std::move(prepared_.script), options, sinks);
  runner_->set_call_wrapper([this](const std::string& name, lua::AsyncFunction fn) { return guard_call(name, std::move(fn)); });
  if (auto st = bind_instruments(*runner_, *station_, clock_); !st) return st;
  bind_analysis(*runner_);

  // resume_point() -> {name=, state=} of the checkpoint a resumed run goes on from, else nil.
  runner_->add_function("resume_point", [this](json) -> Result<json> {
    if (!rewind_ || !rewind_->checkpoint) return json();
    return json{{"name", rewind_->checkpoint->name},
                {"state", json::parse(rewind_->checkpoint->state_json, nullptr, false)}};
  });
  // recorded{quantity=, conditions={...}, ...} -> what this run has recorded so far (after a
  // resume: including what the killed process recorded before its last checkpoint).
  bind_recorded(*runner_, *recorder_, request_.db);
  // interlock{name=, kind=, instrument=, band_c=, soak_s=, max_c=, action=, poll_s=}
  runner_->add_function("interlock", [this](json args) -> Result<json> {
    auto spec = interlock_from_json(args, "script");
    if (!spec) return fail(spec.error());
    if (auto st = monitor_->add(*spec); !st) return fail(st.error());
    event(db::EventKind::info, "engine", fmt::format("interlock '{}' ({}) declared by the script", spec->name, spec->kind));
    publish_state();
    return json();
  });
  return {};
}

// Made after the run's signal_set (the watchdog relies on the engine seeing every signal it
// sees), fed by the engine loop, and gone once the loop has ended.
void RunHost::start_watchdog() {
  Watchdog::Hooks hooks;
  hooks.interrupt = [this](const std::string& why) { runner_->interrupt(why); };
  hooks.force = [this, station = prepared_.station](const std::string& why) {
    force_run_to_safe_state(station, *store_, run_.id, why);
    watchdog_alert(why);
  };
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(request_.watchdog_s));
  watchdog_ = std::make_unique<Watchdog>(
      WatchdogOptions{.timeout = timeout, .grace = std::min(timeout, std::chrono::milliseconds(2000))}, std::move(hooks));
  watchdog_->watch(io_);
}

asio::awaitable<lua::RunOutcome> RunHost::run_script() {
  using namespace asio::experimental::awaitable_operators;
  auto raced = co_await (runner_->run() || monitor_->run());
  if (raced.index() == 0) co_return std::get<0>(std::move(raced));
  co_return lua::RunOutcome{lua::RunStatus::failed, "the interlock monitor ended before the script", {}};
}

asio::awaitable<void> RunHost::bring_to_safe_state() {
  for (const auto& inst : station_->instruments()) {
    if (auto st = co_await inst->safe_state(); !st) {
      view_.line(fmt::format("warning: safe state of {}: {}", inst->name(), st.error().describe()));
      event(db::EventKind::fault, inst->name(), "safe state failed: " + st.error().describe());
    }
  }
}

asio::awaitable<lua::RunOutcome> RunHost::main() {
  // After attach, before initialize: a station that cannot run the sequence is refused here.
  if (auto refused = co_await preflight()) co_return std::move(*refused);
  for (const auto& inst : station_->instruments()) {
    auto st = co_await inst->initialize();
    // A link lost while setting up is recovered like one lost mid-run, then set up again.
    for (int attempt = 0; !st && is_link_error(st.error().code) && attempt < 3 && !runner_->abort_requested(); ++attempt)
      if (auto recovered = co_await recover_link(inst->name(), st.error()); recovered) st = co_await inst->initialize();
      else break;
    if (!st) {
      co_await bring_to_safe_state();
      co_return lua::RunOutcome{lua::RunStatus::failed, st.error().describe(), {}};
    }
    if (!resumed_from_)
      (void)store_->add_instrument(run_.id, {.name = inst->name(), .kind = inst->kind(),
                                             .resource = inst->config().address,
                                             .idn = inst->identity() ? inst->identity()->raw : "",
                                             .settings_json = db::json_text(provenance_settings(*inst))});
    if (auto* st = instrument_status(inst->name())) st->idn = inst->identity() ? inst->identity()->raw : "";
  }
  auto outcome = co_await run_script();
  monitor_->stop();
  co_await bring_to_safe_state();  // drive off, gates stopped, chamber to its safe temperature
  co_return outcome;
}

int RunHost::run() {
  if (auto st = open_store_and_run(); !st) {
    fmt::print(out_, "error: {}\n", st.error().describe());
    return 2;
  }
  start_alerts();
  if (auto st = start_simulation(); !st) {
    fmt::print(out_, "error: {}\n", st.error().describe());
    (void)store_->end_run(run_.id, db::RunStatus::failed, {}, st.error().describe());
    end_alerts(db::RunStatus::failed, st.error().describe(), nullptr);
    return 2;
  }
  if (resumed_from_) {
    const std::string from = rewind_->checkpoint ? fmt::format("checkpoint '{}'", rewind_->checkpoint->name)
                                                 : std::string("the start (no checkpoint)");
    const std::string msg = fmt::format("resumed after {} from {}; {} samples and {} results recorded after it set aside",
                                        to_string(resumed_from_->status), from, rewind_->superseded_samples,
                                        rewind_->superseded_results);
    event(db::EventKind::state, "engine", msg,
          {{"checkpoint", rewind_->checkpoint ? json(rewind_->checkpoint->name) : json()},
           {"superseded_samples", rewind_->superseded_samples}, {"superseded_results", rewind_->superseded_results}});
    fmt::print(out_, "run {} resumed: {}\n", run_.uuid, msg);
  } else {
    fmt::print(out_, "run {} started: {} on station '{}'{}\n", run_.uuid, run_.sequence, prepared_.station.name,
               prepared_.simulate ? " (simulated)" : "");
    event(db::EventKind::operator_action, "operator", "started by " + describe(run_starter()));
  }
  out_.flush();

  snapshot_.run_uuid = run_.uuid;
  snapshot_.sequence = run_.sequence;
  snapshot_.station = prepared_.station.name;
  snapshot_.db_path = request_.db.string();
  snapshot_.time_scale = clock_->scale();
  for (const auto& cfg : prepared_.station.instruments)
    snapshot_.instruments.push_back({.name = cfg.name, .kind = cfg.kind, .driver = cfg.driver, .address = cfg.address});

  auto created = Station::create(prepared_.station, io_.get_executor(), clock_);
  if (!created) {
    fmt::print(out_, "error: {}\n", created.error().describe());
    (void)store_->end_run(run_.id, db::RunStatus::failed, {}, created.error().describe());
    stop_simulation();
    end_alerts(db::RunStatus::failed, created.error().describe(), nullptr);
    return 1;
  }
  station_ = std::move(*created);
  released_ = std::make_unique<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  if (auto st = install_script_api(); !st) {
    fmt::print(out_, "error: {}\n", st.error().describe());
    (void)store_->end_run(run_.id, db::RunStatus::failed, {}, st.error().describe());
    stop_simulation();
    end_alerts(db::RunStatus::failed, st.error().describe(), nullptr);
    return 2;
  }

  InterlockMonitor::Hooks hooks;
  hooks.trip = [this](const InterlockSpec& spec, const std::string& message, double air_c) {
    json data{{"interlock", spec.name}, {"action", spec.effective_action()}};
    if (std::isfinite(air_c)) data["air_c"] = air_c;  // what the interlock read, for plots (db/SCHEMA.md events)
    event(db::EventKind::alarm, spec.instrument, fmt::format("interlock '{}' tripped: {}", spec.name, message), data);
    if (spec.effective_action() == "abort") {
      view_.line(fmt::format("interlock '{}' tripped: {}; aborting to the safe state", spec.name, message));
      runner_->abort(fmt::format("interlock '{}': {}", spec.name, message));
      publish_state();
    } else {
      hold("interlock:" + spec.name, fmt::format("interlock '{}': {}", spec.name, message));
    }
  };
  hooks.clear = [this](const InterlockSpec& spec, const std::string& message) {
    release("interlock:" + spec.name, fmt::format("interlock '{}' clear: {}", spec.name, message));
  };
  hooks.alarm = [this](const InterlockSpec& spec, const std::string& message) {
    event(db::EventKind::alarm, spec.instrument, message, {{"interlock", spec.name}});
    view_.line(fmt::format("alarm: {}", message));
    publish_state();
  };
  hooks.note = [this](const InterlockSpec& spec, const std::string& message) {
    event(db::EventKind::info, spec.instrument, fmt::format("interlock '{}': {}", spec.name, message));
    view_.line(fmt::format("interlock '{}': {}", spec.name, message));
    publish_state();
  };
  hooks.link_lost = [this](const std::string& instrument, const Error& error) { return recover_link(instrument, error); };
  hooks.environment = [this](std::size_t chamber, const std::string&, const std::string& quantity, double value_c) {
    json r{{"quantity", quantity}, {"unit", "C"}, {"value", value_c}};
    if (chamber > 1) r["conditions"] = {{"chamber", chamber}};  // one chamber: no conditions
    try {
      recorder_->record(r);
    } catch (const std::exception&) {
      // The store failed or closed: the run's own writes report it; the log has nothing to add.
    }
  };
  monitor_ = std::make_unique<InterlockMonitor>(*station_, clock_, std::move(hooks));
  std::vector<instruments::Instrument*> all;
  for (const auto& inst : station_->instruments()) all.push_back(inst.get());
  monitor_->set_heartbeat(prepared_.station.heartbeat_s, std::move(all));
  monitor_->set_environment_log(prepared_.station.environment_log_s);
  for (const auto& spec : prepared_.station.interlocks) {
    if (auto st = monitor_->add(spec); !st) {
      fmt::print(out_, "error: {}\n", st.error().describe());
      (void)store_->end_run(run_.id, db::RunStatus::failed, {}, st.error().describe());
      stop_simulation();
      end_alerts(db::RunStatus::failed, st.error().describe(), nullptr);
      return 2;
    }
  }
  install_control();

  // Ctrl-C pauses at the next instrument call; Enter resumes; a second Ctrl-C (or SIGTERM) aborts.
  asio::signal_set signals(io_, SIGINT, SIGTERM);
  watch_console();
  std::function<void()> watch_signals = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (watchdog_) watchdog_->signal_handled();
      on_signal(sig);
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
  lua::RunOutcome outcome = fut.get();
  if (!fail_reason_.empty() && outcome.status == lua::RunStatus::aborted) {
    outcome.status = lua::RunStatus::failed;  // the engine gave up, not the operator
    outcome.message = fail_reason_;
  }
  // The store writes samples after record{} returned: a batch it refused fails the run here.
  if (auto st = recorder_->flush(); !st && outcome.status != lua::RunStatus::failed)
    outcome = lua::RunOutcome{lua::RunStatus::failed, st.error().describe(), {}};
  signals.cancel();
  endpoint_.reset();  // the run no longer takes commands
  if (request_.console) request_.console->stop();
  view_.finish();

  const auto status = store_status(outcome.status);
  event(db::EventKind::state, "engine", fmt::format("run {}", lua::to_string(outcome.status)),
        {{"message", outcome.message}});
  (void)store_->end_run(run_.id, status, {}, outcome.message);
  (void)store_->flush();
  stop_simulation();

  fmt::print(out_, "run {} {}: {} record calls, {} results, {} suspension{}, {} wall{}\n", run_.uuid,
             lua::to_string(outcome.status), recorder_->records(), recorder_->results(), snapshot_.suspensions,
             snapshot_.suspensions == 1 ? "" : "s", format_duration(view_.active_s()),
             outcome.message.empty() ? "" : "\n  " + outcome.message);
  if (!outcome.traceback.empty()) fmt::print(out_, "{}\n", outcome.traceback);
  // The verdict as `ledlab show` and the report give it, from what the store kept.
  const auto verdict = stored_verdict();
  if (verdict) fmt::print(out_, "{}\n", verdict->headline());
  else fmt::print(out_, "verdict not read back: {}\n", verdict.error().describe());
  end_alerts(status, outcome.message, &verdict);
  fmt::print(out_, "store: {} (ledlab show {})\n", request_.db.string(), run_.uuid.substr(0, 8));
  if (preflight_refused_) return 2;  // bad input: the station lacks what the sequence needs
  if (outcome.status == lua::RunStatus::finished && request_.verdict_exit_code &&
      (!verdict || verdict->outcome == db::RunOutcome::fail))
    return kVerdictFailedExitCode;  // a verdict that cannot be read is not a pass
  return exit_code(outcome.status);
}

}  // namespace detail

int run_sequence(const RunRequest& request, std::ostream& out) {
  using detail::RunHost;
  RunHost host(request, out);
  return host.run();
}

}  // namespace ledlab::engine
