#pragma once
// `ledlab run` and `ledlab resume`: one sequence script against a station, recorded in the
// results store with its provenance. Interlocks from the station file and the script are
// watched for the whole run; a lost link suspends the run until it is reconnected; every
// instrument is brought to its safe state when the run ends, however it ends.
#include "engine/lua/params.hpp"
#include "engine/lua/sequence_script.hpp"
#include "engine/station_config.hpp"

#include <filesystem>
#include <memory>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

namespace ledlab::sim {
class TwinLog;
}

namespace ledlab::engine {

class OperatorConsole;

struct RunRequest {
  std::filesystem::path script;
  StationConfig station;
  bool simulate = false;  // serve the station's twins in-process (any free ports)
  lua::Overrides overrides;
  std::filesystem::path db = "ledlab.sqlite";
  std::string dut_serial;
  // `--dut A=SN1 --dut B=SN2`: a batch, one run per socket of the station (its [sockets]; on a
  // station without them any names, every socket seeing every instrument). The sequence runs
  // once per socket, each run with its own record, script state, recorder and control
  // endpoint, in one process on one station. Empty: one run of `dut_serial` (no batch).
  struct DutSocket {
    std::string socket;
    std::string serial;
  };
  std::vector<DutSocket> duts;
  std::string operator_name;
  // `ledlab resume`: the uuid (or a unique prefix) of an interrupted run to continue from its
  // last checkpoint, in the same run record. The script, parameters and station (unless
  // `station` is given) come from the store; `script` is not used.
  std::string resume;
  double time_scale = 0;  // resume: > 0 overrides the run's time scale
  // Discrete-event simulated time (core/clock.hpp): with --sim, the run's clock jumps to the
  // next deadline whenever every task waits, so the run is deterministic for its seed and as
  // fast as the CPU allows. The twins then share the engine's thread. A resume keeps the mode
  // the run was started with unless this is set.
  bool virtual_time = false;
  // With --sim: SCPI lines executed on a twin at a simulated time after the run's start (fault
  // injection, `SIM:FAULT:...`), each logged as a fault event. A resume skips those whose time
  // had passed when the run's process died.
  struct SimFault {
    double at_s = 0;
    std::string instrument;
    std::string line;
  };
  std::vector<SimFault> sim_faults;
  bool terminal = false;  // draw a progress bar in place (a terminal) instead of plain lines
  // The operator's keys at the run's terminal (Enter resumes, answers to prompts); none: the
  // run reads no keys (operator_console.hpp).
  std::shared_ptr<OperatorConsole> console;
  std::size_t script_memory_bytes = lua::kDefaultMemoryLimit;  // the script's Lua state at most
  // The engine loop must answer within this many wall seconds, or the watchdog stops the script
  // and then forces the safe state and ends the process (watchdog.hpp).
  double watchdog_s = 5;
  // `ledlab run` and `ledlab resume`: a run that finished with the verdict FAIL (db/verdict.hpp)
  // returns kVerdictFailedExitCode instead of 0, so a script or CI job sees the failure.
  bool verdict_exit_code = false;
  // With --sim: handed the twins' own log (gates, routes; instruments/sim/twin_log.hpp) once
  // the run has ended, before the twins stop. Tests read from it what the instruments saw.
  std::function<void(const sim::TwinLog&)> twin_log_reader;
  // Called on the store's writer thread after each commit (db::StoreOptions::on_commit): how
  // `ledlab run` tells the lab shipper that there is new data.
  std::function<void()> on_store_commit;
};

inline constexpr int kVerdictFailedExitCode = 3;

// Prints the run's summary and verdict and returns the process exit code: 0 finished, 1
// failed, 2 bad input, 3 finished with the verdict FAIL (with verdict_exit_code), 4 aborted.
// A batch returns the worst of its runs' codes (failed, then aborted, then verdict FAIL).
// When the engine loop stops answering, the watchdog ends the process itself with
// kWatchdogExitCode (5).
int run_sequence(const RunRequest& request, std::ostream& out);

}  // namespace ledlab::engine
