#pragma once
// Expected failures are values: every fallible operation returns Result<T>, whose
// Error names the instrument, the command and the cause.
#include <expected>
#include <string>
#include <string_view>

namespace ledlab {

enum class Errc {
  timeout,          // no reply or no progress within the deadline
  cancelled,        // the operation was cancelled by its owner
  unreachable,      // connect failed (refused, no route, unknown host)
  disconnected,     // the peer closed or reset the link
  unplugged,        // the USB device left the bus; plugging it back in lets the link reconnect
  io,               // any other transport failure
  protocol,         // reply does not parse: garbage, bad block header, wrong framing
  instrument,       // the instrument reported an SCPI error (scpi_code holds its code)
  bad_address,      // a resource string that does not parse
  config,           // a station file or parameter that is wrong
  limit,            // a safety limit refused the request
  invalid_argument, // a caller passed a value that makes no sense
  not_found,        // a name that does not exist (instrument, run, ...)
  storage,          // the results store failed
};

std::string_view to_string(Errc code);

struct Error {
  Errc code = Errc::io;
  std::string message;     // the cause, in words
  std::string instrument;  // which instrument, when known
  std::string command;     // which command, when known
  int scpi_code = 0;       // the instrument's own code for Errc::instrument

  // Adds context without losing what is already there.
  Error& at(std::string_view inst, std::string_view cmd = {});
  std::string describe() const;  // "bert1: FETC:ERR? -> timeout: no reply within 1000 ms"
};

Error make_error(Errc code, std::string message);

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected(make_error(code, std::move(message)));
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected(std::move(e)); }

}  // namespace ledlab
