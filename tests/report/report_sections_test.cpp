// The bandwidth, burn-in and LIV sections name their worst lane in the text and outline it on
// the lane map, put the sequence's limits on the maps, print values with their qualifier and
// count lanes the way the results say (dead, catastrophic and failed lanes apart).
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

bool has(const std::string& html, const std::string& text) { return html.find(text) != std::string::npos; }

}  // namespace

TEST_CASE("the burn-in section names the fastest decaying lane that did not fail catastrophically and draws catastrophic and dead lanes apart") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "burn_in", .script_text = "x", .started_s = kT0}).value();
    // 12 lanes (no station layout: 4 columns). Lane 2 failed parametrically, lane 3
    // catastrophically (its "decay rate" is the fastest: it runs across the drop), lane 4 dead.
    const std::string stress = R"({"stress_temperature_c":85,"drive_current_a":0.005})";
    for (int lane = 1; lane <= 12; ++lane) {
      const auto power =
          store->declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W", .conditions_json = stress}).value();
      for (int k = 0; k < 3; ++k) REQUIRE(store->append(power, kT0 + 3600.0 * k, 1e-4 * (1 - 0.01 * k)));
      if (lane == 4) {
        REQUIRE(store->record_result(run.id, {.name = "lane_failed", .lane = lane, .value = 1, .upper_limit = 0,
                                              .verdict = db::Verdict::dead, .extra_json = R"({"dead":true})"}));
        continue;
      }
      const bool parametric = lane == 2, catastrophic = lane == 3;
      REQUIRE(store->record_result(
          run.id, {.name = "lane_failed", .lane = lane, .value = parametric || catastrophic ? 1.0 : 0.0, .upper_limit = 0,
                   .extra_json = fmt::format(R"({{"failure_limit":0.2,"parametric":{},"catastrophic":{}}})", parametric,
                                             catastrophic)}));
      const double rate = catastrophic ? 50.0 : lane == 5 ? 3.1 : 1.0;
      REQUIRE(store->record_result(
          run.id, {.name = "decay_rate_pct_per_kh", .lane = lane, .value = rate, .unit = "%/1000h",
                   .upper_limit = catastrophic ? std::nullopt : std::optional(2.0),
                   .extra_json = fmt::format(R"({{"catastrophic":{},"resolved":{},"fit":{{"alpha_per_h":{},"alpha_se_per_h":2e-6}}}})",
                                             catastrophic, lane != 7, rate * 1e-5)}));
    }
    REQUIRE(store->record_result(run.id, {.name = "decay_rate_pct_per_kh", .value = 1.2, .unit = "%/1000h", .upper_limit = 2,
                                          .extra_json = R"({"alpha_per_h":1.2e-5,"b":1.0,"cap_h":6000})"}));
    REQUIRE(store->record_result(
        run.id, {.name = "l70_h", .value = 6000, .unit = "h",
                 .extra_json = R"({"capped":true,"raw_h":29700,"lo_h":4100,"hi_h":null,"interval":{"confidence":0.9}})",
                 .qualifier = db::Qualifier::at_least}));
    REQUIRE(store->record_result(run.id, {.name = "l90_h", .value = 1500, .unit = "h",
                                          .extra_json = R"({"capped":false,"lo_h":1200,"hi_h":2000,"interval":{"confidence":0.9}})"}));
    REQUIRE(store->end_run(run.id, db::RunStatus::finished, kT0 + 3600.0));
  }
  const std::string html = report_of(tmp.path(), run);
  INFO(html);
  CHECK(has(html, "Fastest-decaying lane without a catastrophic failure: <b>lane 5 (row 2, column 1)</b>, 3.1 %/1000h "
                  "(alpha 3.1e-05 ± 2e-06 /h, one standard error), limit 2 %/1000h: <b class=fail>fail</b>."));
  CHECK(has(html, ">outlined: lane 5 (row 2, column 1), fastest decay without a catastrophic failure, 3.1 %/1000h<"));
  CHECK(has(html, "<title>limit 2 %/kh</title>"));  // the max decay rate on the colour bar
  CHECK(has(html, ">red ×: failed (beyond the failure limit) (1)    black dot: catastrophic failure (1)    dark grey: dead (1)<"));
  CHECK(has(html, "1 lanes failed (power beyond 20 % of the first reading, confirmed; they stay in the array average), 1 "
                  "failed catastrophically (left out of it), 1 dead from the start."));
  CHECK(has(html, ">-20 %: failure<"));  // the sequence's failure limit, not a fixed 10 %
  // Lane 7 is not resolved; of the 10 fitted lanes that are neither dead nor catastrophic.
  CHECK(has(html, "1 of 10 fitted lanes without a catastrophic failure have a decay rate within two standard errors of zero"));
  CHECK(has(html, "Array L70: <b>&gt; 6000 h</b> (capped at the TM-21 limit; the fit alone projects 29700 h); 90 % interval "
                  "at least 4100 h (uncapped, from the decay rate's interval)."));
  CHECK(has(html, "Array L90: <b>1500 h</b>; 90 % interval 1200 h to 2000 h"));
  CHECK(has(html, "<td>l70_h</td><td>&gt; 6 kh</td>"));
}

