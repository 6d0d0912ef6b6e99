#pragma once
// Reading-to-reading repeatability of an instrument measured across an array: readings of every
// lane taken back to back, where nothing but the instrument's noise changes between them.
//
// For a relative noise sigma on each reading, the ratio of two readings of a lane is
// 1 + d with d ~ N(0, 2 sigma^2); the median of |d| over lanes is 0.6745 sqrt2 sigma (the
// median absolute deviation of a normal, Hampel 1974), robust to the few lanes that move for
// another reason. Dark lanes (first reading at or below `floor`) carry no relative figure and
// are left out.
#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"

namespace ledlab::analysis {

struct Repeatability {
  double median_change = 0.0;   // median over lanes and consecutive pairs of |b / a - 1|
  double relative_sigma = 0.0;  // of one reading: median_change / (0.6745 sqrt2)
  std::size_t pairs = 0;        // lane pairs counted
};

// `readings`: two or more readings of all lanes, each the same length. Fails for fewer than two
// readings, mismatched lengths or no lit lane.
Result<Repeatability> repeatability(std::span<const std::vector<double>> readings, double floor = 0.0);

}  // namespace ledlab::analysis
