// The simulated station's HiSLIP side: twins of HiSLIP entries on a HiSLIP server (one per
// port), and `ledlab sim` serving every twin over HiSLIP beside its raw socket.
#include "core/log.hpp"
#include "engine/sim_station.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ledlab::engine {

namespace {

std::string visa_string(std::string_view host, std::string_view sub_address, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  return fmt::format("TCPIP0::{}{}{}::{},{}::INSTR", v6 ? "[" : "", host, v6 ? "]" : "", sub_address, port);
}

}  // namespace

Status SimulatedStation::attach_hislip(instruments::InstrumentConfig& inst, const io::Address& address,
                                       std::shared_ptr<scpi::server::Device> device, Ports ports,
                                       const std::string& bind_address, std::string_view source) {
  const std::uint16_t wanted = ports == Ports::any_free ? std::uint16_t{0} : address.port;
  std::shared_ptr<scpi::server::HislipServer> server;
  for (const auto& [port, s] : hislip_servers_)
    if (port == wanted) server = s;
  if (!server) {
    server = std::make_shared<scpi::server::HislipServer>(*io_, bind_address, wanted, clock_);
    try {
      server->start();
    } catch (const boost::system::system_error& e) {
      return fail(Errc::config, fmt::format("{}: cannot serve {} over HiSLIP on {}:{}: {}", source, inst.name,
                                            bind_address, address.port, e.code().message()));
    }
    hislip_servers_.emplace_back(wanted, server);
  }
  // Twins that share a server (a port, or all of them on any free port) need sub-addresses of
  // their own.
  for (const auto& [name, other] : hislip_addresses_) {
    if (other.port == wanted && other.sub_address == address.sub_address)
      return fail(Errc::config, fmt::format("{}: {} and {} are both {} on one HiSLIP server: give each its own hislipN",
                                            source, inst.name, name, address.sub_address));
  }
  server->add(device, {address.sub_address, inst.name});
  const std::string host = bind_address == "0.0.0.0" ? address.host : bind_address;
  inst.address = visa_string(host, address.sub_address, server->port());
  io::Address served = address;
  served.port = wanted;
  hislip_addresses_.emplace_back(inst.name, std::move(served));
  log::info("sim", "{} ({}) on HiSLIP as {}", inst.name, inst.kind, inst.address);
  hislip_devices_.emplace_back(inst.name, std::move(device));
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> SimulatedStation::serve_all_over_hislip(
    std::uint16_t port, std::string bind_address) {
  auto server = std::make_shared<scpi::server::HislipServer>(*io_, bind_address, port, clock_);
  std::vector<std::pair<std::string, std::string>> served;
  for (std::size_t n = 0; n < station_.instruments.size(); ++n) {
    const auto& inst = station_.instruments[n];
    const bool on_usb = std::ranges::any_of(usb_devices_, [&](const auto& d) { return d.first == inst.name; });
    if (on_usb) continue;  // the USB bus runs its twins on its own thread
    auto device = this->device(inst.name);
    if (!device) continue;
    const std::string sub = fmt::format("hislip{}", n);
    server->add(device, {sub, inst.name});
    served.emplace_back(inst.name, sub);
  }
  try {
    server->start();
  } catch (const boost::system::system_error& e) {
    return fail(Errc::config,
                fmt::format("cannot serve the twins over HiSLIP on {}:{}: {}", bind_address, port, e.code().message()));
  }
  for (auto& [name, sub] : served) {
    sub = visa_string(bind_address == "0.0.0.0" ? "127.0.0.1" : bind_address, sub, server->port());
    log::info("sim", "{} on HiSLIP as {}", name, sub);
  }
  hislip_servers_.emplace_back(port, server);
  return served;
}

}  // namespace ledlab::engine
