#pragma once
// Small helpers shared by the instrument tests.
#include "core/error.hpp"
#include "instruments/common/instrument.hpp"
#include "instruments/sim/bench_config.hpp"
#include "scpi/session.hpp"
#include "tests/support/sim_station.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace ledlab::test {

// Fails the test with the error's full description (instrument, command, cause).
template <class T>
void require_ok(const Result<T>& r) {
  if (!r) FAIL(r.error().describe());
}

// Sends `command` as it is and returns the one error it left in the instrument's queue; the
// test fails unless it left exactly one.
inline int sole_error(boost::asio::io_context& io, scpi::Session& session, const std::string& command) {
  require_ok(run(io, session.write(command)));
  auto errors = run(io, session.drain_errors());
  require_ok(errors);
  REQUIRE(errors->size() == 1);
  return errors->front().code;
}

// A 4 x 8 array: enough lanes for per-lane checks, quick to simulate.
inline sim::BenchConfig small_array() {
  sim::BenchConfig c;
  c.array.rows = 4;
  c.array.cols = 8;
  return c;
}

inline instruments::InstrumentConfig instrument_config(std::string name, std::string kind, std::string driver) {
  instruments::InstrumentConfig c;
  c.name = std::move(name);
  c.kind = std::move(kind);
  c.driver = std::move(driver);
  return c;
}

}  // namespace ledlab::test
