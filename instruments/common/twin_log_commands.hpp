#pragma once
// SIMulate:LOG? and SIMulate:LOG:CLEar on a twin that keeps entries in the station's TwinLog:
//   SIM:LOG?     -> a definite-length block (IEEE 488.2 8.7.9) of text, one line per entry
//                   of this twin, oldest first: "<bench time, s, 9 decimals> <event>\n"
//   SIM:LOG:CLE  -> forgets this twin's entries
#include "scpi/server/device.hpp"

#include <memory>
#include <string>

namespace ledlab::sim {
class TwinLog;
}

namespace ledlab::instruments {

void register_log_commands(scpi::server::Device& device, std::shared_ptr<sim::TwinLog> log, std::string instrument);

}  // namespace ledlab::instruments
