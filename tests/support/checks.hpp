#pragma once
// Small helpers shared by the instrument tests.
#include "core/error.hpp"
#include "instruments/common/instrument.hpp"
#include "instruments/sim/bench_config.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace ledlab::test {

// Fails the test with the error's full description (instrument, command, cause).
template <class T>
void require_ok(const Result<T>& r) {
  if (!r) FAIL(r.error().describe());
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
