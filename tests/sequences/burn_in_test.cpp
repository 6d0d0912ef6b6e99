// sequences/burn_in.lua against the simulated bench's ground truth.
#include "run_support.hpp"

#include "support/burn_in_check.hpp"

#include <fmt/format.h>

#include <sstream>

using namespace ledlab;

TEST_CASE("a 1000 h burn-in recovers each lane's decay rate within 10 % and detects every catastrophic failure") {
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
      CHECK(extra.value("catastrophic", false));
      continue;
    }
    if (fails_at_h > 1.02 * duration_h + 2) CHECK_FALSE(extra.value("catastrophic", false));
    if (extra.value("catastrophic", false)) continue;
    // Every other lane is a unit of the array average, parametric failures included.
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

  // Array figures: catastrophic and dead lanes are not averaged in, every other lane is.
  const auto median = run.array_result("decay_rate_median_pct_per_kh");
  REQUIRE(median);
  std::vector<double> pct;
  for (double a : survivors) pct.push_back(100 * (1 - std::exp(-1000 * a)));
  CHECK(median->value == Approx(analysis::median(pct)).epsilon(1e-9));
  CHECK(extra["capped"].get<bool>());  // ~1 %/1000 h projects far beyond 6 x the test
  CHECK(l70->qualifier == db::Qualifier::at_least);  // and says so wherever it is shown: "> 6 kh"
  CHECK(extra["cap_h"].get<double>() == Approx(6 * duration_h).epsilon(1e-9));
  CHECK(l70->value == Approx(6 * duration_h).epsilon(1e-9));
  CHECK(l70->qualifier == db::Qualifier::at_least);  // stored as "> 6000 h", a lower bound
  CHECK(extra["units"].get<std::size_t>() == compared);
  const auto catastrophic = run.array_result("catastrophic_lanes");
  REQUIRE(catastrophic);
  CHECK(catastrophic->value >= truly_failed);
  CHECK(run.out.find("L70 > 6000 h") != std::string::npos);  // a capped lifetime is a lower bound

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
  CHECK(run.out.find("lane 200 failed catastrophically (sudden drop) at 60") != std::string::npos);
  CHECK(run.out.find("a second pass over the stored readings: lane") != std::string::npos);

  const auto table = stored_readings("seq_burn_in_exact.sqlite");
  CHECK(table.time_h.size() == 401);
  test::check_burn_in_results(run.results, table);
  for (const auto& [r, extra] : run.lane_results("lane_failed"))
    if (*r.lane == 200) CHECK(extra.value("catastrophic", false));
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

TEST_CASE("the report fits Ea on the junction across burn-ins of one current and fits another current apart") {
  // Three 60 h burn-ins at 5 mA (85, 105, 125 C) and one at 8 mA, one store; the report of the
  // 85 C run fits the three 5 mA runs on the junction temperature (the station's SMU measures
  // the electrical power) and warns of the 8 mA one.
  const auto bench = test::truth_bench();
  const sim::BenchConfig& config = bench->config();
  const std::string db = std::string(LEDLAB_BINARY_DIR) + "/seq_burn_in_arrhenius.sqlite";
  bool first = true;
  for (const auto& [t_c, i_a] : {std::pair{85.0, 5e-3}, {105.0, 5e-3}, {125.0, 5e-3}, {105.0, 8e-3}}) {
    auto req = test::sim_run_request("burn_in.lua",
                                     {{"duration_h", "60"}, {"interval_h", "3"}, {"stress_temperature_c", fmt::format("{}", t_c)},
                                      {"drive_current_a", fmt::format("{}", i_a)},
                                      {"thermal_resistance_c_per_w",
                                       fmt::format("{}", config.array.array_thermal_resistance_c_per_w)}},
                                     5e5, first ? db : db + ".unused", true);
    req.db = db;
    first = false;
    std::ostringstream out;
    INFO(out.str());
    REQUIRE(engine::run_sequence(req, out) == 0);
  }
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 4);
  auto html = report::render_run_report(*reader, runs->back().uuid);  // newest first: the 85 C run is last
  REQUIRE(html);
  INFO(*html);
  const auto at = html->find("Ea = <b>");
  REQUIRE(at != std::string::npos);
  const double ea = std::stod(html->substr(at + 8, 6));
  CHECK(ea == Approx(config.ageing.activation_energy_ev).margin(0.05));
  CHECK(html->find("fitted on the junction temperature (DUT + R_th x measured electrical power)") != std::string::npos);
  CHECK(html->find("95 % interval: 0.") != std::string::npos);
  CHECK(html->find("stressed at 2 currents (5 mA, 8 mA)") != std::string::npos);
  CHECK(html->find("no: other current") != std::string::npos);
}

