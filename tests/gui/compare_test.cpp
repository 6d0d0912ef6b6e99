// Results across conditions: two or more runs' results on one plot (BER vs temperature of two
// DUTs), a lane's results across conditions, and the data thread reading the runs picked for
// comparison from the store.
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "gui/core/compare.hpp"
#include "gui/core/data_source.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <functional>
#include <thread>

using namespace ledlab;
using gui::ComparedRun;
using gui::LaneStatistic;
using gui::ResultTable;

namespace {

// One BER result per lane and temperature; `dead` lanes are stored dead (no signal).
db::ResultRecord ber(int lane, double temperature_c, double value, bool dead = false, double current_a = 0.005) {
  return {.name = "ber_upper", .lane = lane, .value = value, .unit = "1", .upper_limit = 1e-12,
          .verdict = dead ? std::optional(db::Verdict::dead) : std::nullopt,
          .extra_json = fmt::format(R"({{"temperature_c":{},"dut_temperature_c":{},"drive_current_a":{}}})", temperature_c,
                                    temperature_c + 0.3 * lane, current_a)};
}

ComparedRun run(int id, const std::string& dut, std::vector<db::ResultRecord> results) {
  return {.run = {.id = id, .uuid = fmt::format("{:08x}-0000-4000-8000-000000000000", id), .sequence = "ber_vs_temperature",
                  .dut_serial = dut, .status = db::RunStatus::finished},
          .results = ResultTable(std::move(results))};
}

// DUT-A: three lanes at 25 and 85 C, lane 3 dead at 85 C; DUT-B: two lanes, a worse BER.
std::vector<ComparedRun> two_duts() {
  return {run(1, "DUT-A", {ber(1, 25, 1e-14), ber(2, 25, 3e-14), ber(3, 25, 2e-14), ber(1, 85, 1e-13), ber(2, 85, 5e-13),
                           ber(3, 85, 0.5, true),
                           {.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 1, .extra_json = R"({"temperature_c":25})"}}),
          run(2, "DUT-B", {ber(1, 25, 1e-12), ber(2, 25, 3e-12), ber(1, 85, 2e-11), ber(2, 85, 4e-11)})};
}

// Whether a curve's points are (x, y) in that order, to rounding.
bool points_are(const gui::Curve& c, const std::vector<std::pair<double, double>>& expected) {
  if (c.points.size() != expected.size()) return false;
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (c.points[i].x != Approx(expected[i].first) || c.points[i].y != Approx(expected[i].second)) return false;
  return true;
}

}  // namespace

TEST_CASE("two DUTs' BER against temperature share one plot, one curve per run at the live lanes' median") {
  const auto runs = two_duts();
  const auto plot = gui::compare_plot(runs, {.result = "ber_upper", .x_key = "temperature_c"});
  CHECK(plot.title == "ber_upper vs temperature_c (median over the live lanes)");
  CHECK(plot.x_unit == "C");
  CHECK(plot.y_unit == "1");
  CHECK(plot.y_log);  // BER spans decades
  CHECK_FALSE(plot.x_log);
  REQUIRE(plot.curves.size() == 2);
  CHECK(plot.curves[0].label == "DUT-A run 00000001");
  CHECK(plot.curves[1].label == "DUT-B run 00000002");
  // The dead lane 3 at 85 C (0.5) is no BER: the median is of lanes 1 and 2.
  CHECK(points_are(plot.curves[0], {{25, 2e-14}, {85, 3e-13}}));
  CHECK(points_are(plot.curves[1], {{25, 2e-12}, {85, 3e-11}}));

  const auto worst = gui::compare_plot(runs, {.result = "ber_upper", .x_key = "temperature_c", .statistic = LaneStatistic::max});
  CHECK(points_are(worst.curves[0], {{25, 3e-14}, {85, 5e-13}}));
  CHECK(worst.title == "ber_upper vs temperature_c (max over the live lanes)");
}

