#pragma once
// Instrument addresses: ledlab's URL forms and the VISA resource strings labs already use.
//   tcp://host:port                      raw SCPI socket (5025 by convention)
//   TCPIP[n]::host::port::SOCKET         the same, as a VISA resource string
//                                        (an IPv6 host in brackets in both: tcp://[::1]:5025)
//   usbtmc://VID:PID[/serial]            USBTMC over libusb (hex ids)
//   USB[n]::0xVID::0xPID[::serial]::INSTR the same, as a VISA resource string
//   serial:///dev/ttyUSB0?baud=9600&...   a serial port with its line settings (serial_settings.hpp)
//   ASRL<n>::INSTR                        /dev/ttyS<n-1>, as Linux VISA numbers them
//   ASRL/dev/ttyUSB0::INSTR               a serial port by path (pyvisa-py's form)
//   modbus-tcp://host[:502][?unit=1&map=NAME]          Modbus TCP controller (address_modbus.cpp)
//   modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=1&map=NAME   Modbus RTU on a serial line
//   vxi11://host[:pmport][/device]       VXI-11 (portmapper port 111, device inst0 by default)
//   TCPIP[n]::host[::device]::INSTR      the same, as a VISA resource string
//   hislip://host[:port][/hislipN]       HiSLIP (IVI-6.1), port 4880 and hislip0 by default
//   TCPIP[n]::host::hislipN[,port]::INSTR the same, as a VISA resource string
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::io {

struct Address {
  enum class Kind { tcp, usbtmc, serial, modbus_tcp, modbus_rtu, vxi11, hislip };
  Kind kind = Kind::tcp;
  std::string host;        // tcp, vxi11, hislip; an IPv6 literal without its brackets
  std::uint16_t port = 0;  // tcp, hislip; vxi11: the portmapper's port
  std::string device;      // vxi11: the device name ("inst0", "gpib0,5"); serial: the tty path ("/dev/ttyUSB0")
  std::uint16_t vendor_id = 0;   // usbtmc
  std::uint16_t product_id = 0;  // usbtmc
  std::string serial;            // usbtmc, empty = first match
  std::string serial_options;    // serial: line settings, normalised ("baud=9600&data=8&...&term=lf")
  std::string sub_address;       // hislip: the device on the server ("hislip0")
  bool hislip_lock = false;      // hislip: hold an exclusive lock while connected (?lock)
  std::string text;              // as written by the user
  std::uint8_t modbus_unit = 1;      // modbus_tcp, modbus_rtu: the unit (slave) id
  std::string modbus_map;            // modbus_tcp, modbus_rtu: register map, shipped name or file path
  std::string modbus_device;         // modbus_rtu: the serial device path
  std::string modbus_serial_options; // modbus_rtu: the serial line options ("baud=19200&parity=even")

  std::string canonical() const;  // tcp://host:port, usbtmc://vvvv:pppp[/serial] or serial://path?options
};

// serial:// and ASRL...::INSTR addresses (address_serial.cpp); nullopt when `text` is neither.
std::optional<Result<Address>> parse_serial_address(std::string_view text);

Result<Address> parse_address(std::string_view text);
// modbus-tcp:// and modbus-rtu:// (address_modbus.cpp); nullopt when `text` is neither.
std::optional<Result<Address>> parse_modbus_address(std::string_view text);
std::string modbus_canonical(const Address& a);
// The HiSLIP forms (address_hislip.cpp): `text` starts with "hislip://", or splits on "::" into
// `parts` (TCPIP[n]::host::hislipN[,port]::INSTR). Fails naming the address and what is wrong.
Result<Address> parse_hislip_url(std::string_view text);
Result<Address> parse_hislip_visa(std::string_view text, std::string_view host, std::string_view device);
// Whether a VISA device name is HiSLIP's ("hislip0"), as VISA tells it from VXI-11's "inst0".
bool is_hislip_device(std::string_view device);
std::string hislip_canonical(const Address& address);  // hislip://host:port/hislipN
// Errc::bad_address: "'<text>': <why>".
std::unexpected<Error> bad_address(std::string_view text, std::string_view why);
// Checks and strips an IPv6 host's brackets, as tcp:// addresses take them.
Result<std::string> parse_host(std::string_view text, std::string_view host);
// "host:port", with an IPv6 host in brackets ("[::1]:5025").
std::string host_port(std::string_view host, std::uint16_t port);

}  // namespace ledlab::io
