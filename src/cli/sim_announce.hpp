#pragma once
// `ledlab sim` announces its twins over mDNS / DNS-SD, as LXI instruments announce themselves,
// so `ledlab discover` (and any DNS-SD browser) finds them.
#include "core/error.hpp"
#include "engine/sim_station.hpp"
#include "io/discovery/mdns_responder.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace ledlab::cli {

// One service instance per twin on a LAN-reachable link, named "<instrument> (<station>)",
// TXT from the twin's identity. Twins on a loopback address are answered to this host only.
Result<std::shared_ptr<io::discovery::MdnsResponder>> announce_twins(boost::asio::io_context& io,
                                                                     const engine::SimulatedStation& station,
                                                                     const std::string& bind_address);

}  // namespace ledlab::cli
