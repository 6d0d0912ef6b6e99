// `ledlab show`: a summary that stays one screen however many series a run has, with the
// details behind options.
#include "cli_support.hpp"
#include "db/result_stats.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

using namespace ledlab;
using namespace ledlab::db;
using ledlab::db::test::run_cli;

namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The first line starting with `start` (std::regex on a whole long output overflows the stack).
std::string line_starting(const std::string& text, std::string_view start) {
  for (const auto& l : lines(text))
    if (l.starts_with(start)) return l;
  return "(no line starts with '" + std::string(start) + "')";
}

std::size_t count_lines(const std::string& text, std::string_view needle) {
  const auto all = lines(text);
  return static_cast<std::size_t>(std::ranges::count_if(all, [&](const std::string& l) { return l.find(needle) != std::string::npos; }));
}

// A characterisation run of a 400-lane array: 1201 series, 401 results, 12 events.
struct ManySeries {
  test::TempDb tmp;
  RunRecord run;

  ManySeries() {
    auto store = Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "ber_vs_temperature", .script_text = "sweep()", .started_s = 1700000000.0}).value();
    const SeriesId chamber = store->declare_series(run.id, {.quantity = "chamber_temperature", .unit = "C"}).value();
    REQUIRE(store->append(chamber, 1700000001.0, 25.0));
    REQUIRE(store->append(chamber, 1700003600.0, 85.0));
    for (int lane = 1; lane <= 400; ++lane) {
      const SeriesId power = store->declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W"}).value();
      REQUIRE(store->append(power, 1700000010.0, 1e-4));
      for (int t : {25, 85}) {
        const SeriesId ber = store->declare_series(run.id, {.lane = lane, .quantity = "ber", .unit = "1",
                                                             .conditions_json = fmt::format(R"({{"temperature_c":{}}})", t)})
                                 .value();
        REQUIRE(store->append(ber, 1700000020.0 + t, 1e-13));
      }
      REQUIRE(store->record_result(run.id, {.name = "ber_upper", .lane = lane, .value = lane == 17 ? 3e-12 : 1e-13,
                                            .unit = "1", .upper_limit = 1e-12, .t_s = 1700003000.0}));
    }
    REQUIRE(store->record_result(run.id, {.name = "error_free_lanes", .value = 399, .unit = "1", .t_s = 1700003000.0}));
    for (int k = 0; k < 10; ++k)
      REQUIRE(store->log_event(run.id, {.t_s = 1700000100.0 + k, .kind = EventKind::info, .source = "script",
                                        .message = fmt::format("step {}", k)}));
    REQUIRE(store->end_run(run.id, RunStatus::finished, 1700003700.0));
  }
};

}  // namespace

TEST_CASE_METHOD(ManySeries, "show summarises a run of 1201 series in one line per quantity and one per result name") {
  std::string out, err;
  REQUIRE(run_cli({"show", run.uuid.substr(0, 8), "--db", tmp.path().string()}, out, err) == 0);
  INFO(out);
  CHECK(lines(out).size() < 50);  // one screen, not one line per series or per result
  CHECK_THAT(out, Catch::Contains("1201 series, 1202 samples, 401 results (1 failed), 12 events (0 alarms/faults)"));
  CHECK_THAT(out, Catch::Contains("status      finished\n"));
  CHECK_THAT(out, Catch::Contains("verdict     FAIL: 1 of 400 judged results failed (399 pass, 0 dead, 1 not judged); "
                                  "no array verdict results"));
  CHECK_THAT(out, Catch::Contains("series by quantity (3 quantities, 1201 series"));
  // quantity, unit, series, lanes, distinct conditions, samples, first, last
  CHECK_THAT(line_starting(out, "  optical_power "), Catch::Matches(R"(  optical_power +W +400  1-400 +1 +400  2023-11-14T22:13:30Z  2023-11-14T22:13:30Z)"));
  CHECK_THAT(line_starting(out, "  ber "), Catch::Matches(R"(  ber +1 +800  1-400 +2 +800  2023-11-14T22:14:05Z  2023-11-14T22:15:05Z)"));
  CHECK_THAT(line_starting(out, "  chamber_temperature "), Catch::Matches(R"(  chamber_temperature +C +1  - +1 +2  2023-11-14T22:13:21Z  2023-11-14T23:13:20Z)"));
  CHECK(count_lines(out, "optical_power") == 1);
  CHECK(count_lines(out, "ber_upper") == 1);  // results grouped by name: 400 results, one line
  CHECK_THAT(line_starting(out, "  ber_upper "), Catch::Matches(R"(  ber_upper +1 +400 1-400 +399 +1! +0 +0  1e-13 +1e-13 \.\. 1e-13 +3e-12 lane 17)"));
  CHECK_THAT(line_starting(out, "  error_free_lanes "), Catch::Matches(R"(  error_free_lanes +1 +1 - +0 +0 +0 +1  399 +- +-)"));
  CHECK_THAT(out, Catch::Contains("data        2023-11-14T22:13:21Z .. 2023-11-14T23:13:20Z (1.0 h)"));
  // The tail of the log: how the run ended.
  CHECK_THAT(out, Catch::Contains("... 7 earlier"));
  CHECK_THAT(out, Catch::Contains("state     store      finished"));
  CHECK(count_lines(out, "step ") == 4);
}

