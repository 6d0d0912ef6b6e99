#pragma once
// The DNS-SD service types instruments announce, and the VISA resource string each one gives.
// LXI instruments announce their web page as _lxi._tcp and each instrument protocol they serve
// under its own type (LXI Device Specification 2011, section 10, "LXI mDNS and DNS-SD").
#include "io/address.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ledlab::io::discovery {

enum class Service { lxi, scpi_raw, hislip, vxi11 };

// "_scpi-raw._tcp"
std::string_view service_type(Service service);
std::optional<Service> service_from_type(std::string_view type);
std::span<const Service> all_services();

// _scpi-raw._tcp -> TCPIP0::host::port::SOCKET, _hislip._tcp -> TCPIP0::host::hislip0,port::INSTR,
// _vxi-11._tcp and _lxi._tcp -> TCPIP0::host::inst0::INSTR (VXI-11 finds its port through the
// portmapper, `port` being the portmapper's: vxi11://host:port/inst0 when it is not 111; an LXI
// instrument's _lxi._tcp port is its web server). An IPv6 host in brackets.
std::string resource_for(Service service, std::string_view host, std::uint16_t port);

// The service a served address is announced as: a raw socket (tcp://) as _scpi-raw._tcp,
// VXI-11 as _vxi-11._tcp; nothing for kinds a LAN tool cannot reach (the simulated USB bus).
std::optional<Service> service_for(const Address& address);

}  // namespace ledlab::io::discovery
