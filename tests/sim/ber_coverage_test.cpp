// BER upper bounds from the BERT twin's error counts against the bench's true BER, on bench
// variants the sequences were never tuned on (issue 15: the 95 % upper bounds cover the true
// BER for 93-98 % of informative lanes).
// "Informative" as support/ber_coverage.hpp defines it.
#include <catch2/catch.hpp>

#include "analysis/ber_confidence.hpp"
#include "instruments/sim/bench.hpp"
#include "sim/variants.hpp"
#include "support/ber_coverage.hpp"

#include <cmath>

using namespace ledlab;

namespace {
constexpr double kConfidence = 0.95;
}

TEST_CASE("BER 95 % upper bounds cover the true BER for 93-98 % of informative lanes on unseen benches") {
  test::BerCoverage all;
  for (const auto& v : sim::test::unseen_variants()) {
    sim::Bench bench(v.config, Clock::manual());
    REQUIRE(bench.set_drive({5e-3, 3e-3, 0.0, true}));
    // Gates over five decades, so lanes from 1e-4 to 1e-12 are each informative in some.
    auto c = test::ber_coverage(bench, {2e9, 3e9}, {1e8, 1e9, 1e10, 1e11, 1e12}, 1, kConfidence);
    REQUIRE(c);
    all += *c;
  }
  INFO(all.covered << " of " << all.informative << " informative lane-gates covered");
  REQUIRE(all.informative > 2000);
  CHECK(all.fraction() >= 0.93);
  CHECK(all.fraction() <= 0.98);
}

TEST_CASE("the BERT twin's error counts are Poisson with mean BER x bits") {
  sim::BenchConfig config;
  config.seed = 4242;
  sim::Bench bench(config, Clock::manual());
  REQUIRE(bench.set_drive({5e-3, 3e-3, 0.0, true}));
  REQUIRE(bench.set_bert(3e9, 31));
  // A lane with a few tens of errors per gate: the variance equals the mean (dispersion 1).
  const auto truth = bench.bers();
  const double bits = 1e9;
  std::size_t lane = truth.size();
  for (std::size_t i = 0; i < truth.size(); ++i)
    if (truth[i] * bits > 10 && truth[i] * bits < 100) lane = i;
  REQUIRE(lane < truth.size());
  const double mean = truth[lane] * bits;
  double sum = 0, sum2 = 0;
  constexpr int kGates = 4000;
  for (int g = 0; g < kGates; ++g) {
    const auto k = static_cast<double>(bench.count_errors(lane, static_cast<std::uint64_t>(bits)));
    sum += k;
    sum2 += k * k;
  }
  const double m = sum / kGates;
  const double var = sum2 / kGates - m * m;
  CHECK(m == Approx(mean).epsilon(5 * std::sqrt(mean / kGates) / mean));
  CHECK(var / m == Approx(1.0).epsilon(0.1));
}
