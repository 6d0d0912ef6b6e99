#pragma once
// The host of one run (run_sequence()): the store record, the script, the station, interlocks,
// link recovery, the control endpoint, the console and, on the simulated bench, the twins and
// the virtual-time loop. Declared here so that its simulated-bench part can live in
// run_simulation.cpp; nothing outside src/engine/run uses it.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/store.hpp"
#include "db/verdict.hpp"
#include "engine/alerts/alert_sender.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/preflight.hpp"
#include "engine/run/console_view.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/interlocks.hpp"
#include "engine/run/operator_commands.hpp"
#include "engine/run/operator_prompt.hpp"
#include "engine/run/run_inputs.hpp"
#include "engine/run/run_recorder.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/run/run_snapshot.hpp"
#include "engine/run/watchdog.hpp"
#include "engine/sim_station.hpp"
#include "engine/station.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <thread>

namespace ledlab::engine::detail {

namespace asio = boost::asio;
using nlohmann::json;

// One run from start to end: the store record, the script, the station, interlocks, link
// recovery, the control endpoint and the console. Lives on the stack of run_sequence().
class RunHost {
 public:
  RunHost(const RunRequest& request, std::ostream& out)
      : request_(request), out_(out), view_(out, request.terminal) {}

  int run();

 private:
  Status open_store_and_run();
  Status check_simulation_options() const;
  std::shared_ptr<Clock> make_clock() const;
  Status start_simulation();
  void stop_simulation();
  Result<db::RunVerdict> stored_verdict();
  asio::awaitable<void> inject_faults();
  void save_bench_state(std::string_view checkpoint);
  Status restore_bench_state();
  void drive(std::future<lua::RunOutcome>& done);
  Status install_script_api();
  // The operator (run_operator.cpp): prompt{}, the control socket, the terminal, signals.
  void install_control();
  void watch_console();
  void on_signal(int signal_number);
  OperatorOrigin terminal_origin() const;
  asio::awaitable<Result<json>> prompt_operator(json args);
  void publish_prompt();
  void start_watchdog();
  asio::awaitable<lua::RunOutcome> main();
  // Pre-flight (run_preflight.cpp): attach, compare needs{} with the drivers' capabilities;
  // an outcome when the run must end before anything is set up.
  asio::awaitable<std::optional<lua::RunOutcome>> preflight();
  json provenance_settings(const instruments::Instrument& inst) const;
  asio::awaitable<lua::RunOutcome> run_script();
  asio::awaitable<void> bring_to_safe_state();

  // Suspension: holds from interlocks and lost links.
  void hold(const std::string& holder, const std::string& why);
  void release(const std::string& holder, const std::string& why);
  asio::awaitable<void> wait_released();
  asio::awaitable<Status> recover_link(const std::string& instrument, const Error& why);
  lua::AsyncFunction guard_call(const std::string& name, lua::AsyncFunction fn);

  void event(db::EventKind kind, const std::string& source, const std::string& message, json data = json::object());
  // Webhook alerts (run_alerts.cpp): started once the run has its record; alert() queues, never
  // waits; end_alerts() sends the final one and gives it the station's final_wait to go out.
  void start_alerts();
  void alert(AlertEvent event, const std::string& message, json extra = json::object());
  void end_alerts(db::RunStatus status, const std::string& message, const Result<db::RunVerdict>* verdict);
  void record_alert_problems();
  // On the watchdog's thread, once the station is safe and just before the process ends.
  void watchdog_alert(const std::string& why);
  void publish_state();
  std::string state_name() const;
  InstrumentStatus* instrument_status(const std::string& name);

  const RunRequest& request_;
  std::ostream& out_;
  ConsoleView view_;
  Prepared prepared_;
  std::optional<db::RunRecord> resumed_from_;  // the interrupted run being continued
  std::optional<db::Rewind> rewind_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<db::Store> store_;
  db::RunRecord run_;
  asio::io_context io_;  // before the twins: on a virtual clock they live on it
  asio::io_context sim_io_;
  std::unique_ptr<SimulatedStation> sim_;
  std::thread sim_thread_;
  std::unique_ptr<Station> station_;
  std::unique_ptr<RunRecorder> recorder_;
  std::unique_ptr<lua::SequenceRunner> runner_;
  std::unique_ptr<InterlockMonitor> monitor_;
  std::unique_ptr<OperatorPrompts> prompts_;
  std::unique_ptr<OperatorCommands> commands_;  // after runner_ and prompts_, which it steers
  std::unique_ptr<ControlEndpoint> endpoint_;
  std::unique_ptr<AlertSender> alerts_;  // after io_: its thread posts its problems there
  AlertContext alert_context_;
  RunSnapshot snapshot_;
  std::string last_state_;

  std::set<std::string> holds_;
  std::uint64_t suspension_generation_ = 0;
  std::unique_ptr<asio::steady_timer> released_;  // cancelled when the last hold goes
  struct Recovery {
    explicit Recovery(asio::io_context& io) : done(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    bool finished = false;
    Status result;
  };
  std::map<std::string, std::shared_ptr<Recovery>> recoveries_;
  std::string fail_reason_;  // set when the engine ends the run as failed (a link that stayed lost)
  std::optional<std::vector<PreflightReport>> preflight_;  // set once the pre-flight ran
  Fallbacks fallbacks_;            // what the lane adapters may substitute (preflight.hpp)
  bool preflight_refused_ = false;  // exit code 2: the station cannot run the sequence
  std::unique_ptr<Watchdog> watchdog_;  // last: gone before anything its thread reaches
};

}  // namespace ledlab::engine::detail
