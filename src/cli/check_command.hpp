#pragma once
#include "engine/lua/params.hpp"
#include "engine/station_config.hpp"

#include <filesystem>

#include <ostream>

namespace ledlab::cli {

// Connects to every instrument: *IDN?, round-trip latency, queued SCPI errors and, with
// `read`, one reading each. Prints a line per instrument; returns 0 when all were reachable.
int check_station(const engine::StationConfig& station, bool read, std::ostream& out);

// The pre-flight check of `sequence` (its needs{} with `overrides`) against the station, its
// instruments attached but nothing set (engine/preflight.hpp). Prints what each instrument
// declares and the report; returns 0 when the sequence can run (fallbacks named), 2 when it
// cannot or the input is bad, 1 when an instrument cannot be reached.
int check_sequence(const engine::StationConfig& station, const std::filesystem::path& sequence,
                   const lua::Overrides& overrides, bool simulate, std::ostream& out);

}  // namespace ledlab::cli
