#pragma once
// Instrument addresses: ledlab's URL forms and the VISA resource strings labs already use.
//   tcp://host:port                      raw SCPI socket (5025 by convention)
//   TCPIP[n]::host::port::SOCKET         the same, as a VISA resource string
//                                        (an IPv6 host in brackets in both: tcp://[::1]:5025)
//   usbtmc://VID:PID[/serial]            USBTMC over libusb (hex ids)
//   USB[n]::0xVID::0xPID[::serial]::INSTR the same, as a VISA resource string
//   vxi11://host[:pmport][/device]       VXI-11 (portmapper port 111, device inst0 by default)
//   TCPIP[n]::host[::device]::INSTR      the same, as a VISA resource string
#include "core/error.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ledlab::io {

struct Address {
  enum class Kind { tcp, usbtmc, vxi11 };
  Kind kind = Kind::tcp;
  std::string host;        // tcp, vxi11; an IPv6 literal without its brackets
  std::uint16_t port = 0;  // tcp; vxi11: the portmapper's port
  std::string device;      // vxi11: the device name ("inst0", "gpib0,5")
  std::uint16_t vendor_id = 0;   // usbtmc
  std::uint16_t product_id = 0;  // usbtmc
  std::string serial;            // usbtmc, empty = first match
  std::string text;              // as written by the user

  std::string canonical() const;  // tcp://host:port or usbtmc://vvvv:pppp[/serial]
};

Result<Address> parse_address(std::string_view text);
// "host:port", with an IPv6 host in brackets ("[::1]:5025").
std::string host_port(std::string_view host, std::uint16_t port);

}  // namespace ledlab::io
