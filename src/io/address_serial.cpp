// Serial port addresses. VISA names serial ports ASRL[board][::INSTR] (VPP-4.3, the resource
// address grammar); NI-VISA on Linux maps board n to /dev/ttyS<n-1>, and pyvisa-py
// takes the device path in place of the number (ASRL/dev/ttyUSB0::INSTR). Neither form carries
// line settings (VISA sets them as attributes), so they get the VISA defaults: 9600 baud,
// 8 data bits, no parity, 1 stop bit, no flow control, LF terminator. ledlab's own form does:
// serial:///dev/ttyUSB0?baud=19200&parity=even&term=crlf.
#include "io/address.hpp"
#include "io/serial_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ledlab::io {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           return std::toupper(static_cast<unsigned char>(a)) == std::toupper(static_cast<unsigned char>(b));
         });
}

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && starts_with_nocase(s.substr(s.size() - suffix.size()), suffix);
}

std::unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(Errc::bad_address, fmt::format("'{}': {}", text, why));
}

Result<Address> serial_address(std::string_view text, std::string_view device, std::string_view options) {
  if (device.empty() || device.front() != '/')
    return bad(text, fmt::format("serial device '{}' is not an absolute path (/dev/ttyUSB0)", device));
  if (device.find_first_of("?&") != std::string_view::npos || device.find('\0') != std::string_view::npos)
    return bad(text, fmt::format("serial device '{}' holds '?' or '&'", device));
  SerialSettings settings;
  settings.device = device;
  if (auto st = apply_serial_options(settings, options); !st) return bad(text, st.error().message);
  Address a;
  a.kind = Address::Kind::serial;
  a.device = settings.device;
  a.serial_options = settings.options();
  a.text = text;
  return a;
}

}  // namespace

std::optional<Result<Address>> parse_serial_address(std::string_view text) {
  if (text.starts_with("serial://")) {
    const std::string_view rest = text.substr(9);
    const auto q = rest.find('?');
    return serial_address(text, rest.substr(0, q), q == std::string_view::npos ? std::string_view{} : rest.substr(q + 1));
  }
  if (!starts_with_nocase(text, "ASRL")) return std::nullopt;
  if (!ends_with_nocase(text, "::INSTR")) return bad(text, "expected ASRL<n>::INSTR or ASRL/dev/tty...::INSTR");
  const std::string_view board = text.substr(4, text.size() - 4 - 7);
  if (!board.empty() && board.front() == '/') return serial_address(text, board, {});
  unsigned n = 0;
  if (board.empty() || board.size() > 3 || !std::ranges::all_of(board, [](char c) { return c >= '0' && c <= '9'; }) ||
      (n = static_cast<unsigned>(std::stoul(std::string(board)))) == 0)
    return bad(text, fmt::format("serial board '{}' is not a number from 1 (ASRL1::INSTR is /dev/ttyS0)", board));
  return serial_address(text, fmt::format("/dev/ttyS{}", n - 1), {});
}

}  // namespace ledlab::io
