#pragma once
// A `ledlab run sequences/SEQ --sim` request on sequences/stations/sim.toml at a given time
// scale, into a fresh store (tests and benchmarks of the characterisation sequences).
#include "engine/run/run_sequence.hpp"
#include "support/paths.hpp"
#include "support/sanitizer.hpp"

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ledlab::test {

// With `virtual_time` the run's clock is discrete-event (the time scale then only converts the
// few wall-time waits a twin still makes): deterministic for the bench's seed, whatever the load.
inline engine::RunRequest sim_run_request(const std::string& sequence, lua::Overrides overrides, double time_scale,
                                          const std::string& db, bool virtual_time = false) {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  if (!station) throw std::runtime_error(station.error().message);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((db + suffix).c_str());
  engine::RunRequest req;
  req.script = std::string(LEDLAB_SOURCE_DIR) + "/sequences/" + sequence;
  req.station = std::move(*station);
  req.station.time_scale = time_scale;
  req.simulate = true;
  req.virtual_time = virtual_time;
  req.overrides = std::move(overrides);
  req.db = db;
  // The watchdog watches wall time: a sequence's analysis between two instrument calls takes
  // several times longer under a sanitizer.
  req.watchdog_s *= kSanitizerSlowdown;
  return req;
}

// A script of the test's own, written into the build tree as NAME.lua, run on `station`'s twins
// on virtual time into a fresh store NAME.sqlite.
inline engine::RunRequest script_run_request(const std::string& name, const std::string& script_text,
                                             engine::StationConfig station) {
  const std::string script = in_build(name + ".lua");
  std::ofstream(script) << script_text;
  remove_db(in_build(name + ".sqlite"));
  engine::RunRequest req;
  req.script = script;
  req.station = std::move(station);
  req.simulate = true;
  req.virtual_time = true;
  req.db = in_build(name + ".sqlite");
  return req;
}

}  // namespace ledlab::test
