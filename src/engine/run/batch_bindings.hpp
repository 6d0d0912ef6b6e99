#pragma once
// The batch primitives a sequence script sees (README "Batches"):
//   batch.socket             the socket this run's DUT sits in ("A"; "" outside a batch)
//   batch.once(key, fn)      every live socket of the batch reaches `key`, fn runs once (in the
//                            socket that got there first) and every socket gets its result: a
//                            chamber setpoint, a switch set-up shared by all DUTs
//   serial(names, fn)        fn runs while this socket has the instruments `names` ("bert" or
//                            {"bert", "sw"}) to itself; other sockets asking for them wait
// A lone run is a batch of one: batch.once runs fn at once, serial never waits.
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/batch_coordinator.hpp"
#include "engine/run/instrument_locks.hpp"
#include "engine/station.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace ledlab::engine {

struct BatchBindings {
  std::string socket;
  BatchCoordinator* coordinator = nullptr;
  InstrumentLocks* locks = nullptr;
  const Station* station = nullptr;
  // The run's open serial sections by token; the engine clears it when the run ends, which
  // releases what a script that failed inside fn still held.
  std::map<std::int64_t, InstrumentLocks::Guard>* sections = nullptr;
};

void bind_batch(lua::SequenceRunner& runner, BatchBindings batch);

}  // namespace ledlab::engine
