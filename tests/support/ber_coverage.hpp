#pragma once
// BER 95 % upper bounds from the BERT twin's error counts against the bench's true BER, at the
// bench's present drive and temperature. Shared by the BER coverage test and
// tests/bench/bench_accuracy.cpp.
//
// Informative: a lane-gate whose true expected error count lambda = BER x bits is at least
// -ln(1 - CL) (3.0 at 95 %), the count whose zero-error bound is the true BER. Below it the
// bound from zero errors already lies above the truth, so such a lane is covered whatever it
// counts and says nothing about the bounds; at and above it a lane can miss.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/ber_confidence.hpp"
#include "core/error.hpp"
#include "instruments/sim/bench.hpp"

namespace ledlab::test {

struct BerCoverage {
  std::size_t informative = 0, covered = 0;
  BerCoverage& operator+=(const BerCoverage& o) {
    informative += o.informative;
    covered += o.covered;
    return *this;
  }
  double fraction() const { return static_cast<double>(covered) / static_cast<double>(informative); }
};

// One gate of each length in `gate_bits` on every live lane at each rate, `repeats` times.
inline Result<BerCoverage> ber_coverage(sim::Bench& bench, const std::vector<double>& rates_hz,
                                        const std::vector<double>& gate_bits, int repeats = 1,
                                        double confidence = 0.95) {
  const double informative_from = -std::log(1.0 - confidence);
  BerCoverage out;
  for (const double rate : rates_hz) {
    if (auto st = bench.set_bert(rate, 31); !st) return std::unexpected(st.error());
    const auto truth = bench.bers();
    for (const double bits_d : gate_bits) {
      const auto bits = static_cast<std::uint64_t>(bits_d);
      for (int r = 0; r < repeats; ++r) {
        const auto counts = bench.count_errors(bits);
        for (std::size_t i = 0; i < counts.size(); ++i) {
          if (bench.array().lane(i).dead) continue;
          if (!(truth[i] * bits_d >= informative_from)) continue;
          ++out.informative;
          auto bound = analysis::ber_upper_bound(counts[i], bits, confidence);
          if (!bound) return std::unexpected(bound.error());
          if (truth[i] <= *bound) ++out.covered;
        }
      }
    }
  }
  return out;
}

}  // namespace ledlab::test
