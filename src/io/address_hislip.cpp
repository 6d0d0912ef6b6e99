// HiSLIP addresses. VISA (IVI-6.1 section 2.1 and the VISA resource syntax for HiSLIP):
// TCPIP[board]::host::hislipN[,port]::INSTR, the device name "hislip" plus a number, the port
// after a comma when it is not 4880. ledlab's URL form: hislip://host[:port][/hislipN][?lock].
#include "io/address.hpp"
#include "io/hislip/message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace ledlab::io {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool parse_port(std::string_view s, std::uint16_t& port) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), port);
  return ec == std::errc() && ptr == s.data() + s.size() && port != 0;
}

// VISA names a HiSLIP device "hislip" and a number; the URL form also takes any other name a
// server serves (ledlab's twins answer to their instrument names too).
bool valid_sub_address(std::string_view name, bool visa) {
  const std::string l = lower(name);
  if (l.starts_with("hislip"))
    return l.size() > 6 &&
           std::ranges::all_of(std::string_view(l).substr(6), [](char c) { return c >= '0' && c <= '9'; });
  return !visa && !l.empty() && std::ranges::all_of(l, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

Result<Address> make(std::string_view text, std::string_view host_text, std::string_view sub, std::string_view port,
                     bool lock, bool visa) {
  auto host = parse_host(text, host_text);
  if (!host) return fail(host.error());
  Address a;
  a.kind = Address::Kind::hislip;
  a.host = std::move(*host);
  a.port = hislip::kDefaultPort;
  if (!port.empty() && !parse_port(port, a.port))
    return bad_address(text, fmt::format("port '{}' is not 1..65535", port));
  if (!valid_sub_address(sub, visa))
    return bad_address(text, fmt::format("HiSLIP device '{}' is not hislip followed by a number (hislip0){}", sub,
                                         visa ? "" : " or an instrument name of letters, digits, '_', '-' and '.'"));
  a.sub_address = lower(sub);
  a.hislip_lock = lock;
  a.text = text;
  return a;
}

}  // namespace

bool is_hislip_device(std::string_view device) { return lower(device).starts_with("hislip"); }

std::string hislip_canonical(const Address& a) {
  return fmt::format("hislip://{}/{}{}", host_port(a.host, a.port), a.sub_address, a.hislip_lock ? "?lock" : "");
}

Result<Address> parse_hislip_visa(std::string_view text, std::string_view host, std::string_view device) {
  const auto comma = device.find(',');
  if (comma == std::string_view::npos) return make(text, host, device, {}, false, true);
  return make(text, host, device.substr(0, comma), device.substr(comma + 1), false, true);
}

Result<Address> parse_hislip_url(std::string_view text) {
  std::string_view rest = text.substr(std::string_view("hislip://").size());
  bool lock = false;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    if (rest.substr(q + 1) != "lock")
      return bad_address(text, fmt::format("unknown option '{}'; the one option is ?lock", rest.substr(q + 1)));
    lock = true;
    rest = rest.substr(0, q);
  }
  std::string_view sub = "hislip0";
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    sub = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  // host, host:port, [v6], [v6]:port
  std::string_view host = rest, port;
  const auto close = rest.rfind(']');
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (close == std::string_view::npos || colon > close)) {
    if (close == std::string_view::npos && rest.find(':') != colon)
      return bad_address(text, "expected hislip://host[:port][/hislipN]; write an IPv6 address in brackets");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return bad_address(text, "missing port after ':'");
  }
  return make(text, host, sub, port, lock, false);
}

}  // namespace ledlab::io