TEST_CASE("the pass fraction of a comparison counts the judged lanes, never the dead ones") {
  const auto plot = gui::compare_plot(two_duts(), {.result = "ber_upper", .x_key = "temperature_c",
                                                   .statistic = LaneStatistic::pass_fraction});
  CHECK(plot.y_label == "ber_upper: fraction passing");
  CHECK(plot.title == "ber_upper: fraction passing vs temperature_c");
  REQUIRE(plot.curves.size() == 2);
  // DUT-A passes 1e-12 on every live lane; DUT-B at 25 C has 1e-12 (pass, the limit is inclusive) and 3e-12.
  CHECK(points_are(plot.curves[0], {{25, 1}, {85, 1}}));
  CHECK(points_are(plot.curves[1], {{25, 0.5}, {85, 0}}));
}

TEST_CASE("a run that also varied the drive current draws one curve per current, and the DUT's measured temperature splits none") {
  std::vector<db::ResultRecord> r;
  for (double t : {25.0, 85.0})
    for (double i : {0.002, 0.005})
      for (int lane = 1; lane <= 2; ++lane) r.push_back(ber(lane, t, (i > 0.003 ? 1e-12 : 1e-14) * lane * (t > 50 ? 10 : 1), false, i));
  const auto plot = gui::compare_plot({run(7, "DUT-C", r)}, {.result = "ber_upper", .x_key = "temperature_c"});
  REQUIRE(plot.curves.size() == 2);
  CHECK(plot.curves[0].label == "DUT-C run 00000007 at 2.00 mA");
  CHECK(plot.curves[1].label == "DUT-C run 00000007 at 5.00 mA");
  CHECK(points_are(plot.curves[0], {{25, 1.5e-14}, {85, 1.5e-13}}));
  CHECK(points_are(plot.curves[1], {{25, 1.5e-12}, {85, 1.5e-11}}));
}

TEST_CASE("the comparison offers the results the runs have and the conditions they vary over") {
  const auto runs = two_duts();
  CHECK(gui::comparable_results(runs) == std::vector<std::string>{"array_pass", "ber_upper"});
  // Temperature is set; the DUT's temperature is measured but varies too; the current never varied.
  CHECK(gui::varying_conditions(runs, "ber_upper") == std::vector<std::string>{"temperature_c", "dut_temperature_c"});
  CHECK(gui::varying_conditions(runs, "array_pass").empty());
  // array_pass is in one run only and varies over nothing: BER vs temperature comes first.
  const auto spec = gui::default_spec(runs);
  REQUIRE(spec);
  CHECK(spec->result == "ber_upper");
  CHECK(spec->x_key == "temperature_c");
  CHECK(spec->statistic == LaneStatistic::median);
  CHECK_FALSE(gui::default_spec({}));

  // A lane-less result both runs vary over temperature, first by name: the per-lane BER still comes first.
  auto with_array = runs;
  for (auto& r : with_array) {
    auto results = r.results.results();
    for (double t : {25.0, 85.0})
      results.push_back({.name = "aggregate_throughput_bps", .value = 1e9, .unit = "b/s",
                         .extra_json = fmt::format(R"({{"temperature_c":{}}})", t)});
    r.results = ResultTable(results);
  }
  REQUIRE(gui::default_spec(with_array));
  CHECK(gui::default_spec(with_array)->result == "ber_upper");
}

TEST_CASE("a lane's drill-down lists its results and plots each against the condition it varies over") {
  std::vector<db::ResultRecord> r = two_duts()[0].results.results();
  r.push_back({.name = "f3db_hz", .lane = 2, .value = 8e8, .unit = "Hz", .extra_json = R"({"drive_current_a":0.002})"});
  r.push_back({.name = "f3db_hz", .lane = 2, .value = 1.1e9, .unit = "Hz", .extra_json = R"({"drive_current_a":0.005})"});
  r.push_back({.name = "l70_h", .lane = 2, .value = 6000, .unit = "h"});
  const ResultTable table(r);
  const auto lane = gui::lane_drilldown(table, 2);
  CHECK(lane.lane == 2);
  // Its rows only, by name, then conditions.
  std::vector<std::string> rows;
  for (std::size_t i : lane.rows) rows.push_back(table.cell(i, 0) + " " + table.cell(i, *table.condition_column("temperature_c")));
  CHECK(rows == std::vector<std::string>{"ber_upper 25.0 C", "ber_upper 85.0 C", "f3db_hz ", "f3db_hz ", "l70_h "});
  // A plot for each result that varies over a condition; l70_h (one value) has none.
  REQUIRE(lane.plots.size() == 2);
  CHECK(lane.plots[0].title == "lane 2: ber_upper vs temperature_c");
  REQUIRE(lane.plots[0].curves.size() == 1);
  CHECK(lane.plots[0].curves[0].label == "lane 2");
  CHECK(points_are(lane.plots[0].curves[0], {{25, 3e-14}, {85, 5e-13}}));
  CHECK(lane.plots[1].title == "lane 2: f3db_hz vs drive_current_a");
  CHECK(lane.plots[0].y_log);  // error ratios read in decades
  CHECK(lane.plots[1].x_unit == "A");
  CHECK_FALSE(lane.plots[1].y_log);
  CHECK_FALSE(lane.plots[1].x_log);
  CHECK(points_are(lane.plots[1].curves[0], {{0.002, 8e8}, {0.005, 1.1e9}}));

  // A dead lane's values are no signal: listed, not plotted.
  const auto dead = gui::lane_drilldown(table, 3);
  CHECK(dead.rows.size() == 2);
  REQUIRE(dead.plots.size() == 1);
  CHECK(points_are(dead.plots[0].curves[0], {{25, 2e-14}}));
}

