#pragma once
// The host of a batch of runs (run_sequence()): one station, several DUT sockets, one run per
// socket. Two parts, so that a batch and a lone run (a batch of one) share the same code:
//   RunHost    the station-level supervisor, one per process: the store, the clock, the
//              simulated bench, the station, interlocks, link recovery, holds, the watchdog,
//              signals and the console keys, the locks on shared instruments and the batch's
//              steps (batch.once, the shared chamber's setpoint).
//   SocketRun  one socket's run: its record, its script (own Lua state), its recorder, its
//              control endpoint, its live view and snapshot, its alerts.
// Declared here so that their parts can live in several files; nothing outside src/engine/run
// uses them.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "db/store.hpp"
#include "db/verdict.hpp"
#include "engine/alerts/alert_sender.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/preflight.hpp"
#include "engine/run/batch_coordinator.hpp"
#include "engine/run/console_view.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/instrument_locks.hpp"
#include "engine/run/interlocks.hpp"
#include "engine/run/operator_commands.hpp"
#include "engine/run/operator_prompt.hpp"
#include "engine/run/run_inputs.hpp"
#include "engine/run/run_recorder.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/run/run_snapshot.hpp"
#include "engine/run/watchdog.hpp"
#include "engine/sim_station.hpp"
#include "engine/socket/bind_socket.hpp"
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

class RunHost;

// One socket's run (socket_run.cpp). Lives in RunHost::runs_.
class SocketRun {
 public:
  SocketRun(RunHost& host, std::string socket, std::string dut_serial, bool terminal);

  void event(db::EventKind kind, const std::string& source, const std::string& message, json data = json::object());
  void line(std::string_view text) { view_.line(text); }
  void publish_state();
  std::string state_name() const;
  InstrumentStatus* instrument_status(const std::string& name);
  Status install_script_api();
  // The operator (run_operator.cpp): prompt{} and the control socket. The terminal's lines and
  // signals reach the runs through RunHost (one terminal for the batch).
  void install_control();
  asio::awaitable<Result<json>> prompt_operator(json args);
  void publish_prompt();
  bool live() const { return script_running_ || !outcome_; }
  // The instrument's settings for the provenance, with what it declared and the fallbacks this
  // socket's pre-flight allows it (run_preflight.cpp).
  json provenance_settings(const instruments::Instrument& inst) const;
  Result<db::RunVerdict> stored_verdict();
  // The station's instrument behind a script object's name: a role of the socket, or the
  // instrument itself on a station without sockets.
  std::string instrument_of(const std::string& role) const;
  // Ends the run's record, prints its summary and verdict; the run's exit code.
  int finish(lua::RunOutcome outcome);

  // Webhook alerts (run_alerts.cpp): started once the run has its record; alert() queues, never
  // waits; end_alerts() sends the final one and gives it the station's final_wait to go out.
  void start_alerts();
  void alert(AlertEvent event, const std::string& message, json extra = json::object());
  void end_alerts(db::RunStatus status, const std::string& message, const Result<db::RunVerdict>* verdict);
  void record_alert_problems();
  // On the watchdog's thread, once the station is safe and just before the process ends.
  void watchdog_alert(const std::string& why);

  RunHost& host_;
  const std::string socket_;      // "" for a run outside a batch
  const std::string dut_serial_;
  ConsoleView view_;
  lua::SequenceScript script_{"", ""};
  db::RunRecord run_;
  std::unique_ptr<RunRecorder> recorder_;
  std::unique_ptr<lua::SequenceRunner> runner_;
  std::unique_ptr<OperatorPrompts> prompts_;
  std::unique_ptr<OperatorCommands> commands_;  // after runner_ and prompts_, which it steers
  std::unique_ptr<ControlEndpoint> endpoint_;  // after commands_, which it calls
  std::unique_ptr<AlertSender> alerts_;
  AlertContext alert_context_;
  RunSnapshot snapshot_;
  std::string last_state_;
  std::set<std::string> instruments_;  // the station's instruments this socket uses
  std::optional<SocketConfig> config_;  // the station's [sockets.<name>]; none: every instrument by its name
  std::shared_ptr<const FallbacksUsed> fallbacks_used_;
  // What pre-flight allows the lane adapters to substitute; filled when it has run.
  std::shared_ptr<Fallbacks> allowed_fallbacks_ = std::make_shared<Fallbacks>();
  const PreflightReport* preflight_ = nullptr;  // this socket's, once pre-flight has run
  std::map<std::int64_t, InstrumentLocks::Guard> sections_;  // open serial{} sections
  bool script_running_ = false;
  std::optional<lua::RunOutcome> outcome_;  // once the script has ended
};

