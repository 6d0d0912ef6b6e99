#pragma once
// What a run is made of (script, parameters, station), for a new run from the command line or
// for an interrupted run being resumed from what the store kept of it.
#include "db/records.hpp"
#include "engine/lua/params.hpp"
#include "engine/lua/sequence_script.hpp"
#include "engine/needs.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/station_config.hpp"

#include <nlohmann/json.hpp>

namespace ledlab::engine {

// What a run is made of, from the command line (new run) or from the store (resume).
struct Prepared {
  lua::SequenceScript script{"", ""};
  nlohmann::json parameters;
  lua::Overrides overrides;
  StationConfig station;
  bool simulate = false;
  bool virtual_time = false;  // discrete-event simulated time (RunRequest::virtual_time)
  SequenceNeeds needs;        // needs{} of the script, for the pre-flight check
};

// needs{} of `script` with the run's parameter overrides, parsed; errors name the script line.
Result<SequenceNeeds> sequence_needs(const lua::SequenceScript& script, const lua::Overrides& overrides,
                                     std::size_t memory_limit_bytes = lua::kDefaultMemoryLimit);

// Loads the script and resolves its parameters with the request's overrides.
Result<Prepared> prepare_new(const RunRequest& request);
// From the run's provenance; the request's station file and time scale, when given, win.
Result<Prepared> prepare_resume(const RunRequest& request, const db::RunRecord& run);

}  // namespace ledlab::engine
