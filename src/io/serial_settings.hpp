#pragma once
// Line settings of a serial port (RS-232/RS-485 through a tty): what an instrument's
// communications manual lists under "interface settings", parsed from the options of an
// address ("baud=9600&data=8&parity=none&stop=1&flow=none&term=crlf"), applied to an Asio
// serial_port, and a pseudo-terminal pair for twins and tests.
#include "core/error.hpp"
#include "io/address.hpp"

#include <boost/asio/serial_port.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace ledlab::io {

enum class Parity { none, even, odd };
enum class FlowControl { none, rts_cts, xon_xoff };

struct SerialSettings {
  std::string device;  // "/dev/ttyUSB0"
  unsigned baud = 9600;
  unsigned data_bits = 8;  // 5..8
  Parity parity = Parity::none;
  unsigned stop_bits = 1;  // 1 or 2 (1.5 has no POSIX termios setting)
  FlowControl flow = FlowControl::none;
  // Serial instruments end messages with CR, LF or CR LF, and say which in their manuals;
  // VISA's ASRL default is LF.
  std::string write_terminator = "\n";
  std::string read_terminator = "\n";

  // The options as they would be written back: "baud=9600&data=8&parity=none&stop=1&flow=none&term=lf"
  // (wterm/rterm instead of term when the two differ).
  std::string options() const;
  std::string describe() const;  // "serial:///dev/ttyUSB0?" + options()
};

// Applies one "key=value&key=value" option string over `settings`. Keys: baud, data, parity
// (none|even|odd), stop (1|2), flow (none|rtscts|xonxoff), term / wterm / rterm (lf|cr|crlf).
// Unknown keys and unsupported values are refused with Errc::bad_address naming the key and
// the value, never clamped: a wrong baud rate reads as garbage, not as an error, later on.
Status apply_serial_options(SerialSettings& settings, std::string_view options);

// The baud rates accepted: the POSIX/Linux termios speeds an RS-232 instrument uses.
bool is_supported_baud(unsigned baud);

// Configures an open port; the error names the setting the driver refused.
Status apply(const SerialSettings& settings, boost::asio::serial_port& port);

// The line settings a serial address names (Address::Kind::serial).
Result<SerialSettings> serial_settings(const Address& address);

// The terminators a serial address fixes (nullopt for other kinds): the SCPI session must
// frame messages with the same ones as the line.
struct Terminators {
  std::string write;
  char read;  // the byte a reply ends on
};
std::optional<Terminators> address_terminators(const Address& address);

// A pseudo-terminal pair (openpty(3)) in raw mode, both ends close-on-exec: the master end
// plays the instrument, the slave path is what a driver opens as its serial device.
struct PtyPair {
  int master = -1;
  int slave = -1;  // held open so the master does not read EIO while no driver has the port
  std::string slave_path;

  PtyPair() = default;
  PtyPair(const PtyPair&) = delete;
  PtyPair& operator=(const PtyPair&) = delete;
  PtyPair(PtyPair&& other) noexcept;
  PtyPair& operator=(PtyPair&& other) noexcept;
  ~PtyPair();
  // Gives the master descriptor to the caller (it must close it).
  int release_master();
  void close();
};

Result<PtyPair> open_pty_pair();

}  // namespace ledlab::io