TEST_CASE("the bandwidth section names the slowest resolved lane at each current and judges bit rates against their limit") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "bandwidth", .script_text = "x", .started_s = kT0}).value();
    for (double current : {1e-3, 5e-3}) {
      for (int lane = 1; lane <= 12; ++lane) {
        const std::string at = fmt::format(R"("drive_current_a":{},"current_density_a_cm2":{})", current, current / 5e-7);
        if (lane == 9) {
          REQUIRE(store->record_result(run.id, {.name = "f3db_hz", .lane = lane, .value = 0, .unit = "Hz",
                                                .verdict = db::Verdict::dead,
                                                .extra_json = "{" + at + R"(,"dead":true})"}));
          continue;
        }
        // Lane 2's sweep did not resolve it (its figure, lower than any, is not the slowest).
        const bool resolved = lane != 2 && lane != 3;
        const double f = lane == 2 ? 100e6 : lane == 3 ? 0.0 : (lane == 6 ? 300e6 : 900e6) * current / 1e-3;
        REQUIRE(store->record_result(
            run.id, {.name = "f3db_hz", .lane = lane, .value = f, .unit = "Hz",
                     .extra_json = fmt::format(R"({{{},"resolved":{},"note":"sweep starts too close"}})", at, resolved)}));
      }
    }
    for (int lane = 1; lane <= 12; ++lane)
      REQUIRE(store->record_result(run.id, {.name = "max_bit_rate_bps", .lane = lane, .value = lane == 7 ? 1e9 : 3e9,
                                            .unit = "b/s", .lower_limit = 2e9,
                                            .verdict = lane == 9 ? std::optional(db::Verdict::dead) : std::nullopt}));
    REQUIRE(store->end_run(run.id, db::RunStatus::finished, kT0 + 3600.0));
  }
  const std::string html = report_of(tmp.path(), run);
  INFO(html);
  CHECK(has(html, "<td>300 MHz, lane 6 (row 2, column 2)</td><td>9</td><td>2</td>"));   // at 1 mA
  CHECK(has(html, "<td>1.5 GHz, lane 6 (row 2, column 2)</td><td>9</td><td>2</td>"));  // at 5 mA
  CHECK(has(html, "Slowest lane at 5 mA: <b>lane 6 (row 2, column 2)</b>, f3dB 1.5 GHz."));
  CHECK(has(html, ">outlined: lane 6 (row 2, column 2), the lowest resolved f3dB, 1.5 GHz<"));
  CHECK(has(html, "1 of 11 live lanes under the limit of 2 Gb/s; slowest live lane <b>lane 7 (row 2, column 3)</b> at 1 Gb/s."));
  CHECK(has(html, "<title>limit 2 Gb/s</title>"));
  CHECK(has(html, ">red ×: under the bit-rate limit (1)    dark grey: dead (1)<"));
}

TEST_CASE("the LIV section names the lowest peak EQE and highest forward voltage among live lanes, with qualifiers and the leakage limit") {
  db::test::TempDb tmp;
  db::RunRecord run;
  {
    auto store = db::Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "liv", .script_text = "x", .started_s = kT0}).value();
    const std::string emitter = R"("diameter_um":8,"wavelength_nm":450)";
    for (int lane = 1; lane <= 9; ++lane) {  // 3 columns
      if (lane == 1) {  // dead: an open emitter reads the compliance voltage and leaks nothing useful
        REQUIRE(store->record_result(run.id, {.name = "peak_eqe", .lane = lane, .value = 0, .unit = "1",
                                              .verdict = db::Verdict::dead, .extra_json = "{" + emitter + R"(,"dead":true})"}));
      } else if (lane == 2) {  // too few points inside compliance: stored as 0, no peak
        REQUIRE(store->record_result(run.id, {.name = "peak_eqe", .lane = lane, .value = 0, .unit = "1",
                                              .extra_json = "{" + emitter + R"(,"not_judged":"fewer than 3 points"})"}));
      } else {
        const bool edge = lane == 3;
        REQUIRE(store->record_result(
            run.id, {.name = "peak_eqe", .lane = lane, .value = edge ? 0.05 : 0.1 + 0.01 * lane, .unit = "1",
                     .extra_json = fmt::format(R"({{{},"peak_at_edge":{}}})", emitter, edge),
                     .qualifier = edge ? db::Qualifier::at_least : db::Qualifier::exact}));
      }
      REQUIRE(store->record_result(run.id, {.name = "forward_voltage_v", .lane = lane,
                                            .value = lane == 1 ? 8.0 : lane == 8 ? 3.4 : 3.0, .unit = "V"}));
      REQUIRE(store->record_result(run.id, {.name = "reverse_leakage_a", .lane = lane,
                                            .value = lane == 1 ? 1e-3 : lane == 4 ? 2e-7 : 1e-9, .unit = "A",
                                            .upper_limit = 1e-7}));
    }
    REQUIRE(store->end_run(run.id, db::RunStatus::finished, kT0 + 3600.0));
  }
  const std::string html = report_of(tmp.path(), run);
  INFO(html);
  CHECK(has(html, "Lowest peak EQE: <b>lane 3 (row 1, column 3)</b>, &gt; 5 %."));
  CHECK(has(html, ">outlined: lane 3 (row 1, column 3), the lowest peak EQE, &gt; 5 %<"));
  CHECK(has(html, "Highest forward voltage at the operating current: <b>lane 8 (row 3, column 2)</b>, 3.4 V."));
  CHECK(has(html, "Highest reverse leakage: <b>lane 4 (row 2, column 1)</b>, 200 nA."));
  CHECK(has(html, "<td>live lanes over the leakage limit of 100 nA</td><td>1</td>"));
  CHECK(has(html, "<td>lanes with fewer than 3 points inside compliance (no peak)</td><td>1</td>"));
  CHECK(has(html, "<td>16 % (1 of them lower bounds: peak at the sweep's edge)</td>"));  // 5 %, 14 % .. 19 %
  CHECK(has(html, "<td>median forward voltage at the operating current, live lanes</td><td>3 V</td>"));
  CHECK(has(html, "<title>limit 100 nA</title>"));
}
