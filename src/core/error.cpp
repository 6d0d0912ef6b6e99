#include "core/error.hpp"

namespace ledlab {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::timeout: return "timeout";
    case Errc::cancelled: return "cancelled";
    case Errc::unreachable: return "unreachable";
    case Errc::disconnected: return "disconnected";
    case Errc::unplugged: return "unplugged";
    case Errc::io: return "I/O error";
    case Errc::protocol: return "protocol error";
    case Errc::instrument: return "instrument error";
    case Errc::bad_address: return "bad address";
    case Errc::config: return "configuration error";
    case Errc::limit: return "safety limit";
    case Errc::invalid_argument: return "invalid argument";
    case Errc::not_found: return "not found";
    case Errc::storage: return "storage error";
  }
  return "error";
}

Error make_error(Errc code, std::string message) {
  Error e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

Error& Error::at(std::string_view inst, std::string_view cmd) {
  if (instrument.empty()) instrument = inst;
  if (command.empty()) command = cmd;
  return *this;
}

std::string Error::describe() const {
  std::string out;
  if (!instrument.empty()) out += instrument + ": ";
  if (!command.empty()) out += command + " -> ";
  out += to_string(code);
  if (!message.empty()) out += ": " + message;
  return out;
}

}  // namespace ledlab
