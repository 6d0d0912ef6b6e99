// Modbus addresses (README "Modbus"):
//   modbus-tcp://host[:port][?unit=N&map=NAME]     port 502 by default (Messaging on TCP/IP 4.1.1)
//   modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=N&map=NAME
// The map is a shipped register map's name or a path to a .toml file; the serial line's
// options are kept for the serial settings parser.
#include "io/address.hpp"

#include <fmt/format.h>

#include <charconv>

namespace ledlab::io {
namespace {

constexpr std::uint16_t kModbusTcpPort = 502;

std::unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(Errc::bad_address, fmt::format("'{}': {}", text, why));
}

template <class Int>
bool to_int(std::string_view s, Int& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Takes unit= and map= out of the query; the rest stays (the serial line's options).
Status take_options(std::string_view text, std::string_view query, Address& a, bool serial) {
  a.modbus_unit = 1;
  for (std::size_t pos = 0; pos < query.size();) {
    const auto amp = query.find('&', pos);
    const std::string_view item = query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    pos = amp == std::string_view::npos ? query.size() : amp + 1;
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return bad(text, fmt::format("option '{}' is not key=value", item));
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "unit") {
      // Serial Line 2.2: unit addresses 1..247 (0 is broadcast, which nothing answers);
      // Messaging on TCP/IP 4.4.2: 0..255 on TCP (0xFF when the server is the device itself).
      unsigned unit = 0;
      const unsigned lo = serial ? 1 : 0, hi = serial ? 247 : 255;
      if (!to_int(value, unit) || unit < lo || unit > hi)
        return bad(text, fmt::format("unit '{}' is not {}..{}", value, lo, hi));
      a.modbus_unit = static_cast<std::uint8_t>(unit);
    } else if (key == "map") {
      if (value.empty()) return bad(text, "map= names no register map");
      a.modbus_map = value;
    } else if (serial) {
      a.modbus_serial_options += (a.modbus_serial_options.empty() ? "" : "&") + std::string(item);
    } else {
      return bad(text, fmt::format("unknown option '{}' (modbus-tcp takes unit= and map=)", key));
    }
  }
  if (a.modbus_map.empty()) return bad(text, "no register map: add map=NAME (a shipped map) or map=/path/to/map.toml");
  return {};
}

}  // namespace

std::optional<Result<Address>> parse_modbus_address(std::string_view text) {
  const bool tcp = text.starts_with("modbus-tcp://");
  const bool rtu = text.starts_with("modbus-rtu://");
  if (!tcp && !rtu) return std::nullopt;
  std::string_view rest = text.substr(13);
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  Address a;
  a.text = text;
  if (rtu) {
    a.kind = Address::Kind::modbus_rtu;
    if (!rest.starts_with('/')) return bad(text, "expected modbus-rtu:///dev/DEVICE?baud=...&unit=N&map=NAME");
    a.modbus_device = rest;
  } else {
    a.kind = Address::Kind::modbus_tcp;
    a.port = kModbusTcpPort;
    std::string_view host = rest;
    const auto close = rest.rfind(']');
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
      host = rest.substr(0, colon);
      if (!to_int(rest.substr(colon + 1), a.port) || a.port == 0)
        return bad(text, fmt::format("port '{}' is not 1..65535", rest.substr(colon + 1)));
    }
    if (host.starts_with('[') && host.ends_with(']')) host = host.substr(1, host.size() - 2);
    if (host.empty() || host.find_first_of("/[]") != std::string_view::npos)
      return bad(text, fmt::format("host '{}' is not a host name", host));
    a.host = host;
  }
  if (auto st = take_options(text, query, a, rtu); !st) return std::unexpected(st.error());
  return a;
}

std::string modbus_canonical(const Address& a) {
  if (a.kind == Address::Kind::modbus_rtu) {
    std::string s = "modbus-rtu://" + a.modbus_device + "?";
    if (!a.modbus_serial_options.empty()) s += a.modbus_serial_options + "&";
    return s + fmt::format("unit={}&map={}", a.modbus_unit, a.modbus_map);
  }
  return fmt::format("modbus-tcp://{}?unit={}&map={}", host_port(a.host, a.port), a.modbus_unit, a.modbus_map);
}

}  // namespace ledlab::io
