#include "engine/run/instrument_bindings.hpp"

#include "engine/socket/bind_socket.hpp"

#include <stdexcept>

namespace ledlab::engine {

void bind_instruments(lua::SequenceRunner& runner, const Station& station, std::shared_ptr<Clock> clock) {
  // The implicit socket names only instruments of the station: binding cannot fail.
  auto bound = bind_socket(runner, station, implicit_socket(station.config()), nullptr, std::move(clock));
  if (!bound) throw std::logic_error(bound.error().describe());
}

}  // namespace ledlab::engine
