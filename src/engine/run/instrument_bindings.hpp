#pragma once
// The station's instruments as script objects: `opm.read_all()`, `chamber.set_setpoint(85)`,
// `bert.gate_bits(1e10)`, ... Every method is an async engine call (the script yields while
// the instrument answers). Arguments and results are plain numbers, booleans and tables.
#include "engine/lua/sequence_runner.hpp"
#include "engine/station.hpp"

namespace ledlab::engine {

void bind_instruments(lua::SequenceRunner& runner, const Station& station);

}  // namespace ledlab::engine
