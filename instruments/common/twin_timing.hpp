#pragma once
// When a twin's delayed *OPC? reply goes out (IEEE 488.2 section 12.5.3: *OPC? answers once the
// pending operations have completed): at the end of what it waits for (a gate, a switch's
// settling) plus a margin, so that the clock has passed that end when the reply is read.
#include "core/clock.hpp"

namespace ledlab::instruments {

// A millisecond of wall time on a scaled clock, where the reply is timed in wall time. On a
// virtual clock the reply wakes exactly at its simulated deadline, so a microsecond of
// simulated time: a wall millisecond there would become `scale` milliseconds of simulated
// time, 3.6 s per switch route at a time scale of 3600.
inline double opc_margin_s(const Clock& clock) { return clock.is_virtual() ? 1e-6 : 1e-3 * clock.scale(); }

}  // namespace ledlab::instruments
