#pragma once
// Frequency sweeps read through the BERT's noisy amplitude readings on a simulated bench, the
// way sequences/bandwidth.lua takes them, scored against the bench's own f3dB at the sweep's
// conditions. Shared by the f3dB accuracy test and tests/bench/bench_accuracy.cpp.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "analysis/f3db_estimate.hpp"
#include "core/error.hpp"
#include "instruments/sim/bench.hpp"

namespace ledlab::test {

// `points` log-spaced frequencies from f_start_hz to f_stop_hz, both included.
inline std::vector<double> log_sweep(double f_start_hz, double f_stop_hz, int points) {
  std::vector<double> f(static_cast<std::size_t>(points));
  for (int k = 0; k < points; ++k)
    f[static_cast<std::size_t>(k)] = f_start_hz * std::pow(f_stop_hz / f_start_hz, k / (points - 1.0));
  return f;
}

// Readings averaged per point for a relative noise per point of at most 1 %: the rule of
// bandwidth.lua (averages = ceil((noise / target)^2)), here with the noise as configured.
inline int averages_for(double relative_noise) {
  return std::max(1, static_cast<int>(std::ceil(std::pow(relative_noise / 0.01, 2) - 1e-9)));
}

struct Sweep {
  std::vector<std::vector<double>> curves;  // per lane, per frequency
  std::vector<double> truth_hz;             // per lane, at the sweep's conditions
};

// What bandwidth.lua does: the drive (modulation 20 % of the bias) at each frequency, every
// lane's amplitude read at once, `averages` times.
inline Result<Sweep> sweep(sim::Bench& bench, double current_a, const std::vector<double>& freqs, int averages = 1) {
  Sweep s;
  s.curves.assign(bench.lane_count(), std::vector<double>(freqs.size()));
  for (std::size_t k = 0; k < freqs.size(); ++k) {
    if (auto st = bench.set_drive({current_a, 0.2 * current_a, freqs[k], true}); !st) return std::unexpected(st.error());
    for (int n = 0; n < averages; ++n) {
      const auto a = bench.measure_received_amplitudes_w();
      for (std::size_t i = 0; i < a.size(); ++i) s.curves[i][k] += a[i] / averages;
    }
  }
  for (std::size_t i = 0; i < bench.lane_count(); ++i) s.truth_hz.push_back(bench.f3db_hz(i));
  return s;
}

// The live lanes' median f3dB at `current_a` and the bench's present junction.
inline Result<double> median_f3db_hz(sim::Bench& bench, double current_a) {
  if (auto st = bench.set_drive({current_a, 0.2 * current_a, 0.0, true}); !st) return std::unexpected(st.error());
  std::vector<double> f3db;
  for (std::size_t i = 0; i < bench.lane_count(); ++i)
    if (!bench.array().lane(i).dead) f3db.push_back(bench.f3db_hz(i));
  std::ranges::sort(f3db);
  return f3db[f3db.size() / 2];
}

struct F3dbScore {
  std::size_t live = 0, within = 0, resolved = 0;
};

// Live lanes (every `stride`-th lane) whose estimate_f3db() is within `tolerance` of the truth;
// a lane whose estimate fails counts as live and not within.
inline F3dbScore score_f3db(const sim::Bench& bench, const Sweep& s, const std::vector<double>& freqs,
                            std::size_t stride = 1, double tolerance = 0.03) {
  F3dbScore out;
  for (std::size_t i = 0; i < bench.lane_count(); i += stride) {
    if (bench.array().lane(i).dead) continue;
    ++out.live;
    auto e = analysis::estimate_f3db(freqs, s.curves[i]);
    if (!e) continue;
    if (e->resolved) ++out.resolved;
    if (std::abs(e->f3db_hz / s.truth_hz[i] - 1.0) <= tolerance) ++out.within;
  }
  return out;
}

}  // namespace ledlab::test
