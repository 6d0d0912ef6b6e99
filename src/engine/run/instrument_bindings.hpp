#pragma once
// The station's instruments as script objects: `opm.read_all()`, `chamber.set_setpoint(85)`,
// `bert.gate_bits(1e10)`, ... Every method is an async engine call (the script yields while
// the instrument answers). Arguments and results are plain numbers, booleans and tables.
#include "engine/lua/sequence_runner.hpp"
#include "engine/preflight.hpp"
#include "engine/station.hpp"

namespace ledlab::engine {

// The station's one socket ([sockets.<name>], or the implicit one: every instrument under its
// own name, lane n on channel n) through bind_socket, without locks; `allowed` as there.
// Refused for a station of several sockets: a run binds one DUT's socket (bind_socket).
// `clock` is the run's: a BERT gate waits out its length on it.
Status bind_instruments(lua::SequenceRunner& runner, const Station& station, std::shared_ptr<Clock> clock,
                        std::shared_ptr<const Fallbacks> allowed = nullptr);

}  // namespace ledlab::engine
