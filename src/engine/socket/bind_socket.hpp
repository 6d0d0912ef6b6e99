#pragma once
// A DUT socket's roles as script objects. The script of a socket sees `bert`, `opm`, `pg`,
// `smu` and `chamber` as on a one-DUT station (same methods, same result shapes, lanes
// 1..rows*cols); the adapters map its lanes onto the instruments' channels, directly or
// through an optical switch in blocks of the channels behind it (socket_config.hpp), and hold
// the shared instruments (InstrumentLocks, holder = the socket's name) for every multi-step
// use: route + gate + read is one step for the other sockets of a batch.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/preflight.hpp"
#include "engine/run/instrument_locks.hpp"
#include "engine/socket_config.hpp"
#include "engine/station.hpp"

#include <memory>
#include <string>
#include <vector>

namespace ledlab::engine {

// The fallbacks the adapters may take where a driver lacks a capability (preflight.hpp):
// bert.gate_bits by time on a BERT that cannot gate by bits, chamber.dut_temperature from the
// air on a chamber without a DUT probe. Pre-flight decides which are allowed.
using SocketFallbacks = Fallbacks;

// The fallbacks the adapters actually took, set at their first use, with a line each for the
// run's provenance and event log ("bert: gated by time, 1500 s for 3e12 bits at 2e9 b/s").
struct FallbacksUsed {
  bool gate_by_time = false;
  bool dut_temperature_from_air = false;
  std::vector<std::string> notes;
};

// Registers `<role>.<method>` for every role of `socket` on `runner`. Roles whose instrument
// kind has no script binding (none today) are skipped. `locks` (the batch's, outliving the
// runner) may be null when no instrument of the socket is shared (one socket alone). Fails, naming socket, role and instrument, when
// a role's instrument or switch is not in `station` or is of another kind than the role needs.
// Channel numbers are checked against the live instruments by check_socket_channels (after
// attach) and again at every call. The returned record lives as long as the runner's bindings.
// `allowed` is read at every call, not when binding: a run binds its scripts' objects before
// its pre-flight has run and fills it in then. Null: no fallback allowed.
Result<std::shared_ptr<const FallbacksUsed>> bind_socket(lua::SequenceRunner& runner, const Station& station,
                                                         const SocketConfig& socket,
                                                         InstrumentLocks* locks,
                                                         std::shared_ptr<Clock> clock,
                                                         std::shared_ptr<const SocketFallbacks> allowed = nullptr);

// After attach(): every channel, switch input and switch output a socket's roles name exists
// on its instrument ("socket B: bert lane 3 is on channel 7, the bert has 4 channels").
Status check_socket_channels(const Station& station, const SocketConfig& socket);

}  // namespace ledlab::engine
