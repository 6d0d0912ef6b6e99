// sequences/ber_vs_temperature.lua against the simulated bench's ground truth.
#include "analysis/ber_confidence.hpp"
#include "run_support.hpp"

using namespace ledlab;

namespace {
// A hard link (4 Gb/s, small modulation) so that many lanes count errors in a short gate and
// the bounds are tested where they matter, not only where they are trivially above the truth.
constexpr double kRate = 3e9, kBias = 5e-3, kMod = 3e-3, kConfidence = 0.95;
}  // namespace

TEST_CASE("BER upper bounds at 95 % lie above the true BER for about 95 % of the lanes that count errors") {
  const std::vector<double> temps{25, 85};
  auto run = test::run_sequence("ber_vs_temperature.lua",
                                {{"temps", "25,85"}, {"bit_rate_hz", "3e9"}, {"modulation_a", "3e-3"},
                                 {"target_ber", "1e-9"}, {"ber_limit", "1e-9"}, {"soak_s", "120"}},
                                36000, "seq_ber.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto bench = test::truth_bench();
  REQUIRE(bench->set_bert(kRate, 31));

  std::size_t counted = 0, covered = 0, inside = 0, zero_error_lanes = 0;
  std::vector<double> ratio;  // measured / true BER where the count is large
  for (double t : temps) {
    test::settle(*bench, {kBias, kMod, 0, true}, t);
    const auto truth = bench->bers();
    const auto results = run.lane_results("ber_upper", "temperature_c", t);
    REQUIRE(results.size() == truth.size());
    std::size_t live = 0, error_free = 0, good = 0;
    for (const auto& [r, extra] : results) {
      const auto lane = static_cast<std::size_t>(*r.lane - 1);
      INFO("lane " << *r.lane << " at " << t << " C");
      const auto errors = extra["errors"].get<std::uint64_t>();
      const auto bits = extra["bits"].get<std::uint64_t>();
      // The stored bound is the chi-square bound of the stored counts, judged against the limit.
      CHECK(r.value == Approx(*analysis::ber_upper_bound(errors, bits, kConfidence)));
      CHECK(r.upper_limit == Approx(1e-9));
      if (bench->array().lane(lane).dead) {
        CHECK(extra.value("dead", false));
        CHECK(r.verdict == db::Verdict::dead);  // counted dead, not failed
        continue;
      }
      CHECK_FALSE(extra.value("dead", false));
      ++live;
      if (errors == 0) ++error_free, ++zero_error_lanes;
      if (r.value <= 1e-9) ++good;
      const double expected = truth[lane] * static_cast<double>(bits);
      if (expected > 1e4) ratio.push_back(extra["ber"].get<double>() / truth[lane]);
      // Where the truth is far below what the gate can see, a bound above it proves nothing; far
      // above, the bound is so tight (0.1 % at 1e6 errors) that it tests the twin's model
      // against this copy of it, not the statistics.
      if (expected < 0.5 || expected > 300) continue;
      ++counted;
      if (truth[lane] <= r.value) ++covered;
      if (truth[lane] <= r.value && truth[lane] >= extra["ber_lower"].get<double>()) ++inside;
    }
    // The array results count the same lanes.
    for (const auto& r : run.results) {
      if (r.lane) continue;
      const auto extra = nlohmann::json::parse(r.extra_json);
      if (!extra.contains("temperature_c") || extra["temperature_c"].get<double>() != t) continue;
      if (r.name == "error_free_lanes") CHECK(r.value == error_free);
      if (r.name == "aggregate_throughput_bps") CHECK(r.value == Approx(good * kRate));
      if (r.name == "array_pass") CHECK(r.value == (good >= 380 ? 1 : 0));
    }
  }
  WARN(counted << " lane-temperatures with measurable BER, " << covered << " under their upper bound, " << inside << " between both");
  REQUIRE(counted >= 100);
  const double coverage = static_cast<double>(covered) / static_cast<double>(counted);
  CHECK(coverage >= 0.90);
  // Both one-sided 95 % bounds together hold the truth about 90 % of the time.
  CHECK(static_cast<double>(inside) / static_cast<double>(counted) >= 0.82);
  CHECK(zero_error_lanes > 0);
  // Large counts measure the true BER itself.
  REQUIRE(ratio.size() > 20);
  CHECK(analysis::median(ratio) == Approx(1.0).epsilon(0.05));
  // The report shows the bounds on a log axis and the per-temperature verdicts.
  CHECK(run.report.find("BER vs temperature") != std::string::npos);
  CHECK(run.report.find(">10⁻⁹<") != std::string::npos);  // a decade of the log BER axis, as a power of ten
  CHECK(run.report.find("Worst lane: <b>lane ") != std::string::npos);
  CHECK(run.report.find("error-free lanes") != std::string::npos);
}
