// f3dB measured through the BERT's noisy amplitude readings on bench variants the sequences
// were never tuned on, against the bench's own f3dB at the conditions of the sweep (issue 15:
// within 3 % for at least 95 % of live lanes at every current, with 1 % and 3 % amplitude
// noise, including sweeps that start within 2x of f3dB).
#include <catch2/catch.hpp>

#include "analysis/f3db_estimate.hpp"
#include "instruments/sim/bench.hpp"
#include "sim/variants.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace ledlab;

namespace {

std::vector<double> log_sweep(double f_start_hz, double f_stop_hz, int points) {
  std::vector<double> f(static_cast<std::size_t>(points));
  for (int k = 0; k < points; ++k) f[static_cast<std::size_t>(k)] = f_start_hz * std::pow(f_stop_hz / f_start_hz, k / (points - 1.0));
  return f;
}

struct Sweep {
  std::vector<std::vector<double>> curves;  // per lane, per frequency
  std::vector<double> truth_hz;             // per lane, at the sweep's conditions
};

// Readings averaged per point for a relative noise per point of at most 1 %: the rule of
// bandwidth.lua (averages = ceil((noise / target)^2)), here with the noise as configured.
int averages_for(double relative_noise) { return std::max(1, static_cast<int>(std::ceil(std::pow(relative_noise / 0.01, 2) - 1e-9))); }

// What bandwidth.lua does: the drive at each frequency, every lane's amplitude read at once,
// `averages` times.
Sweep sweep(sim::Bench& bench, double current_a, const std::vector<double>& freqs, int averages = 1) {
  Sweep s;
  s.curves.assign(bench.lane_count(), std::vector<double>(freqs.size()));
  for (std::size_t k = 0; k < freqs.size(); ++k) {
    REQUIRE(bench.set_drive({current_a, 0.2 * current_a, freqs[k], true}));
    for (int n = 0; n < averages; ++n) {
      const auto a = bench.measure_received_amplitudes_w();
      for (std::size_t i = 0; i < a.size(); ++i) s.curves[i][k] += a[i] / averages;
    }
  }
  for (std::size_t i = 0; i < bench.lane_count(); ++i) s.truth_hz.push_back(bench.f3db_hz(i));
  return s;
}

struct Score {
  std::size_t live = 0, within = 0, resolved = 0;
};

// Every other lane (a sample of 70-200 live lanes per variant, enough to tell 95 % from 90 %).
Score score(sim::Bench& bench, const Sweep& s, const std::vector<double>& freqs, bool use_fit) {
  Score out;
  for (std::size_t i = 0; i < bench.lane_count(); i += 2) {
    if (bench.array().lane(i).dead) continue;
    ++out.live;
    double f = 0;
    if (use_fit) {
      auto e = analysis::estimate_f3db(freqs, s.curves[i]);
      if (!e) continue;
      f = e->f3db_hz;
      if (e->resolved) ++out.resolved;
    } else {
      auto e = analysis::f3db_from_curve(freqs, s.curves[i]);
      if (!e) continue;
      f = e->f3db_hz;
    }
    if (std::abs(f / s.truth_hz[i] - 1.0) <= 0.03) ++out.within;
  }
  return out;
}

}  // namespace

TEST_CASE("f3dB is within 3 % of truth for 95 % of live lanes with amplitude noise on unseen benches") {
  // Currents from where f3dB is ~4x the sweep's start (0.3 mA on the 20 um variant) to the top
  // of the range; with 3 % noise two of them, to keep the test's run time modest.
  const auto freqs = log_sweep(10e6, 6e9, 31);
  for (const double noise : {0.01, 0.03}) {
    const std::vector<double> currents = noise < 0.02 ? std::vector<double>{0.3e-3, 1e-3, 15e-3}
                                                      : std::vector<double>{0.3e-3, 5e-3};
    for (auto v : sim::test::unseen_variants()) {
      v.config.bert.amplitude_relative_noise = noise;
      sim::Bench bench(v.config);
      for (const double current : currents) {
        const auto s = sweep(bench, current, freqs, averages_for(noise));
        const Score sc = score(bench, s, freqs, true);
        INFO(v.name << ", " << noise * 100 << " % noise, " << averages_for(noise) << " readings per point, "
                    << current * 1e3 << " mA: " << sc.within << " of " << sc.live << " live lanes within 3 %, "
                    << sc.resolved << " resolved");
        CHECK(sc.within >= 0.95 * static_cast<double>(sc.live));
      }
    }
  }
}

TEST_CASE("f3dB stays within 3 % when the sweep starts within 2x of it") {
  // A sweep starting at half the array's median f3dB: few points on the plateau, and lanes
  // slower than the median start closer still.
  for (auto v : sim::test::unseen_variants()) {
    v.config.bert.amplitude_relative_noise = 0.02;
    sim::Bench bench(v.config);
    const double current = 1e-3;
    REQUIRE(bench.set_drive({current, 0.2 * current, 0.0, true}));
    std::vector<double> f3db;
    for (std::size_t i = 0; i < bench.lane_count(); ++i)
      if (!bench.array().lane(i).dead) f3db.push_back(bench.f3db_hz(i));
    std::ranges::sort(f3db);
    const auto freqs = log_sweep(0.5 * f3db[f3db.size() / 2], 6e9, 31);
    const auto s = sweep(bench, current, freqs, averages_for(0.02));
    const Score sc = score(bench, s, freqs, true);
    INFO(v.name << ": sweep from " << freqs.front() / 1e6 << " MHz, " << sc.within << " of " << sc.live
                << " within 3 %");
    CHECK(sc.within >= 0.95 * static_cast<double>(sc.live));
  }
}

TEST_CASE("interpolating against the first points' mean reads high where the sweep starts near f3dB") {
  // The bias the estimator above removes: noise-free, f3dB ~4x the first frequency.
  auto v = sim::test::unseen_variants().front();
  v.config.bert.amplitude_relative_noise = 0.0;
  v.config.bert.amplitude_absolute_noise_w = 0.0;
  sim::Bench bench(v.config);
  const double current = 0.3e-3;
  REQUIRE(bench.set_drive({current, 0.2 * current, 0.0, true}));
  std::vector<double> f3db;
  for (std::size_t i = 0; i < bench.lane_count(); ++i)
    if (!bench.array().lane(i).dead) f3db.push_back(bench.f3db_hz(i));
  std::ranges::sort(f3db);
  const auto freqs = log_sweep(0.25 * f3db[f3db.size() / 2], 6e9, 31);
  const auto s = sweep(bench, current, freqs);
  std::vector<double> ratio;
  for (std::size_t i = 0; i < bench.lane_count(); ++i) {
    if (bench.array().lane(i).dead) continue;
    auto plain = analysis::f3db_from_curve(freqs, s.curves[i]);
    auto e = analysis::estimate_f3db(freqs, s.curves[i]);
    REQUIRE(plain);
    REQUIRE(e);
    CHECK(e->f3db_hz == Approx(s.truth_hz[i]).epsilon(0.01));
    ratio.push_back(plain->f3db_hz / s.truth_hz[i]);
  }
  std::ranges::sort(ratio);
  CHECK(ratio[ratio.size() / 2] > 1.03);
}
