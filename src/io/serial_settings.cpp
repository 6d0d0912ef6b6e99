#include "io/serial_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>
#include <utility>

namespace ledlab::io {
namespace {

// The termios speeds (POSIX.1 B50..B38400 and Linux's B57600..B4000000) that RS-232
// instruments are set to; anything else would be refused by the driver or silently mapped.
constexpr std::array<unsigned, 16> kBauds{300,    600,    1200,   2400,   4800,   9600,    19200,   38400,
                                          57600,  115200, 230400, 460800, 500000, 921600, 1000000, 2000000};

std::unexpected<Error> bad_option(std::string_view key, std::string_view value, std::string_view expected) {
  return fail(Errc::bad_address, fmt::format("serial option {}='{}': expected {}", key, value, expected));
}

Result<std::string> terminator(std::string_view key, std::string_view value) {
  if (value == "lf") return std::string("\n");
  if (value == "cr") return std::string("\r");
  if (value == "crlf") return std::string("\r\n");
  return bad_option(key, value, "lf, cr or crlf");
}

std::string_view terminator_name(std::string_view t) {
  if (t == "\r") return "cr";
  if (t == "\r\n") return "crlf";
  return "lf";
}

bool parse_unsigned(std::string_view s, unsigned& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Status apply_option(SerialSettings& s, std::string_view key, std::string_view value) {
  if (key == "baud") {
    unsigned baud = 0;
    if (!parse_unsigned(value, baud) || !is_supported_baud(baud))
      return bad_option(key, value, "a standard rate (300, 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, ...)");
    s.baud = baud;
  } else if (key == "data") {
    unsigned bits = 0;
    if (!parse_unsigned(value, bits) || bits < 5 || bits > 8) return bad_option(key, value, "5, 6, 7 or 8 data bits");
    s.data_bits = bits;
  } else if (key == "parity") {
    if (value == "none") s.parity = Parity::none;
    else if (value == "even") s.parity = Parity::even;
    else if (value == "odd") s.parity = Parity::odd;
    else return bad_option(key, value, "none, even or odd");
  } else if (key == "stop") {
    if (value == "1") s.stop_bits = 1;
    else if (value == "2") s.stop_bits = 2;
    else return bad_option(key, value, "1 or 2 stop bits (1.5 has no termios setting)");
  } else if (key == "flow") {
    if (value == "none") s.flow = FlowControl::none;
    else if (value == "rtscts") s.flow = FlowControl::rts_cts;
    else if (value == "xonxoff") s.flow = FlowControl::xon_xoff;
    else return bad_option(key, value, "none, rtscts or xonxoff");
  } else if (key == "term" || key == "wterm" || key == "rterm") {
    auto t = terminator(key, value);
    if (!t) return fail(t.error());
    if (key != "rterm") s.write_terminator = *t;
    if (key != "wterm") s.read_terminator = *t;
  } else {
    return fail(Errc::bad_address, fmt::format("unknown serial option '{}' (baud, data, parity, stop, flow, term, wterm, rterm)", key));
  }
  return {};
}

}  // namespace

bool is_supported_baud(unsigned baud) { return std::ranges::find(kBauds, baud) != kBauds.end(); }

Status apply_serial_options(SerialSettings& settings, std::string_view options) {
  SerialSettings updated = settings;  // all or nothing
  while (!options.empty()) {
    const auto amp = options.find('&');
    const std::string_view item = options.substr(0, amp);
    options = amp == std::string_view::npos ? std::string_view{} : options.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) return fail(Errc::bad_address, fmt::format("serial option '{}' has no '=value'", item));
    if (auto ok = apply_option(updated, item.substr(0, eq), item.substr(eq + 1)); !ok) return ok;
  }
  settings = std::move(updated);
  return {};
}

std::string SerialSettings::options() const {
  static constexpr std::array<std::string_view, 3> kParity{"none", "even", "odd"};
  static constexpr std::array<std::string_view, 3> kFlow{"none", "rtscts", "xonxoff"};
  std::string out = fmt::format("baud={}&data={}&parity={}&stop={}&flow={}", baud, data_bits,
                                kParity[static_cast<std::size_t>(parity)], stop_bits, kFlow[static_cast<std::size_t>(flow)]);
  if (write_terminator == read_terminator) return out + fmt::format("&term={}", terminator_name(write_terminator));
  return out + fmt::format("&wterm={}&rterm={}", terminator_name(write_terminator), terminator_name(read_terminator));
}

std::string SerialSettings::describe() const { return fmt::format("serial://{}?{}", device, options()); }

Status apply(const SerialSettings& s, boost::asio::serial_port& port) {
  using sp = boost::asio::serial_port_base;
  boost::system::error_code ec;
  const auto check = [&](std::string_view what) -> Status {
    if (!ec) return {};
    return fail(Errc::io, fmt::format("{}: setting {}: {}", s.device, what, ec.message()));
  };
  port.set_option(sp::baud_rate(s.baud), ec);
  if (auto ok = check(fmt::format("baud={}", s.baud)); !ok) return ok;
  port.set_option(sp::character_size(s.data_bits), ec);
  if (auto ok = check(fmt::format("data={}", s.data_bits)); !ok) return ok;
  port.set_option(sp::parity(s.parity == Parity::none   ? sp::parity::none
                             : s.parity == Parity::even ? sp::parity::even
                                                        : sp::parity::odd),
                  ec);
  if (auto ok = check("parity"); !ok) return ok;
  port.set_option(sp::stop_bits(s.stop_bits == 2 ? sp::stop_bits::two : sp::stop_bits::one), ec);
  if (auto ok = check(fmt::format("stop={}", s.stop_bits)); !ok) return ok;
  port.set_option(sp::flow_control(s.flow == FlowControl::none      ? sp::flow_control::none
                                   : s.flow == FlowControl::rts_cts ? sp::flow_control::hardware
                                                                    : sp::flow_control::software),
                  ec);
  return check("flow");
}

PtyPair::PtyPair(PtyPair&& other) noexcept
    : master(std::exchange(other.master, -1)), slave(std::exchange(other.slave, -1)), slave_path(std::move(other.slave_path)) {}

PtyPair& PtyPair::operator=(PtyPair&& other) noexcept {
  if (this != &other) {
    close();
    master = std::exchange(other.master, -1);
    slave = std::exchange(other.slave, -1);
    slave_path = std::move(other.slave_path);
  }
  return *this;
}

PtyPair::~PtyPair() { close(); }

int PtyPair::release_master() { return std::exchange(master, -1); }

void PtyPair::close() {
  if (master >= 0) ::close(std::exchange(master, -1));
  if (slave >= 0) ::close(std::exchange(slave, -1));
}

Result<PtyPair> open_pty_pair() {
  PtyPair pair;
  std::array<char, 256> name{};
  if (::openpty(&pair.master, &pair.slave, name.data(), nullptr, nullptr) != 0)
    return fail(Errc::io, fmt::format("openpty: {}", std::strerror(errno)));
  pair.slave_path = name.data();
  // Raw mode on both ends: no echo, no line editing, no CR/LF translation, so the bytes a
  // driver writes are the bytes the twin reads, as on a real RS-232 line.
  for (int fd : {pair.master, pair.slave}) {
    termios tio{};
    if (::tcgetattr(fd, &tio) == 0) {
      ::cfmakeraw(&tio);
      ::tcsetattr(fd, TCSANOW, &tio);
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);  // a test's child processes must not keep the port alive
  }
  return pair;
}

Result<SerialSettings> serial_settings(const Address& address) {
  SerialSettings s;
  s.device = address.device;
  if (auto st = apply_serial_options(s, address.serial_options); !st) return fail(Error(st.error()).at(address.text));
  return s;
}

std::optional<Terminators> address_terminators(const Address& address) {
  if (address.kind != Address::Kind::serial) return std::nullopt;
  auto s = serial_settings(address);
  if (!s) return std::nullopt;
  // A CR LF reply is framed on its LF; the session drops the CR before it.
  return Terminators{s->write_terminator, s->read_terminator.back()};
}

}  // namespace ledlab::io
