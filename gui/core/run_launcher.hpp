#pragma once
// Starting a run from the dashboard: `ledlab run SEQ --station F [--sim] [--dut S] [--operator O]
// -p k=v --db F` as a detached child in its own session, its output in a log file beside the
// store, so that the run outlives the dashboard (closing the window never stops a run) and is followed exactly
// like a run started from a terminal.
#include "core/error.hpp"
#include "engine/lua/params.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <sys/types.h>

namespace ledlab::gui {

struct LaunchRequest {
  std::filesystem::path ledlab;  // the executable (normally /proc/self/exe)
  std::filesystem::path script;
  std::filesystem::path station;
  std::filesystem::path db;
  bool simulate = true;
  lua::Overrides params;
  std::string dut_serial;     // --dut, when given
  std::string operator_name;  // --operator, when given
};

struct Launched {
  pid_t pid = -1;
  std::filesystem::path log;  // <db dir>/<db stem>.<sequence>.<pid>.log
};

Result<Launched> launch_run(const LaunchRequest& request);

// Collects the child's exit status without waiting; empty while it runs.
std::optional<int> reap(pid_t pid);

// The last "[ 42%] step" line of a run's log: progress 0..1 and the step text.
std::optional<std::pair<double, std::string>> last_progress(const std::filesystem::path& log);

}  // namespace ledlab::gui
