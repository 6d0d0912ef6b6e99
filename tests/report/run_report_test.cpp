// The report's verdict and what it shows of a run: the same verdict model as `ledlab show`,
// bounds marked ">", and an aborted run's readings plotted instead of "FAIL: 0 of 0".
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "report/run_report.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;

namespace {

constexpr double kT0 = 1700000000.0;

std::string report_of(const std::filesystem::path& db, const db::RunRecord& run) {
  auto reader = db::Reader::open(db).value();
  return report::render_run_report(reader, run.uuid).value();
}

std::string summary_of(const std::filesystem::path& db, const db::RunRecord& run) {
  auto reader = db::Reader::open(db).value();
  return report::render_run_summary(reader, run.uuid).value();
}

}  // namespace

TEST_CASE("an aborted burn-in's report says it has no verdict and plots the readings it recorded") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "burn_in", .script_text = "soak()", .started_s = kT0}).value();
    const std::string stress = R"({"stress_temperature_c":85,"drive_current_a":0.01})";
    const auto chamber =
        store->declare_series(run.id, {.quantity = "chamber_temperature", .unit = "C", .conditions_json = stress}).value();
    std::vector<db::SeriesId> lanes;
    for (int lane = 1; lane <= 6; ++lane)
      lanes.push_back(
          store->declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W", .conditions_json = stress})
              .value());
    for (int k = 0; k < 200; ++k) {  // 200 hourly readings, then the operator aborted it
      const double t = kT0 + 3600.0 * k;
      REQUIRE(store->append(chamber, t, 85.0));
      for (std::size_t i = 0; i < lanes.size(); ++i)
        REQUIRE(store->append(lanes[i], t, 1e-4 * (1 + 0.1 * static_cast<double>(i)) * (1 - 1e-4 * k)));
    }
    REQUIRE(store->end_run(run.id, db::RunStatus::aborted, kT0 + 3600.0 * 199.5));
  }
  const std::string html = report_of(tmp.path(), run);
  CHECK(html.find("FAIL") == std::string::npos);  // it used to say "FAIL: 0 of 0 judged results failed"
  CHECK(html.find("ABORTED (at 2023-11-23T05:43:20Z, 199.5 h after the start)</span> no verdict; 0 results recorded") !=
        std::string::npos);
  CHECK(html.find("<h2>Recorded readings</h2>") != std::string::npos);
  CHECK(html.find("median over lanes") != std::string::npos);
  CHECK(html.find(">optical_power</text>") != std::string::npos);        // a plot per quantity
  CHECK(html.find(">chamber_temperature</text>") != std::string::npos);
  CHECK(html.find("no data to plot") == std::string::npos);
  CHECK(summary_of(tmp.path(), run).starts_with("ABORTED (at 2023-11-23T05:43:20Z, 199.5 h after the start): no verdict"));
}

TEST_CASE("the report counts a dead lane once, judges the run by its array results and marks bounds with '>'") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "burn_in", .script_text = "soak()", .started_s = kT0}).value();
    REQUIRE(store->record_result(run.id, {.name = "lane_failed", .lane = 1, .value = 0, .upper_limit = 0}));
    REQUIRE(store->record_result(run.id, {.name = "lane_failed", .lane = 2, .value = 1, .upper_limit = 0}));
    REQUIRE(store->record_result(
        run.id, {.name = "lane_failed", .lane = 3, .value = 1, .upper_limit = 0, .verdict = db::Verdict::dead}));
    REQUIRE(store->record_result(run.id, {.name = "decay_rate_pct_per_kh", .value = 1.2, .unit = "%/1000h", .upper_limit = 5}));
    REQUIRE(store->record_result(run.id, {.name = "l70_h", .value = 6000, .unit = "h", .qualifier = db::Qualifier::at_least}));
    REQUIRE(store->end_run(run.id, db::RunStatus::finished, kT0 + 3600.0));
  }
  const std::string summary = summary_of(tmp.path(), run);
  INFO(summary);
  CHECK(summary.starts_with("PASS: all 1 array verdict results passed (decay_rate_pct_per_kh: 1 pass); lane results, not "
                            "part of the verdict: 1 pass, 1 fail, 1 dead, 0 not judged"));
  CHECK(summary.find("lane_failed                        1 pass     1 fail     1 dead     0 not judged") != std::string::npos);
  CHECK(summary.find("l70_h > 6 kh") != std::string::npos);  // it used to print "l70_h = 6 kh"
  const std::string html = report_of(tmp.path(), run);
  CHECK(html.find("<span class=\"verdict pass\">PASS</span>") != std::string::npos);
  CHECK(html.find("<th>dead</th><th>not judged</th>") != std::string::npos);
}
