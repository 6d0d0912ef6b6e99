#include "io/address.hpp"
#include "io/address_vxi11.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace ledlab::io {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// The next `sep` at or after `pos` outside an IPv6 literal's brackets ("[::1]" holds "::").
std::size_t find_outside_brackets(std::string_view s, std::string_view sep, std::size_t pos) {
  for (;;) {
    const auto next = s.find(sep, pos);
    const auto open = s.find('[', pos);
    if (next == std::string_view::npos || open == std::string_view::npos || next < open) return next;
    const auto close = s.find(']', open);
    if (close == std::string_view::npos) return next;  // unbalanced: the host check says so
    pos = close + 1;
  }
}

std::vector<std::string_view> split_on(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  for (std::size_t pos = 0;;) {
    const auto next = find_outside_brackets(s, sep, pos);
    parts.push_back(s.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
    if (next == std::string_view::npos) break;
    pos = next + sep.size();
  }
  return parts;
}

template <class Int>
bool parse_int(std::string_view s, Int& out, int base = 10) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

std::unexpected<Error> bad_address(std::string_view text, std::string_view why) {
  return fail(Errc::bad_address, fmt::format("'{}': {}", text, why));
}

namespace {

std::unexpected<Error> bad(std::string_view text, std::string_view why) { return bad_address(text, why); }

}  // namespace

Result<std::string> parse_host(std::string_view text, std::string_view host) {
  // RFC 3986 3.2.2 (and VISA resource strings alike): an IPv6 literal is written in brackets,
  // since its colons would otherwise run into the port's.
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || host.size() < 3) return bad(text, fmt::format("'{}' is not a bracketed IPv6 address", host));
    host = host.substr(1, host.size() - 2);
    const std::string_view literal = host.substr(0, host.find('%'));  // "fe80::1%eth0": a zone follows '%'
    if (literal.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos ||
        literal.find(':') == std::string_view::npos)
      return bad(text, fmt::format("'[{}]' is not an IPv6 address", host));
  } else if (host.find_first_of(":[]") != std::string_view::npos) {
    return bad(text, fmt::format("host '{}' is not a host name; write an IPv6 address in brackets, as [::1]", host));
  }
  if (host.empty()) return bad(text, "missing host");
  return std::string(host);
}

namespace {

Result<Address> tcp_address(std::string_view text, std::string_view host_text, std::string_view port) {
  auto host = parse_host(text, host_text);
  if (!host) return fail(host.error());
  Address a;
  a.kind = Address::Kind::tcp;
  a.host = std::move(*host);
  if (!parse_int(port, a.port) || a.port == 0) return bad(text, fmt::format("port '{}' is not 1..65535", port));
  a.text = text;
  return a;
}

Result<Address> usb_address(std::string_view text, std::string_view vid, std::string_view pid, std::string_view serial) {
  Address a;
  a.kind = Address::Kind::usbtmc;
  if (!parse_int(vid, a.vendor_id, 16)) return bad(text, fmt::format("vendor id '{}' is not hex", vid));
  if (!parse_int(pid, a.product_id, 16)) return bad(text, fmt::format("product id '{}' is not hex", pid));
  a.serial = serial;
  a.text = text;
  return a;
}

// VISA: the board number after the interface type is optional ("TCPIP::" == "TCPIP0::").
bool interface_is(std::string_view head, std::string_view type) {
  const std::string h = upper(head);
  if (!h.starts_with(type)) return false;
  const std::string_view board = std::string_view(h).substr(type.size());
  return std::ranges::all_of(board, [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string host_port(std::string_view host, std::uint16_t port) {
  if (host.find(':') != std::string_view::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

std::string Address::canonical() const {
  if (kind == Kind::serial) return fmt::format("serial://{}?{}", device, serial_options);
  if (kind == Kind::modbus_tcp || kind == Kind::modbus_rtu) return modbus_canonical(*this);
  if (kind == Kind::tcp) return "tcp://" + host_port(host, port);
  if (kind == Kind::vxi11) return vxi11_canonical(*this);
  if (kind == Kind::hislip) return hislip_canonical(*this);
  std::string s = fmt::format("usbtmc://{:04x}:{:04x}", vendor_id, product_id);
  if (!serial.empty()) s += "/" + serial;
  return s;
}

Result<Address> parse_address(std::string_view text) {
  if (text.empty()) return bad(text, "empty address");
  if (auto serial = parse_serial_address(text)) return std::move(*serial);
  if (auto modbus = parse_modbus_address(text)) return std::move(*modbus);
  if (text.starts_with("tcp://")) {
    const std::string_view rest = text.substr(6);
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos || rest.find(']', colon) != std::string_view::npos)
      return bad(text, "expected tcp://host:port");
    return tcp_address(text, rest.substr(0, colon), rest.substr(colon + 1));
  }
  if (text.starts_with("vxi11://")) return parse_vxi11_url(text);
  if (text.starts_with("hislip://")) return parse_hislip_url(text);
  if (text.starts_with("usbtmc://")) {
    std::string_view rest = text.substr(9);
    std::string_view serial;
    if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
      serial = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
    }
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return bad(text, "expected usbtmc://VID:PID[/serial]");
    return usb_address(text, rest.substr(0, colon), rest.substr(colon + 1), serial);
  }
  const auto parts = split_on(text, "::");
  if (parts.size() >= 2) {
    const std::string last = upper(parts.back());
    if (interface_is(parts[0], "TCPIP")) {
      if (last == "SOCKET" && parts.size() == 4) return tcp_address(text, parts[1], parts[2]);
      // VISA tells HiSLIP from VXI-11 by the device name: "hislip0" is HiSLIP, anything else VXI-11.
      if (last == "INSTR" && parts.size() == 4 && is_hislip_device(parts[2])) return parse_hislip_visa(text, parts[1], parts[2]);
      if (last == "INSTR" && (parts.size() == 3 || parts.size() == 4))
        return parse_vxi11_resource(text, parts[1], parts.size() == 4 ? parts[2] : std::string_view{});
      return bad(text, "expected TCPIP0::host::port::SOCKET, TCPIP0::host[::device]::INSTR or TCPIP0::host::hislip0::INSTR");
    }
    if (interface_is(parts[0], "USB")) {
      if (last != "INSTR" || parts.size() < 4 || parts.size() > 6)
        return bad(text, "expected USB0::0xVID::0xPID[::serial]::INSTR");
      return usb_address(text, parts[1], parts[2], parts.size() >= 5 ? parts[3] : std::string_view{});
    }
    return bad(text, fmt::format("unknown VISA interface '{}'", parts[0]));
  }
  return bad(text, "expected tcp://host:port, usbtmc://VID:PID, serial:///dev/tty...?baud=..., hislip://host or a VISA resource string");
}

}  // namespace ledlab::io
