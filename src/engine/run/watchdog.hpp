#pragma once
// A run's safety does not depend on its script: a thread outside the engine's watches that the
// engine loop keeps answering (a heartbeat timer on the loop feeds it) and that it acts on
// SIGTERM and a second Ctrl-C. A script can stop the loop where nothing inside the loop can
// interrupt it: a catastrophic pattern match or another long C function, where no Lua hook
// runs. Then the watchdog
//   1. asks the script to stop at its next hook point (SequenceRunner::interrupt), which ends a
//      stall in script code cooperatively, through the normal end of the run;
//   2. if the loop still does not answer within the grace time, forces every instrument of the
//      station to its safe state over connections of its own (a second Station on its own
//      io_context: the engine's sessions belong to the stuck thread), records what it did, and
//      ends the process with kWatchdogExitCode: Lua offers no safe way to leave a C function
//      from outside.
// The times are wall times by nature: what is watched is a thread, not the run's clock.
#include "db/records.hpp"
#include "engine/station_config.hpp"

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ledlab::db {
class Store;
}

namespace ledlab::engine {

// `ledlab run` exits with this when the watchdog ended the run.
inline constexpr int kWatchdogExitCode = 5;

struct WatchdogOptions {
  std::chrono::milliseconds timeout{5000};  // the engine loop answers at least this often
  std::chrono::milliseconds grace{2000};    // for a stop request or a stop signal to be acted on
};

class Watchdog {
 public:
  // Called on the watchdog's thread, with a sentence saying why.
  struct Hooks {
    std::function<void(const std::string& why)> interrupt;  // ask the script to stop
    std::function<void(const std::string& why)> force;      // safe state on own connections, record
    std::function<void()> end_process;                      // default: std::_Exit(kWatchdogExitCode)
  };

  // Starts the watchdog's thread and its handler for SIGINT and SIGTERM. The engine's own
  // signal_set must exist already (it then sees every signal the watchdog sees) and outlive
  // the watchdog. Nothing is watched before watch().
  Watchdog(WatchdogOptions options, Hooks hooks);
  // Stops the thread. Call on the engine loop's thread while the loop is not running.
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts the heartbeat on the engine's loop and the watch on it. Call on the loop's thread.
  void watch(boost::asio::io_context& engine);
  // The engine's signal handler ran (once per SIGINT or SIGTERM it received).
  void signal_handled() { handled_signals_.fetch_add(1, std::memory_order_release); }
  // A heartbeat; the engine loop's timer calls it, from any thread.
  void beat();

  const WatchdogOptions& options() const { return options_; }

 private:
  struct Heartbeat;
  void arm_check();
  void check();
  void arm_signals();
  void on_signal(int signal);
  void force(const std::string& why);

  WatchdogOptions options_;
  Hooks hooks_;
  boost::asio::io_context io_;  // the watchdog's own loop
  struct Own;                   // timer and signal set on io_
  std::unique_ptr<Own> own_;
  std::shared_ptr<Heartbeat> heartbeat_;
  std::atomic<std::int64_t> last_beat_ns_{0};
  std::atomic<bool> watching_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> handled_signals_{0};
  // Watchdog thread only:
  int seen_signals_ = 0;
  int seen_sigints_ = 0;
  bool stop_requested_ = false;  // SIGTERM or a second Ctrl-C, not yet acted on by the engine
  std::string stop_signal_;
  int stop_needs_handled_ = 0;
  std::chrono::steady_clock::time_point stop_requested_at_{};
  bool interrupted_ = false;
  std::chrono::steady_clock::time_point interrupted_at_{};
  std::int64_t beat_at_interrupt_ns_ = 0;
  bool forcing_ = false;
  std::thread thread_;
};

// Brings every instrument of `station` to its safe state over connections of its own (a new
// Station on a private io_context), all instruments at once, giving up after `bound`. Returns
// one line per instrument: "pg: safe state reached" or what failed.
std::vector<std::string> force_safe_state(const StationConfig& station, std::chrono::milliseconds bound);

// Records a forced stop in the store from the watchdog's thread: an event from "watchdog" with
// the lines, and the run ended failed with `why`. Gives up after `bound` (the writer may be
// what is stuck). False if it did not complete.
bool record_forced_stop(db::Store& store, db::RunId run, const std::string& why, const std::vector<std::string>& lines,
                        std::chrono::milliseconds bound);

// What the watchdog does for a run: force_safe_state() within kForcedSafeStateBound, each line
// and `why` on stderr, record_forced_stop() within kRecordBound.
inline constexpr std::chrono::milliseconds kForcedSafeStateBound{15000};
inline constexpr std::chrono::milliseconds kRecordBound{5000};
void force_run_to_safe_state(const StationConfig& station, db::Store& store, db::RunId run, const std::string& why);
// The same for every run of a batch on the station: one forced safe state, each run recorded.
void force_runs_to_safe_state(const StationConfig& station, db::Store& store, const std::vector<db::RunId>& runs,
                              const std::string& why);

}  // namespace ledlab::engine
