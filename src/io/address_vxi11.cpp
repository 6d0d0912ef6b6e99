#include "io/address_vxi11.hpp"

#include "io/vxi11/rpc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ledlab::io {
namespace {

std::unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(Errc::bad_address, fmt::format("'{}': {}", text, why));
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
}

Result<Address> vxi11_address(std::string_view text, std::string_view host, std::string_view port, std::string_view device) {
  // The host rules are the TCP ones (brackets around IPv6, no stray colons): checked by the
  // TCP parser rather than written twice.
  auto checked = parse_address(fmt::format("tcp://{}:{}", host, port.empty() ? "111" : port));
  if (!checked) {
    std::string why = checked.error().message;
    if (const auto colon = why.find("': "); colon != std::string::npos) why = why.substr(colon + 3);
    return bad(text, why);
  }
  if (device.empty()) device = kVxi11DefaultDevice;
  // IVI-6.1 (HiSLIP) devices are named hislip0, hislip1, ...: they are not VXI-11 links.
  if (starts_with_nocase(device, "hislip"))
    return bad(text, "HiSLIP resources are not supported");
  if (device.size() > 256 || std::ranges::any_of(device, [](unsigned char c) { return c <= ' ' || c >= 0x7F; }))
    return bad(text, fmt::format("device name '{}' is not a VXI-11 device name (printable, up to 256 characters)", device));
  Address a = *checked;
  a.kind = Address::Kind::vxi11;
  a.device = device;
  a.text = text;
  return a;
}

}  // namespace

Result<Address> parse_vxi11_resource(std::string_view text, std::string_view host, std::string_view device) {
  return vxi11_address(text, host, {}, device);
}

Result<Address> parse_vxi11_url(std::string_view text) {
  std::string_view rest = text.substr(std::string_view("vxi11://").size());
  std::string_view device;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    device = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (device.empty()) return bad(text, "expected vxi11://host[:portmapper_port][/device]: empty device name");
  }
  std::string_view host = rest, port;
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos && rest.find(']', colon) == std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return bad(text, "expected vxi11://host[:portmapper_port][/device]: empty port");
  }
  return vxi11_address(text, host, port, device);
}

std::string vxi11_canonical(const Address& address) {
  return fmt::format("vxi11://{}/{}", host_port(address.host, address.port), address.device);
}

}  // namespace ledlab::io
