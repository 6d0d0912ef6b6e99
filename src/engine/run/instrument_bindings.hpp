#pragma once
// The station's instruments as script objects: `opm.read_all()`, `chamber.set_setpoint(85)`,
// `bert.gate_bits(1e10)`, ... Every method is an async engine call (the script yields while
// the instrument answers). Arguments and results are plain numbers, booleans and tables.
#include "engine/lua/sequence_runner.hpp"
#include "engine/station.hpp"

namespace ledlab::engine {

// The station's implicit socket (every instrument under its own name, lane n on channel n):
// bind_socket without fallbacks and without locks. `clock` is the run's: a BERT gate waits
// out its length on it.
void bind_instruments(lua::SequenceRunner& runner, const Station& station, std::shared_ptr<Clock> clock);

}  // namespace ledlab::engine
