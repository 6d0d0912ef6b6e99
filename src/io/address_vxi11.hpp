#pragma once
// VXI-11 addresses: `TCPIP[n]::host[::device]::INSTR` (VISA) and `vxi11://host[:pmport][/device]`
// for a portmapper that is not on port 111 (the simulated station's, in tests).
#include "io/address.hpp"

namespace ledlab::io {

inline constexpr std::string_view kVxi11DefaultDevice = "inst0";

// `host` and `device` as split from a VISA string; an empty device means inst0.
Result<Address> parse_vxi11_resource(std::string_view text, std::string_view host, std::string_view device);
Result<Address> parse_vxi11_url(std::string_view text);  // text starts with "vxi11://"
std::string vxi11_canonical(const Address& address);    // vxi11://host:pmport/device

}  // namespace ledlab::io