TEST_CASE_METHOD(ManySeries, "show --details lists every series, every result and every event") {
  std::string out, err;
  REQUIRE(run_cli({"show", run.uuid, "--db", tmp.path().string(), "--details"}, out, err) == 0);
  CHECK(count_lines(out, " optical_power ") == 1 + 400);   // the quantity line and each series
  CHECK(count_lines(out, "{\"temperature_c\":85}") == 400);
  CHECK(count_lines(out, "ber_upper ") == 1 + 400);
  CHECK(count_lines(out, "step ") == 10);
  CHECK_THAT(line_starting(out, fmt::format("  {:<20} lane 17 ", "ber_upper")),
             Catch::Matches(R"(  ber_upper +lane 17 +3e-12 +1 +\[-, 1e-12\] FAIL)"));

  REQUIRE(run_cli({"show", run.uuid, "--db", tmp.path().string(), "--series"}, out, err) == 0);
  CHECK(count_lines(out, " optical_power ") == 1 + 400);
  CHECK(count_lines(out, "ber_upper") == 1);  // results still grouped
}

TEST_CASE("show of a run with no series, results or events says so in a few lines") {
  test::TempDb tmp;
  RunRecord run;
  {
    auto store = Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "idle", .script_text = "", .started_s = 1700000000.0}).value();
  }
  std::string out, err;
  REQUIRE(run_cli({"show", run.uuid, "--db", tmp.path().string()}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("data        no samples"));
  CHECK_THAT(out, Catch::Contains("0 series, 0 samples, 0 results (0 failed)"));
  // The store closed under it: interrupted, so no verdict (it used to say FAIL).
  CHECK_THAT(out, Catch::Contains("verdict     INTERRUPTED (at 20"));
  CHECK_THAT(out, Catch::Contains("): no verdict; 0 results recorded (0 pass, 0 fail, 0 dead, 0 not judged)"));
}

TEST_CASE("show states the array verdict with what it is built from, dead lanes counted once and bounds marked") {
  test::TempDb tmp;
  RunRecord run;
  {
    auto store = Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "ber_vs_temperature", .script_text = "x", .started_s = 1700000000.0}).value();
    // 40 lanes at two temperatures: lane 3 fails its BER limit, lane 4 is dead; the array
    // criterion (array_pass, at least 35 good lanes) passes at both.
    for (double t : {25.0, 85.0}) {
      const std::string extra = fmt::format(R"({{"temperature_c":{}}})", t);
      for (int lane = 1; lane <= 40; ++lane)
        REQUIRE(store->record_result(run.id, {.name = "ber_upper", .lane = lane, .value = lane == 3 ? 1e-9 : 1e-13,
                                              .unit = "1", .upper_limit = 1e-12,
                                              .verdict = lane == 4 ? std::optional(Verdict::dead) : std::nullopt,
                                              .extra_json = extra, .t_s = 1700000100.0}));
      REQUIRE(store->record_result(run.id, {.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 1,
                                            .extra_json = extra, .t_s = 1700000100.0}));
    }
    REQUIRE(store->record_result(run.id, {.name = "l70_h", .lane = 1, .value = 6000, .unit = "h", .t_s = 1700000100.0,
                                          .qualifier = Qualifier::at_least}));
    REQUIRE(store->end_run(run.id, RunStatus::finished, 1700003700.0));
  }
  std::string out, err;
  REQUIRE(run_cli({"show", run.uuid, "--db", tmp.path().string(), "--results"}, out, err) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("verdict     PASS: all 2 array verdict results passed (array_pass: 2 pass); "
                                  "lane results, not part of the verdict: 76 pass, 2 fail, 2 dead, 1 not judged"));
  CHECK_THAT(line_starting(out, "  ber_upper "), Catch::Matches(R"(  ber_upper +1 +80 1-40 +76 +2! +2 +0  1e-13 +1e-13 \.\. 1e-13 +1e-09 lane 3)"));
  CHECK_THAT(line_starting(out, "  l70_h "), Catch::Matches(R"(  l70_h +h +1 1 +0 +0 +0 +1  > 6000 +- +-)"));
  CHECK_THAT(line_starting(out, fmt::format("  {:<20} lane 4 ", "ber_upper")), Catch::EndsWith("dead"));
  CHECK_THAT(line_starting(out, fmt::format("  {:<20} lane 1 ", "l70_h")), Catch::Contains("> 6000"));
}

