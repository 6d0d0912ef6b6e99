#pragma once
#include "engine/station_config.hpp"

#include <ostream>

namespace ledlab::cli {

// Connects to every instrument: *IDN?, round-trip latency, queued SCPI errors and, with
// `read`, one reading each. Prints a line per instrument; returns 0 when all were reachable.
int check_station(const engine::StationConfig& station, bool read, std::ostream& out);

}  // namespace ledlab::cli
