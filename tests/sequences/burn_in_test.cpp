// sequences/burn_in.lua against the simulated bench's ground truth.
#include "run_support.hpp"

#include "support/burn_in_check.hpp"

using namespace ledlab;

TEST_CASE("a 1000 h burn-in recovers each lane's decay rate within 10 % and detects every failed lane") {
  constexpr double kStress = 85, kCurrent = 5e-3, kHours = 1000;
  auto run = test::run_sequence("burn_in.lua", {{"duration_h", "1000"}, {"interval_h", "2"}}, 5e5, "seq_burn_in.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto bench = test::truth_bench();
  test::settle(*bench, {kCurrent, 0, 0, true}, kStress);

  // On virtual time every scheduled reading is taken, on the hour, however loaded the machine.
  CHECK(run.out.find("skipped") == std::string::npos);
  const auto l70 = run.array_result("l70_h");
  REQUIRE(l70);
  const auto extra = nlohmann::json::parse(l70->extra_json);
  const double duration_h = extra["window"]["end_h"].get<double>();
  CHECK(duration_h == Approx(kHours).margin(1e-6));

  const auto failed = run.lane_results("lane_failed");
  REQUIRE(failed.size() == bench->lane_count());
  const auto decay = run.lane_results("decay_rate_pct_per_kh");
  std::map<int, double> alpha;
  for (const auto& [r, extra] : decay) alpha[*r.lane] = extra["fit"]["alpha_per_h"].get<double>();

  std::size_t compared = 0, truly_failed = 0;
  double worst_error = 0;
  int worst_lane = 0;
  std::vector<double> survivors;
  for (const auto& [r, extra] : failed) {
    const auto lane = static_cast<std::size_t>(*r.lane - 1);
    INFO("lane " << *r.lane);
    if (bench->array().lane(lane).dead) {
      CHECK(extra.value("dead", false));
      CHECK(r.verdict == db::Verdict::dead);  // counted dead, not failed
      CHECK_FALSE(alpha.contains(*r.lane));  // no decay figure for a dark lane
      continue;
    }
    CHECK_FALSE(extra.value("dead", false));
    // Equivalent reference hours per stress hour, and when the lane's early failure strikes.
    const double alpha_true = bench->ageing_rate_per_h(lane);
    const double per_hour = alpha_true / bench->lane_ageing(lane).alpha_ref_per_h;
    const double fails_at_h = bench->lane_ageing(lane).failure_stress_h / per_hour;
    if (fails_at_h < 0.98 * kHours) {
      ++truly_failed;
      CHECK(r.value == 1);
      continue;
    }
    if (fails_at_h > 1.02 * duration_h + 2) CHECK(r.value == 0);
    if (r.value != 0) continue;
    REQUIRE(alpha.contains(*r.lane));
    ++compared;
    if (const double error = std::abs(alpha[*r.lane] / alpha_true - 1); error > worst_error)
      std::tie(worst_error, worst_lane) = std::tuple(error, *r.lane);
    survivors.push_back(alpha[*r.lane]);
  }
  CHECK(truly_failed >= 1);
  CHECK(compared > 350);
  INFO("worst decay-rate error " << 100 * worst_error << " % on lane " << worst_lane);
  CHECK(worst_error <= 0.10);

  // Array figures: failed and dead lanes are not averaged in.
  const auto median = run.array_result("decay_rate_median_pct_per_kh");
  REQUIRE(median);
  std::vector<double> pct;
  for (double a : survivors) pct.push_back(100 * (1 - std::exp(-1000 * a)));
  CHECK(median->value == Approx(analysis::median(pct)).epsilon(1e-9));
  CHECK(extra["capped"].get<bool>());  // ~1 %/1000 h projects far beyond 6 x the test
  CHECK(l70->qualifier == db::Qualifier::at_least);  // and says so wherever it is shown: "> 6 kh"
  CHECK(extra["cap_h"].get<double>() == Approx(6 * duration_h).epsilon(1e-9));
  CHECK(l70->value == Approx(6 * duration_h).epsilon(1e-9));
  CHECK(extra["units"].get<std::size_t>() == compared);

  // The report plots the decay, its projection and the lane map.
  CHECK(run.report.find("Burn-in: power decay") != std::string::npos);
  CHECK(run.report.find("TM-21 projection") != std::string::npos);
  CHECK(run.report.find("class=\"heatmap\"") != std::string::npos);
}

namespace {

test::StoredBurnIn stored_readings(const std::string& db) {
  auto reader = db::Reader::open(std::string(LEDLAB_BINARY_DIR) + "/" + db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  return test::stored_burn_in(*reader, runs->front().id);
}

}  // namespace

TEST_CASE("a burn-in's stored figures are what analyse_burn_in gives on its stored readings, a lane failing midway") {
  // Lane 200 loses half its light 60 simulated hours after the start (the chamber settles in
  // the first quarter hour): after the array average has counted it, so the analysis takes a
  // second pass over the stored readings.
  auto run = test::run_sequence("burn_in.lua", {{"duration_h", "100"}, {"interval_h", "0.25"}}, 5e5,
                                "seq_burn_in_exact.sqlite", true, {{60 * 3600.0, "opm", "SIM:FAULT:LANE 200,0.5"}});
  INFO(run.out);
  REQUIRE(run.code == 0);
  CHECK(run.out.find("lane 200 failed at") != std::string::npos);
  CHECK(run.out.find("a second pass over the stored readings: lane") != std::string::npos);

  const auto table = stored_readings("seq_burn_in_exact.sqlite");
  CHECK(table.time_h.size() == 401);
  test::check_burn_in_results(run.results, table);
  for (const auto& [r, extra] : run.lane_results("lane_failed"))
    if (*r.lane == 200) CHECK(extra.contains("failed_at_h"));
}

TEST_CASE("a burn-in read every 3.6 s takes each scheduled reading once, at increasing times") {
  // At 0.001 h a reading's time can round to just under its slot: the schedule used to
  // derive the next slot from that time alone and read the same slot again at the same time.
  auto run = test::run_sequence("burn_in.lua", {{"duration_h", "0.05"}, {"interval_h", "0.001"}}, 5e5,
                                "seq_burn_in_fast.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  CHECK(run.out.find("skipped") == std::string::npos);
  const auto table = stored_readings("seq_burn_in_fast.sqlite");
  REQUIRE(table.time_h.size() == 51);
  for (std::size_t k = 0; k < table.time_h.size(); ++k) CHECK(table.time_h[k] == Approx(0.001 * k).margin(1e-9));
}
