// The report's verdict and what it shows of a run: the same verdict model as `ledlab show`,
// bounds marked ">", and an aborted run's readings plotted instead of "FAIL: 0 of 0".
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "report/run_report.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

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
  CHECK(summary.starts_with("PASS: the one array verdict result passed (decay_rate_pct_per_kh: 1 pass); lane results, not "
                            "part of the verdict: 1 pass, 1 fail, 1 dead, 0 not judged"));
  CHECK(summary.find("lane_failed                        1 pass     1 fail     1 dead     0 not judged") != std::string::npos);
  CHECK(summary.find("l70_h > 6 kh") != std::string::npos);  // it used to print "l70_h = 6 kh"
  const std::string html = report_of(tmp.path(), run);
  CHECK(html.find("<span class=\"verdict pass\">PASS</span>") != std::string::npos);
  CHECK(html.find("<th>dead</th><th>not judged</th>") != std::string::npos);
}

TEST_CASE("the BER section names the worst lane with its row and column, on a power-of-ten axis with the limit in the legend") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "ber_vs_temperature", .script_text = "x", .started_s = kT0}).value();
    for (double t : {25.0, 85.0}) {
      for (int lane = 1; lane <= 40; ++lane) {
        const double errors = lane == 10 && t == 85.0 ? 30 : 0;
        const double upper = errors > 0 ? 1.2e-10 : 1e-12;
        REQUIRE(store->record_result(
            run.id, {.name = "ber_upper", .lane = lane, .value = upper, .unit = "1", .upper_limit = 1e-12,
                     .verdict = lane == 4 ? std::optional(db::Verdict::dead) : std::nullopt,
                     .extra_json = fmt::format(R"({{"temperature_c":{},"errors":{},"bits":3e12,"ber":{},"ber_lower":{}}})", t,
                                               errors, errors / 3e12, errors > 0 ? 0.7e-11 : 0.0)}));
      }
      REQUIRE(store->record_result(run.id, {.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 1,
                                            .extra_json = fmt::format(R"({{"temperature_c":{}}})", t)}));
    }
    REQUIRE(store->end_run(run.id, db::RunStatus::finished, kT0 + 3600.0));
  }
  const std::string html = report_of(tmp.path(), run);
  // 40 lanes without a station layout: 7 columns, so lane 10 is row 2, column 3.
  CHECK(html.find("Worst lane: <b>lane 10 (row 2, column 3)</b>, BER upper bound 1.2×10⁻¹⁰ at 85 °C (30 errors in "
                  "3×10¹² bits)") != std::string::npos);
  CHECK(html.find(">BER limit 10⁻¹²<") != std::string::npos);
  CHECK(html.find(">lane 10 (row 2, column 3): worst<") != std::string::npos);
  CHECK(html.find(">outlined: lane 10 (row 2, column 3), the highest bound here, 1.2×10⁻¹⁰<") != std::string::npos);
  CHECK(html.find(">1 p<") == std::string::npos);
  CHECK(html.find("<span class=\"verdict pass\">PASS</span>") != std::string::npos);
}

TEST_CASE("the report places lanes where the DUT's lanes table has them, not on a guessed grid") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    // 40 lanes numbered column by column on 5 rows x 8 columns, rows and columns from 1.
    db::DutRecord dut{.serial = "MLA-5x8-0001", .description = "5 x 8 array"};
    for (int lane = 1; lane <= 40; ++lane) dut.lanes.push_back({lane, (lane - 1) % 5 + 1, (lane - 1) / 5 + 1, ""});
    REQUIRE(store->upsert_dut(dut));
    run = store->begin_run({.sequence = "ber_vs_temperature", .script_text = "x", .dut_serial = dut.serial, .started_s = kT0}).value();
    for (int lane = 1; lane <= 40; ++lane)
      REQUIRE(store->record_result(run.id, {.name = "ber_upper", .lane = lane, .value = lane == 10 ? 1.2e-10 : 1e-12, .unit = "1",
                                            .upper_limit = 1e-12,
                                            .extra_json = R"({"temperature_c":25,"errors":0,"bits":3e12,"ber":0,"ber_lower":0})"}));
    REQUIRE(store->end_run(run.id, db::RunStatus::finished, kT0 + 3600.0));
  }
  const std::string html = report_of(tmp.path(), run);
  // Without the table lane 10 would be row 2, column 3 of a 7-column grid.
  CHECK(html.find("<b>lane 10 (row 5, column 2)</b>") != std::string::npos);
  CHECK(html.find("<title>lane 10 (row 5, column 2)") != std::string::npos);
}