TEST_CASE("show gives each result name's median, IQR and worst lane over the live lanes, dead lanes left out") {
  test::TempDb tmp;
  RunRecord run;
  {
    auto store = Store::open(tmp.path()).value();
    run = store->begin_run({.sequence = "bandwidth", .script_text = "x", .started_s = 1700000000.0}).value();
    // Lanes 1-4 at 1..4 GHz against a lower limit of 1.5 GHz (lane 1 fails); lane 5 is dead at 0.
    for (int lane = 1; lane <= 5; ++lane)
      REQUIRE(store->record_result(run.id, {.name = "f3db_hz", .lane = lane, .value = lane == 5 ? 0.0 : lane * 1e9,
                                            .unit = "Hz", .lower_limit = 1.5e9,
                                            .verdict = lane == 5 ? std::optional(Verdict::dead) : std::nullopt,
                                            .t_s = 1700000100.0}));
    // EQE is a fraction: written in percent, and without limits its range instead of a worst lane.
    for (int lane = 1; lane <= 3; ++lane)
      REQUIRE(store->record_result(run.id, {.name = "peak_eqe", .lane = lane, .value = 0.01 * lane, .unit = "1",
                                            .t_s = 1700000100.0}));
    REQUIRE(store->end_run(run.id, RunStatus::finished, 1700003700.0));
  }
  std::string out, err;
  REQUIRE(run_cli({"show", run.uuid, "--db", tmp.path().string()}, out, err) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("  name                           unit   results lanes           pass  fail dead unjudged  "
                                  "median     IQR                    worst (or range)\n"));
  // Median and quartiles of 1, 2, 3, 4 GHz: the dead lane's 0 is not among them.
  CHECK_THAT(line_starting(out, "  f3db_hz "),
             Catch::Matches(R"(  f3db_hz +Hz +5 1-5 +3 +1! +1 +0  2\.5e\+09 +1\.75e\+09 \.\. 3\.25e\+09 +1e\+09 lane 1)"));
  CHECK_THAT(line_starting(out, "  peak_eqe "), Catch::Matches(R"(  peak_eqe +1 +3 1-3 .*  2 % +1\.5 % \.\. 2\.5 % +range 1 % \.\. 3 %)"));
  CHECK(count_lines(out, "f3db_hz") == 1);

  // --all is --details: every result on its own line.
  REQUIRE(run_cli({"show", run.uuid, "--db", tmp.path().string(), "--all"}, out, err) == 0);
  CHECK(count_lines(out, "f3db_hz ") == 1 + 5);
}

TEST_CASE("a result's margin is relative to its limit, the smaller side of a window, negative outside") {
  CHECK(*relative_margin({.name = "ber_upper", .value = 1e-13, .upper_limit = 1e-12}) == Approx(0.9));
  CHECK(*relative_margin({.name = "ber_upper", .value = 3e-12, .upper_limit = 1e-12}) == Approx(-2));
  CHECK(*relative_margin({.name = "f3db_hz", .value = 1e9, .lower_limit = 5e8}) == Approx(1));
  CHECK(*relative_margin({.name = "v", .value = 3.4, .lower_limit = 3.0, .upper_limit = 3.5}) == Approx(0.1 / 3.5));
  CHECK_FALSE(relative_margin({.name = "forward_voltage_v", .value = 3.2}));
  // The worst of a name is the live result with the smallest margin; a dead one never is.
  ResultStatsBuilder b;
  b.add({.name = "ber_upper", .lane = 1, .value = 1e-13, .upper_limit = 1e-12});
  b.add({.name = "ber_upper", .lane = 2, .value = 0.5, .upper_limit = 1e-12, .verdict = Verdict::dead});
  b.add({.name = "ber_upper", .lane = 3, .value = 5e-13, .upper_limit = 1e-12});
  const ResultStats s = b.finish();
  CHECK(s.live == 2);
  REQUIRE(s.worst);
  CHECK(s.worst->lane == 3);
  CHECK(s.median == Approx(3e-13));
}
