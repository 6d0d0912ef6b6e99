#pragma once
// `ledlab run`: one sequence script against a station, recorded in the results store with its
// provenance; every instrument is brought to its safe state when the run ends, however it ends.
#include "engine/lua/params.hpp"
#include "engine/station_config.hpp"

#include <filesystem>
#include <ostream>
#include <string>

namespace ledlab::engine {

struct RunRequest {
  std::filesystem::path script;
  StationConfig station;
  bool simulate = false;  // serve the station's twins in-process (any free ports)
  lua::Overrides overrides;
  std::filesystem::path db = "ledlab.sqlite";
  std::string dut_serial;
  std::string operator_name;
};

// Returns the process exit code: 0 finished, 1 failed, 2 bad input, 4 aborted.
int run_sequence(const RunRequest& request, std::ostream& out);

}  // namespace ledlab::engine
