#include "engine/run/run_sequence.hpp"

#include "db/store.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/analysis_bindings.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/instrument_bindings.hpp"
#include "engine/sim_station.hpp"
#include "engine/station.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <map>
#include <stdexcept>
#include <thread>

#include <unistd.h>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// What the script's record{} and result{} calls write, keyed to the run's series.
class RunRecorder {
 public:
  RunRecorder(db::Store& store, db::RunId run, std::shared_ptr<Clock> clock)
      : store_(store), run_(run), clock_(std::move(clock)) {}

  // record{quantity=, unit=, value= | values={per lane}, lane=, conditions={...}}
  void record(const json& r) {
    if (!r.is_object() || !r.contains("quantity"))
      throw std::invalid_argument("record{} needs a table with quantity, unit and value or values");
    const std::string quantity = r["quantity"].get<std::string>();
    const std::string unit = r.value("unit", "");
    const std::string conditions = r.contains("conditions") ? r["conditions"].dump() : "{}";
    const double t = clock_->now_s();
    if (r.contains("values")) {
      const auto& values = r["values"];
      if (!values.is_array()) throw std::invalid_argument("record{}: values must be a list, one per lane");
      for (std::size_t i = 0; i < values.size(); ++i) append(static_cast<int>(i + 1), quantity, unit, conditions, t, values[i]);
    } else if (r.contains("value")) {
      std::optional<int> lane;
      if (r.contains("lane")) lane = r["lane"].get<int>();
      append(lane, quantity, unit, conditions, t, r["value"]);
    } else {
      throw std::invalid_argument("record{}: give value= or values=");
    }
    ++records_;
  }

  // result{name=, value=, unit=, lane=, lower=, upper=, extra={...}}
  void result(const json& r) {
    if (!r.is_object() || !r.contains("name") || !r.contains("value") || !r["value"].is_number())
      throw std::invalid_argument("result{} needs name= and a numeric value=");
    db::ResultRecord rec;
    rec.name = r["name"].get<std::string>();
    rec.value = r["value"].get<double>();
    rec.unit = r.value("unit", "");
    if (r.contains("lane")) rec.lane = r["lane"].get<int>();
    if (r.contains("lower")) rec.lower_limit = r["lower"].get<double>();
    if (r.contains("upper")) rec.upper_limit = r["upper"].get<double>();
    if (r.contains("extra")) rec.extra_json = r["extra"].dump();
    auto id = store_.record_result(run_, rec);
    if (!id) throw std::runtime_error(id.error().describe());
    ++results_;
  }

  std::size_t records() const { return records_; }
  std::size_t results() const { return results_; }

 private:
  void append(std::optional<int> lane, const std::string& quantity, const std::string& unit,
              const std::string& conditions, double t, const json& value) {
    if (!value.is_number()) throw std::invalid_argument("record{}: values must be numbers");
    const std::string key = fmt::format("{}|{}|{}|{}", lane.value_or(0), quantity, unit, conditions);
    auto it = series_.find(key);
    if (it == series_.end()) {
      auto id = store_.declare_series(run_, db::SeriesSpec{lane, quantity, unit, conditions});
      if (!id) throw std::runtime_error(id.error().describe());
      it = series_.emplace(key, *id).first;
    }
    if (auto st = store_.append(it->second, t, value.get<double>()); !st) throw std::runtime_error(st.error().describe());
  }

  db::Store& store_;
  db::RunId run_;
  std::shared_ptr<Clock> clock_;
  std::map<std::string, db::SeriesId> series_;
  std::size_t records_ = 0, results_ = 0;
};

db::RunStatus store_status(lua::RunStatus s) {
  switch (s) {
    case lua::RunStatus::finished: return db::RunStatus::finished;
    case lua::RunStatus::aborted: return db::RunStatus::aborted;
    case lua::RunStatus::failed: return db::RunStatus::failed;
  }
  return db::RunStatus::failed;
}

}  // namespace

