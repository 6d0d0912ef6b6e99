#pragma once
// recorded{} for sequences (see RunRecorder::recorded and recorded_history.hpp):
//   recorded{quantity=, conditions={...}}                 -> {t = {...}, values = {...}}, the
//       whole history at once (it holds everything: for short histories)
//   recorded{..., aggregate = "first" | "latest"}        -> {t =, values =} (nil: nothing yet)
//   recorded{..., aggregate = "count"}                   -> the number of readings
//   recorded{..., max_points = N}                        -> {t, values, min, max}: at most N
//       rows, the means of N equal stretches of time
//   recorded{..., each = function(t, values) ... end}    -> calls the function for every
//       reading in time order, streamed from the store in bounded memory; returns the count
// The streamed form is a Lua helper over a host object of rows that yields to the engine
// (sleep(0)) after each batch: pause and abort act during a long read-back, the engine loop and
// its watchdog go on, and the runaway guard counts each batch afresh. The function may itself
// call instruments or sleep.
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/run_recorder.hpp"

#include <filesystem>

namespace ledlab::engine {

void bind_recorded(lua::SequenceRunner& runner, RunRecorder& recorder, const std::filesystem::path& db);

}  // namespace ledlab::engine
