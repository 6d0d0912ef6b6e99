#include "cli/sim_announce.hpp"

#include "io/address.hpp"
#include "io/discovery/interfaces.hpp"

#include <fmt/format.h>

#include <cctype>

namespace ledlab::cli {

namespace asio = boost::asio;

namespace {

// RFC 6763 section 4.1.1: an instance name is one label of at most 63 bytes.
std::string instance_name(const std::string& instrument, const std::string& station) {
  std::string name = fmt::format("{} ({})", instrument, station);
  if (name.size() > io::dns::kMaxLabel) name.resize(io::dns::kMaxLabel);
  return name;
}

// A host label of letters, digits and hyphens (RFC 1123 section 2.1).
std::string host_label(const std::string& station) {
  std::string label = "ledlab-";
  for (char c : station) label += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  if (label.size() > io::dns::kMaxLabel) label.resize(io::dns::kMaxLabel);
  return label;
}

// The address the A record gives: the bound one, or for 0.0.0.0 the first interface that is
// not loopback (the host's LAN address).
asio::ip::address_v4 announced_address(const std::string& bind_address) {
  boost::system::error_code ec;
  auto bound = asio::ip::make_address_v4(bind_address, ec);
  if (!ec && !bound.is_unspecified()) return bound;
  for (const auto& itf : io::discovery::ipv4_interfaces())
    if (!itf.loopback) return itf.address;
  return asio::ip::address_v4::loopback();
}

}  // namespace

Result<std::shared_ptr<io::discovery::MdnsResponder>> announce_twins(asio::io_context& io,
                                                                     const engine::SimulatedStation& station,
                                                                     const std::string& bind_address) {
  std::vector<io::discovery::Announcement> services;
  for (const auto& inst : station.config().instruments) {
    auto address = io::parse_address(inst.address);
    if (!address) continue;
    auto service = io::discovery::service_for(*address);
    if (!service) continue;  // on the in-process USB bus: nothing on the LAN to announce
    io::discovery::Announcement a;
    a.instance = instance_name(inst.name, station.config().name);
    a.service = *service;
    a.port = address->port;
    if (auto device = station.device(inst.name)) {
      const auto& id = device->identity();
      a.txt = io::discovery::lxi_txt(id.manufacturer, id.model, id.serial, id.firmware);
    }
    services.push_back(std::move(a));
  }
  io::discovery::MdnsResponderOptions options;
  options.host_label = host_label(station.config().name);
  options.address = announced_address(bind_address);
  options.local_only = options.address.is_loopback();
  return io::discovery::MdnsResponder::start(io, std::move(options), std::move(services));
}

}  // namespace ledlab::cli