namespace {

// The samples of one series of the only run in `db`.
std::vector<double> series_values(const std::string& db, const std::string& quantity) {
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  auto series = reader->series(runs->front().id);
  REQUIRE(series);
  std::vector<double> values;
  for (const auto& s : *series) {
    if (s.spec.quantity != quantity) continue;
    auto samples = reader->samples(s.id);
    REQUIRE(samples);
    for (const auto& x : *samples) values.push_back(x.value);
  }
  return values;
}

}  // namespace

TEST_CASE("a burn-in measures the array's electrical power with the SMU and puts it into the junction temperature") {
  constexpr double kStress = 85, kCurrent = 5e-3, kRth = 1.0;
  auto run = test::run_sequence("burn_in.lua",
                                {{"duration_h", "4"}, {"interval_h", "1"}, {"thermal_resistance_c_per_w", fmt::format("{}", kRth)},
                                 {"forward_voltage_v", "9"}},  // ignored: measured power wins over an assumed one
                                5e5, "seq_burn_in_power.sqlite");
  INFO(run.out);
  REQUIRE(run.code == 0);
  // At the start of the stress and at each of the 5 readings (0, 1, ..., 4 h).
  const auto watts = series_values(std::string(LEDLAB_BINARY_DIR) + "/seq_burn_in_power.sqlite", "electrical_power");
  REQUIRE(watts.size() == 6);
  // The bench's truth: every lane's diode at the junction the power heats (the SMU reads
  // 0.3 mV and 1e-4 of noise per lane, far below 0.5 %).
  auto bench = test::truth_bench();
  test::settle(*bench, {kCurrent, 0, 0, true}, kStress);
  const double truth_w = bench->array().electrical_power_w({kCurrent, 0, 0, true}, bench->junction_temperature_c());
  for (const double w : watts) CHECK(w == Approx(truth_w).epsilon(0.005));
  double mean = 0;
  for (const double w : watts) mean += w / static_cast<double>(watts.size());

  const auto decay = run.array_result("decay_rate_pct_per_kh");
  REQUIRE(decay);
  const auto extra = nlohmann::json::parse(decay->extra_json);
  CHECK(extra["electrical_power_basis"] == "measured");
  CHECK(extra["electrical_power_samples"].get<int>() == 6);
  CHECK(extra["electrical_power_w"].get<double>() == Approx(mean).epsilon(1e-12));
  const double dut_c = extra["dut_temperature_c"].get<double>();
  CHECK(extra["junction_temperature_c"].get<double>() == Approx(dut_c + kRth * mean).epsilon(1e-12));
  // The junction the bench's stress ran at, within the DUT's settling.
  CHECK(extra["junction_temperature_c"].get<double>() == Approx(bench->junction_temperature_c()).margin(0.1));
}

TEST_CASE("a burn-in on a station without an SMU says its junction temperature rests on an assumed power") {
  const std::string db = std::string(LEDLAB_BINARY_DIR) + "/seq_burn_in_no_smu.sqlite";
  auto req = test::sim_run_request("burn_in.lua",
                                   {{"duration_h", "4"}, {"interval_h", "1"}, {"thermal_resistance_c_per_w", "1"},
                                    {"forward_voltage_v", "3.3"}},
                                   5e5, db, true);
  std::erase_if(req.station.instruments, [](const auto& i) { return i.name == "smu"; });
  std::ostringstream out;
  REQUIRE(engine::run_sequence(req, out) == 0);
  INFO(out.str());
  CHECK(series_values(db, "electrical_power").empty());
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  auto results = reader->results(runs->front().id);
  REQUIRE(results);
  bool seen = false;
  for (const auto& r : *results) {
    if (r.name != "decay_rate_pct_per_kh" || r.lane) continue;
    const auto extra = nlohmann::json::parse(r.extra_json);
    CHECK(extra["electrical_power_basis"] == "assumed");
    const double live = extra["units"].get<double>() + extra["catastrophic_lanes"].get<double>();
    CHECK(extra["electrical_power_w"].get<double>() == Approx(live * 5e-3 * 3.3).epsilon(1e-12));
    CHECK(extra["electrical_power_rule"].get<std::string>().find("ASSUMED") != std::string::npos);
    seen = true;
  }
  CHECK(seen);
}
