#pragma once
// Bench variants the sequences were never tuned on, for the accuracy tests: other seeds, array
// shapes, emitter sizes and spreads. Each test draws from these and asserts against the bench's
// own truth at the conditions it measured.
#include "instruments/sim/bench_config.hpp"

#include <string>
#include <vector>

namespace ledlab::sim::test {

struct Variant {
  std::string name;
  BenchConfig config;
};

inline std::vector<Variant> unseen_variants() {
  std::vector<Variant> out;
  {
    BenchConfig c;
    c.seed = 9001;
    c.array.rows = 16;
    c.array.cols = 24;
    c.array.diameter_um = 5.0;
    out.push_back({"16x24, 5 um, seed 9001", c});
  }
  {
    BenchConfig c;
    c.seed = 31337;
    c.array.rows = 10;
    c.array.cols = 40;
    c.array.diameter_um = 20.0;
    c.array.a_spread_ln = 0.40;
    c.array.rc_spread_ln = 0.20;
    out.push_back({"10x40, 20 um, wide spreads, seed 31337", c});
  }
  {
    BenchConfig c;
    c.seed = 77;
    c.array.rows = 12;
    c.array.cols = 12;
    c.array.diameter_um = 12.0;
    c.array.b_spread_ln = 0.15;
    c.array.c_spread_ln = 0.15;
    out.push_back({"12x12, 12 um, seed 77", c});
  }
  return out;
}

}  // namespace ledlab::sim::test
