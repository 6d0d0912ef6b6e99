// f3dB measured through the BERT's noisy amplitude readings on bench variants the sequences
// were never tuned on, against the bench's own f3dB at the conditions of the sweep (issue 15:
// within 3 % for at least 95 % of live lanes at every current, with 1 % and 3 % amplitude
// noise, including sweeps that start within 2x of f3dB).
#include <catch2/catch.hpp>

#include "analysis/f3db_estimate.hpp"
#include "instruments/sim/bench.hpp"
#include "sim/variants.hpp"
#include "support/bandwidth_sweep.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace ledlab;

using test::averages_for;
using test::log_sweep;

namespace {

test::Sweep sweep(sim::Bench& bench, double current_a, const std::vector<double>& freqs, int averages = 1) {
  auto s = test::sweep(bench, current_a, freqs, averages);
  REQUIRE(s);
  return std::move(*s);
}

// Every other lane (a sample of 70-200 live lanes per variant, enough to tell 95 % from 90 %).
test::F3dbScore score(const sim::Bench& bench, const test::Sweep& s, const std::vector<double>& freqs) {
  return test::score_f3db(bench, s, freqs, 2);
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
        const test::F3dbScore sc = score(bench, s, freqs);
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
    const test::F3dbScore sc = score(bench, s, freqs);
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