int run_sequence(const RunRequest& request, std::ostream& out) {
  auto script = lua::SequenceScript::load_file(request.script);
  if (!script) {
    fmt::print(out, "error: {}\n", script.error().message);
    return 2;
  }
  auto decls = script->parameters();
  if (!decls) {
    fmt::print(out, "error: {}\n", decls.error().message);
    return 2;
  }
  auto params = lua::resolve_parameters(*decls, request.overrides);
  if (!params) {
    fmt::print(out, "error: {}\n", params.error().message);
    return 2;
  }

  auto clock = std::make_shared<Clock>(request.station.time_scale);
  Clock::set_default(clock);
  StationConfig station = request.station;
  asio::io_context sim_io;
  std::unique_ptr<SimulatedStation> sim;
  std::thread sim_thread;
  if (request.simulate) {
    auto started = SimulatedStation::start(sim_io, station, clock, SimulatedStation::Ports::any_free);
    if (!started) {
      fmt::print(out, "error: {}\n", started.error().message);
      return 2;
    }
    sim = std::move(*started);
    station = sim->config();
    sim_thread = std::thread([&] { sim_io.run(); });
  }
  auto stop_sim = [&] {
    if (!sim) return;
    asio::post(sim_io, [&] { sim->stop(); });
    sim_io.stop();
    sim_thread.join();
  };

  auto store = db::Store::open(request.db);
  if (!store) {
    fmt::print(out, "error: {}\n", store.error().describe());
    stop_sim();
    return 2;
  }
  db::RunProvenance prov;
  prov.sequence = request.script.stem().string();
  prov.script_text = script->text();
  prov.parameters_json = params->dump();
  prov.station_json = json{{"source", station.source}, {"name", station.name}, {"text", station.text},
                           {"simulated", request.simulate}}.dump();
  prov.operator_name = request.operator_name;
  prov.dut_serial = request.dut_serial;
  auto run = (*store)->begin_run(prov);
  if (!run) {
    fmt::print(out, "error: {}\n", run.error().describe());
    stop_sim();
    return 2;
  }
  fmt::print(out, "run {} started: {} on station '{}'{}\n", run->uuid, prov.sequence, station.name,
             request.simulate ? " (simulated)" : "");

  asio::io_context io;
  auto created = Station::create(station, io.get_executor());
  RunRecorder recorder(**store, run->id, clock);
  lua::Sinks sinks;
  sinks.log = [&](std::string_view text) {
    fmt::print(out, "  {}\n", text);
    out.flush();  // a headless run's log file must show where it is
    (void)(*store)->log_event(run->id, {.kind = db::EventKind::info, .source = "script", .message = std::string(text)});
  };
  sinks.progress = [&](double f, std::string_view text) {
    fmt::print(out, "[{:3.0f}%] {}\n", f * 100, text);
    out.flush();
  };
  sinks.record = [&](const json& r) { recorder.record(r); };
  sinks.result = [&](const json& r) { recorder.result(r); };
  sinks.checkpoint = [&](std::string_view name, const json& state) {
    (void)(*store)->checkpoint(run->id, {std::string(name), state.dump(), clock->now_s()});
  };
  lua::RunOptions options{.clock = clock, .overrides = request.overrides};
  lua::SequenceRunner runner(std::move(*script), options, sinks);

  // Ctrl-C pauses at the next instrument call; Enter resumes; a second Ctrl-C (or SIGTERM) aborts.
  auto operator_event = [&](std::string message) {
    fmt::print(out, "{}\n", message);
    out.flush();
    (void)(*store)->log_event(run->id, {.kind = db::EventKind::operator_action, .source = "operator", .message = message});
  };
  // The same three actions from the terminal, from signals and from `ledlab ctl`.
  auto do_pause = [&](std::string_view who) {
    if (runner.paused() || runner.abort_requested()) return;
    runner.pause();
    operator_event(fmt::format("paused by {}", who));
  };
  auto do_resume = [&](std::string_view who) {
    if (!runner.paused() || runner.abort_requested()) return;
    runner.resume();
    operator_event(fmt::format("resumed by {}", who));
  };
  auto do_abort = [&](std::string_view why) {
    if (runner.abort_requested()) return;
    runner.abort(std::string(why));
    operator_event(fmt::format("abort: {}", why));
  };
  auto endpoint = ControlEndpoint::open(io, run->uuid, [&](std::string_view command) -> std::string {
    if (command == "pause") do_pause("ledlab ctl");
    else if (command == "resume") do_resume("ledlab ctl");
    else if (command == "abort") do_abort("aborted through ledlab ctl");
    else if (command != "status") return fmt::format("error: unknown command '{}' (pause, resume, abort, status)", command);
    return runner.abort_requested() ? "aborting" : (runner.paused() ? "paused" : "running");
  });
  if (!endpoint) fmt::print(out, "warning: {}; `ledlab ctl` cannot reach this run\n", endpoint.error().message);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  asio::posix::stream_descriptor console(io);
  const bool interactive = ::isatty(STDIN_FILENO) != 0;
  if (interactive) console.assign(::dup(STDIN_FILENO));
  std::function<void()> watch_console = [&] {
    if (!interactive) return;
    console.async_wait(asio::posix::stream_descriptor::wait_read, [&](const boost::system::error_code& ec) {
      if (ec) return;
      char buf[256];
      (void)::read(console.native_handle(), buf, sizeof buf);
      do_resume("operator (Enter)");
      watch_console();
    });
  };
  watch_console();
  std::function<void()> watch_signals = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      if (sig == SIGINT && !runner.paused()) {
        do_pause(interactive ? "operator: Enter resumes, Ctrl-C again aborts" : "operator: Ctrl-C again aborts");
      } else {
        do_abort(sig == SIGTERM ? "stopped by SIGTERM" : "second Ctrl-C");
      }
      watch_signals();
    });
  };
  watch_signals();

  auto main = [&]() -> asio::awaitable<lua::RunOutcome> {
    if (!created) co_return lua::RunOutcome{lua::RunStatus::failed, created.error().describe(), {}};
    for (const auto& inst : (*created)->instruments()) {
      if (auto st = co_await inst->initialize(); !st)
        co_return lua::RunOutcome{lua::RunStatus::failed, st.error().describe(), {}};
      (void)(*store)->add_instrument(run->id, {.name = inst->name(), .kind = inst->kind(),
                                               .resource = inst->config().address,
                                               .idn = inst->identity() ? inst->identity()->raw : "",
                                               .settings_json = inst->settings().dump()});
    }
    bind_instruments(runner, **created);
    bind_analysis(runner);
    auto outcome = co_await runner.run();
    // Safe state on every end: drive off, gates stopped, chamber to its safe temperature.
    for (const auto& inst : (*created)->instruments()) {
      if (auto st = co_await inst->safe_state(); !st) {
        fmt::print(out, "warning: safe state of {}: {}\n", inst->name(), st.error().describe());
        (void)(*store)->log_event(run->id, {.kind = db::EventKind::fault, .source = inst->name(),
                                            .message = "safe state failed: " + st.error().describe()});
      }
    }
    co_return outcome;
  };
  auto fut = asio::co_spawn(io, main(), asio::use_future);
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  const lua::RunOutcome outcome = fut.get();
  signals.cancel();
  if (endpoint) endpoint->reset();  // the run no longer takes commands
  boost::system::error_code ignored;
  console.close(ignored);

  const auto status = store_status(outcome.status);
  (void)(*store)->log_event(run->id, {.kind = db::EventKind::state, .source = "engine",
                                      .message = fmt::format("run {}", lua::to_string(outcome.status)),
                                      .data_json = json{{"message", outcome.message}}.dump()});
  (void)(*store)->end_run(run->id, status, {}, outcome.message);
  (void)(*store)->flush();
  stop_sim();

  fmt::print(out, "run {} {}: {} record calls, {} results{}\n", run->uuid, lua::to_string(outcome.status),
             recorder.records(), recorder.results(), outcome.message.empty() ? "" : "\n  " + outcome.message);
  if (!outcome.traceback.empty()) fmt::print(out, "{}\n", outcome.traceback);
  switch (outcome.status) {
    case lua::RunStatus::finished: return 0;
    case lua::RunStatus::aborted: return 4;
    case lua::RunStatus::failed: return 1;
  }
  return 1;
}

}  // namespace ledlab::engine
