#include "io/discovery/services.hpp"

#include "io/vxi11/rpc.hpp"

#include <fmt/format.h>

#include <array>

namespace ledlab::io::discovery {

namespace {

constexpr std::array kServices{Service::lxi, Service::scpi_raw, Service::hislip, Service::vxi11};

std::string visa_host(std::string_view host) {
  return host.find(':') != std::string_view::npos ? fmt::format("[{}]", host) : std::string(host);
}

}  // namespace

std::string_view service_type(Service service) {
  switch (service) {
    case Service::lxi: return "_lxi._tcp";
    case Service::scpi_raw: return "_scpi-raw._tcp";
    case Service::hislip: return "_hislip._tcp";
    case Service::vxi11: return "_vxi-11._tcp";
  }
  return "";
}

std::optional<Service> service_from_type(std::string_view type) {
  for (auto s : kServices)
    if (service_type(s) == type) return s;
  return std::nullopt;
}

std::span<const Service> all_services() { return kServices; }

std::string resource_for(Service service, std::string_view host, std::uint16_t port) {
  switch (service) {
    case Service::scpi_raw: return fmt::format("TCPIP0::{}::{}::SOCKET", visa_host(host), port);
    case Service::hislip: return fmt::format("TCPIP0::{}::hislip0,{}::INSTR", visa_host(host), port);
    case Service::lxi: return fmt::format("TCPIP0::{}::inst0::INSTR", visa_host(host));
    case Service::vxi11:
      // A VISA resource string cannot name a portmapper elsewhere than on port 111 (a twin
      // on a free port): ledlab's own form can.
      if (port == 0 || port == rpc::portmap::kPort) return fmt::format("TCPIP0::{}::inst0::INSTR", visa_host(host));
      return fmt::format("vxi11://{}/inst0", host_port(host, port));
  }
  return {};
}

std::optional<Service> service_for(const Address& address) {
  switch (address.kind) {
    case Address::Kind::tcp: return Service::scpi_raw;
    case Address::Kind::vxi11: return Service::vxi11;  // its port is the portmapper's
    default: return std::nullopt;
  }
}

}  // namespace ledlab::io::discovery