// The station-level supervisor (run_sequence.cpp, run_supervision.cpp, run_simulation.cpp).
class RunHost {
 public:
  RunHost(const RunRequest& request, std::ostream& out) : request_(request), out_(out) {}

  int run();

 private:
  friend class SocketRun;

  Status open_store_and_runs();
  Status open_resumed_run();
  Status plan_sockets();
  Status check_simulation_options() const;
  std::shared_ptr<Clock> make_clock() const;
  Status start_simulation();
  void stop_simulation();
  asio::awaitable<void> inject_faults();
  void save_bench_state(SocketRun& run, std::string_view checkpoint);
  Status restore_bench_state();
  void drive(std::future<void>& done);
  Status install_monitor();
  void start_watchdog();
  asio::awaitable<void> main();
  // Pre-flight (run_preflight.cpp): after attach, before any instrument is set up, compares
  // the script's needs{} with what the drivers declare; false when the station cannot run it
  // (every run's outcome says why).
  asio::awaitable<bool> preflight();
  // The run's terminal and signals (run_operator.cpp): a typed line goes to the run whose
  // prompt waits, or resumes every paused run; Ctrl-C pauses every run, again aborts them.
  void watch_console();
  void on_signal(int signal_number);
  OperatorOrigin terminal_origin() const;
  asio::awaitable<void> run_scripts();
  asio::awaitable<void> run_socket(SocketRun& run);
  asio::awaitable<void> all_ended();
  asio::awaitable<void> release_instruments(SocketRun& run);
  asio::awaitable<void> bring_to_safe_state();
  int fail_start(Status why, int code);

  // Suspension: holds from interlocks and lost links, on every run of the batch.
  void hold(const std::string& holder, const std::string& why);
  void release(const std::string& holder, const std::string& why);
  asio::awaitable<void> wait_released(SocketRun& run);
  asio::awaitable<Status> recover_link(const std::string& instrument, const Error& why);
  lua::AsyncFunction guard_call(SocketRun& run, const std::string& name, lua::AsyncFunction fn);
  lua::AsyncFunction batch_step(SocketRun& run, const std::string& name, lua::AsyncFunction fn);
  bool every_run_aborting() const;
  void abort_all(const std::string& why);

  // What concerns the whole station: every run's event log, one line on the output.
  void event(db::EventKind kind, const std::string& source, const std::string& message, json data = json::object());
  void say(std::string_view text);
  void alert(AlertEvent event, const std::string& message, json extra = json::object());
  void publish_state();
  void set_instrument_status(const std::string& name, const std::function<void(InstrumentStatus&)>& change);

  const RunRequest& request_;
  std::ostream& out_;
  Prepared prepared_;
  std::optional<db::RunRecord> resumed_from_;  // the interrupted run being continued
  std::optional<db::Rewind> rewind_;
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<db::Store> store_;
  std::optional<db::BatchRecord> batch_;  // with sockets named on the command line (--dut A=SN)
  asio::io_context io_;  // before the twins: on a virtual clock they live on it
  asio::io_context sim_io_;
  std::unique_ptr<SimulatedStation> sim_;
  std::thread sim_thread_;
  std::unique_ptr<Station> station_;
  std::unique_ptr<InterlockMonitor> monitor_;
  std::unique_ptr<InstrumentLocks> locks_;
  std::unique_ptr<BatchCoordinator> coordinator_;
  std::vector<std::unique_ptr<SocketRun>> runs_;
  std::map<std::string, int> users_;  // per instrument: sockets whose run still uses it
  std::set<std::string> shared_;      // instruments more than one socket uses
  std::set<std::string> made_safe_;   // already brought to the safe state
  int scripts_running_ = 0;
  int runs_ending_ = 0;  // scripts running, or ended with their instruments still being made safe
  std::unique_ptr<asio::steady_timer> ended_;  // cancelled when the last run has ended

  std::set<std::string> holds_;
  std::uint64_t suspension_generation_ = 0;
  std::size_t suspensions_ = 0;
  std::unique_ptr<asio::steady_timer> released_;  // cancelled when the last hold goes
  struct Recovery {
    explicit Recovery(asio::io_context& io) : done(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer done;
    bool finished = false;
    Status result;
  };
  std::map<std::string, std::shared_ptr<Recovery>> recoveries_;
  std::string fail_reason_;  // set when the engine ends the runs as failed (a link that stayed lost)
  std::optional<std::vector<PreflightReport>> preflight_;  // set once the pre-flight ran
  bool preflight_refused_ = false;  // exit code 2: the station lacks what the sequence needs
  std::unique_ptr<Watchdog> watchdog_;  // last: gone before anything its thread reaches
};

}  // namespace ledlab::engine::detail
