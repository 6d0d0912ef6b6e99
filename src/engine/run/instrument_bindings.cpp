#include "engine/run/instrument_bindings.hpp"

#include "engine/socket/bind_socket.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ledlab::engine {

Status bind_instruments(lua::SequenceRunner& runner, const Station& station, std::shared_ptr<Clock> clock,
                        std::shared_ptr<const Fallbacks> allowed) {
  const auto sockets = station_sockets(station.config());
  if (sockets.size() != 1) {
    std::vector<std::string> names;
    for (const auto& s : sockets) names.push_back(s.name);
    return fail(Errc::config, fmt::format("{}: station '{}' has {} sockets ({}): a run binds one of them",
                                          station.config().source, station.config().name, sockets.size(), fmt::join(names, ", ")));
  }
  auto bound = bind_socket(runner, station, sockets.front(), nullptr, std::move(clock), std::move(allowed));
  if (!bound) return fail(bound.error());
  return {};
}

}  // namespace ledlab::engine