TEST_CASE("a compared run is read again once the runs list shows it ended") {
  auto runs = two_duts();
  std::vector<db::RunRecord> listed{runs[0].run, runs[1].run};
  CHECK_FALSE(gui::compared_stale(runs, listed));
  runs[1].run.status = db::RunStatus::running;
  CHECK(gui::compared_stale(runs, listed));
  runs[1].run.status = db::RunStatus::finished;
  listed[1].ended_s = 1234;
  CHECK(gui::compared_stale(runs, listed));
}

namespace {

// Polls the published model until `ready` holds; the deadline is only a safety net.
std::shared_ptr<const gui::Model> wait_for(const gui::DataSource& source, const std::function<bool(const gui::Model&)>& ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto model = source.model();
    if (ready(*model) || std::chrono::steady_clock::now() > deadline) return model;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

TEST_CASE("the dashboard's data thread reads the runs picked for comparison and names one it cannot find") {
  db::test::TempDb tmp;
  auto store = db::Store::open(tmp.path());
  REQUIRE(store);
  std::vector<std::string> uuids;
  for (const auto& [dut, value] : {std::pair{"DUT-A", 1e-14}, std::pair{"DUT-B", 1e-12}}) {
    auto r = (*store)->begin_run({.sequence = "ber_vs_temperature", .dut_serial = dut, .started_s = 1000});
    REQUIRE(r);
    for (double t : {25.0, 85.0}) REQUIRE((*store)->post_result(r->id, ber(1, t, value * (t > 50 ? 10 : 1))));
    REQUIRE((*store)->end_run(r->id, db::RunStatus::finished, {}, "done"));
    uuids.push_back(r->uuid);
  }
  REQUIRE((*store)->flush());

  gui::DataSource source({.db = tmp.path(), .sequences_dir = tmp.dir(), .poll_hz = 200});
  wait_for(source, [](const gui::Model& m) { return m.runs.size() == 2; });
  source.push(gui::CompareRuns{uuids});
  auto model = wait_for(source, [](const gui::Model& m) { return m.compared->size() == 2; });
  REQUIRE(model->compared->size() == 2);
  const auto spec = gui::default_spec(*model->compared);
  REQUIRE(spec);
  const auto plot = gui::compare_plot(*model->compared, *spec);
  REQUIRE(plot.curves.size() == 2);
  CHECK(plot.curves[0].label.starts_with("DUT-A run "));
  CHECK(points_are(plot.curves[1], {{25, 1e-12}, {85, 1e-11}}));

  source.push(gui::CompareRuns{{uuids[0], "feedbeef"}});
  model = wait_for(source, [](const gui::Model& m) { return m.notice.find("feedbeef") != std::string::npos; });
  CHECK_THAT(model->notice, Catch::Contains("compare run feedbeef"));
  CHECK(model->compared->size() == 2);  // the last comparison that could be read stays

  source.push(gui::CompareRuns{});
  model = wait_for(source, [](const gui::Model& m) { return m.compared->empty(); });
  CHECK(model->compared->empty());
}
