#pragma once
// Synthetic frequency sweeps for the analysis tests.
#include <cmath>
#include <vector>

namespace ledlab::analysis::test {

// Log-spaced frequencies from f_start_hz to f_stop_hz, points_per_decade apart.
inline std::vector<double> log_sweep_hz(double f_start_hz, double f_stop_hz, int points_per_decade) {
  std::vector<double> f;
  const double step = 1.0 / points_per_decade;
  for (double e = std::log10(f_start_hz); e <= std::log10(f_stop_hz) + 1e-9; e += step)
    f.push_back(std::pow(10.0, e));
  return f;
}

}  // namespace ledlab::analysis::test
