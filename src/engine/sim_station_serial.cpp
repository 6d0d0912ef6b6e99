// SimulatedStation: twins of serial instruments, each on a pseudo-terminal of its own.
#include "core/log.hpp"
#include "engine/sim_station.hpp"
#include "io/serial_settings.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

Status SimulatedStation::attach_serial(instruments::InstrumentConfig& inst, const io::Address& address,
                                       std::shared_ptr<scpi::server::Device> device) {
  auto line = io::serial_settings(address);
  if (!line) return fail(Error(line.error()).at(inst.name));
  auto server = std::make_shared<scpi::server::SerialServer>(*io_, std::move(device), std::move(*line), clock_);
  if (auto st = server->start(); !st)
    return fail(Errc::config, fmt::format("cannot serve {} on a pseudo-terminal: {}", inst.name, st.error().message));
  // The line settings stay as written (the twin reads with them); only the device changes.
  inst.address = server->address();
  log::info("sim", "{} ({}) on the pseudo-terminal {}", inst.name, inst.kind, inst.address);
  serial_servers_.emplace_back(inst.name, std::move(server));
  return {};
}

std::shared_ptr<scpi::server::SerialServer> SimulatedStation::serial_server(std::string_view instrument) const {
  for (const auto& [name, server] : serial_servers_)
    if (name == instrument) return server;
  return nullptr;
}

}  // namespace ledlab::engine
