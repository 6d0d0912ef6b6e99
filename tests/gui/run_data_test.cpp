// The dashboard's view of a run, built from the store with the data naming of the
// characterisation sequences (BER vs temperature, bandwidth, burn-in), and "no data" when a
// series is missing.
#include "../db/temp_db.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "db/verdict.hpp"
#include "gui/core/run_data.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

using namespace ledlab;

namespace {

const gui::PlotData& plot(const std::vector<gui::PlotData>& plots, const std::string& title) {
  for (const auto& p : plots)
    if (p.title == title) return p;
  FAIL("no plot '" << title << "'");
  throw std::logic_error("unreachable");
}

const gui::LaneMetric* metric(const gui::LaneMap& map, const std::string& name) {
  for (const auto& m : map.metrics)
    if (m.name == name) return &m;
  return nullptr;
}

std::string station_json() {
  std::ifstream in(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return nlohmann::json{{"name", "sim-bench"}, {"text", text}}.dump();
}

struct Fixture {
  db::test::TempDb tmp;
  std::unique_ptr<db::Store> store;
  db::RunRecord run;

  explicit Fixture(const nlohmann::json& parameters = nlohmann::json::object()) {
    auto s = db::Store::open(tmp.path());
    REQUIRE(s);
    store = std::move(*s);
    auto r = store->begin_run({.sequence = "characterisation", .parameters_json = parameters.dump(),
                               .station_json = station_json(), .started_s = 1000});
    REQUIRE(r);
    run = *r;
  }
  db::SeriesId series(std::optional<int> lane, const std::string& quantity, const std::string& unit, const nlohmann::json& conditions) {
    auto id = store->declare_series(run.id, {lane, quantity, unit, conditions.dump()});
    REQUIRE(id);
    return *id;
  }
  void append(db::SeriesId id, double t, double v) { REQUIRE(store->append(id, t, v)); }
  void result(const std::string& name, int lane, double value, const nlohmann::json& extra, std::optional<double> upper = {}) {
    REQUIRE(store->record_result(run.id, {.name = name, .lane = lane, .value = value, .upper_limit = upper, .extra_json = extra.dump(), .t_s = 2000}));
  }
  void record(db::ResultRecord r) {
    r.t_s = 2000;
    REQUIRE(store->record_result(run.id, std::move(r)));
  }
  // The run as the store has it now (status, end).
  db::RunRecord stored_run() {
    REQUIRE(store->flush());
    auto reader = db::Reader::open(tmp.path());
    REQUIRE(reader);
    auto r = reader->find_run(run.uuid);
    REQUIRE(r);
    return *r;
  }
  gui::RunData read() {
    REQUIRE(store->flush());
    auto reader = db::Reader::open(tmp.path());
    REQUIRE(reader);
    gui::RunData data(run);
    auto changed = data.refresh(*reader);
    REQUIRE(changed);
    return data;
  }
};

}  // namespace

TEST_CASE("BER vs temperature: median lane bound, worst live lane and the selected lane with confidence bars on a log axis") {
  Fixture f;
  for (double t : {25.0, 85.0}) {
    const auto chamber = f.series(std::nullopt, "chamber_temperature", "C", {{"temperature_c", t}});
    f.append(chamber, 1000 + t * 10, t + 0.1);
    for (int lane = 1; lane <= 400; ++lane) {
      // Odd lanes count no errors (an upper bound only); lane 10 is worst; lane 12 is dark.
      const double ber = lane == 12 ? 0.5 : lane == 10 ? 1e-8 * (t / 25) : lane % 2 ? 0.0 : 1e-13 * (t / 25);
      f.append(f.series(lane, "ber", "1", {{"temperature_c", t}}), 1000 + t * 10, ber);
      f.append(f.series(lane, "ber_upper", "1", {{"temperature_c", t}}), 1000 + t * 10, 1.5e-12 * (t / 25));
    }
  }
  f.result("ber_upper", 2, 5e-12, {{"temperature_c", 85}}, 1e-12);  // fails the limit
  f.result("ber_upper", 3, 5e-13, {{"temperature_c", 85}}, 1e-12);
  const auto data = f.read();
  const auto plots = data.plots(2);
  const auto& ber = plot(plots, "BER vs temperature");
  CHECK(ber.y_log);
  REQUIRE(ber.curves.size() == 3);
  const auto& median = ber.curves[0].points;
  REQUIRE(median.size() == 2);
  CHECK(median[0].x == 25);
  CHECK(median[1].y == Approx(1.5e-12 * 85 / 25));
  const auto& worst = ber.curves[1].points;
  REQUIRE(worst.size() == 2);
  CHECK(worst[1].y == Approx(1e-8 * 85 / 25));  // lane 10, not the dark lane 12
  REQUIRE(worst[1].y_hi);
  CHECK(*worst[1].y_hi == Approx(1.5e-12 * 85 / 25));
  CHECK(ber.curves[2].label == "lane 2");
  CHECK(ber.curves[2].points[0].y == Approx(1e-13));
  const auto& chamber = plot(plots, "Chamber temperature");
  REQUIRE(chamber.histories.size() == 2);  // air, and the setpoint from the series' conditions
  CHECK(chamber.histories[0].data->points() == 2);
  CHECK(chamber.histories[1].data->max() == 85);
  CHECK(data.station_name() == "sim-bench");
  const auto map = data.lane_map();
  CHECK(map.rows == 20);
  CHECK(map.cols == 20);
  const auto* verdict = metric(map, "pass/fail");
  REQUIRE(verdict);
  CHECK(verdict->values[1] == 0.0);
  CHECK(verdict->values[2] == 1.0);
  CHECK_FALSE(verdict->values[3].has_value());
  const auto* upper = metric(map, "BER upper bound");
  REQUIRE(upper);
  CHECK(upper->log_scale);
  CHECK(upper->hi == Approx(5e-12));
}

TEST_CASE("bandwidth: response curves in dB against a log frequency axis, with the f3dB marker") {
  Fixture f;
  const nlohmann::json at5ma{{"drive_current_a", 0.005}};
  const auto freq = f.series(std::nullopt, "modulation_frequency", "Hz", at5ma);
  const auto amp = f.series(1, "mod_amplitude", "1", at5ma);
  for (int k = 0; k < 30; ++k) {
    const double hz = 1e7 * std::pow(10.0, k / 10.0);
    f.append(freq, 1000 + k, hz);
    f.append(amp, 1000 + k, 1 / std::sqrt(1 + std::pow(hz / 8.7e8, 2)));
  }
  f.result("f3db_hz", 1, 8.7e8, at5ma);
  f.result("lane_failed", 7, 1, {{"dead", true}});
  const auto data = f.read();
  const auto plots = data.plots(0);
  const auto& fr = plot(plots, "Frequency response");
  CHECK(fr.x_log);
  REQUIRE(fr.curves.size() == 1);
  CHECK(fr.curves[0].points.front().y == Approx(0));
  CHECK(fr.curves[0].points.back().y < -10);
  REQUIRE(fr.markers.size() == 1);
  CHECK(fr.markers[0].x == 8.7e8);
  CHECK(fr.markers[0].label == "f3dB 870 MHz at 5.00 mA");
  const auto map = data.lane_map();
  REQUIRE(metric(map, "f3dB"));
  CHECK(metric(map, "f3dB")->values[0] == 8.7e8);
  REQUIRE(metric(map, "failed lanes"));
  // The dead lane is dead, not also failed.
  CHECK(metric(map, "failed lanes")->marks[6] == gui::LaneMark::dead);
  CHECK(metric(map, "failed lanes")->counts.failed == 0);
  CHECK(metric(map, "failed lanes")->counts.dead == 1);
  CHECK(plot(plots, "BER vs temperature").empty());  // no BER in this run: "no data"
}

TEST_CASE("burn-in: the array mean per reading, and its decay as a percentage of the first") {
  Fixture f;
  const nlohmann::json stress{{"stress_temperature_c", 85}, {"drive_current_a", 0.01}};
  std::vector<db::SeriesId> lanes;
  for (int lane = 1; lane <= 400; ++lane) lanes.push_back(f.series(lane, "optical_power", "W", stress));
  for (int reading = 0; reading < 5; ++reading)
    for (int lane = 1; lane <= 400; ++lane)
      f.append(lanes[static_cast<std::size_t>(lane - 1)], 1000 + reading * 3600.0,
               lane == 9 ? 0.0 : 1e-4 * (1 - 0.01 * reading));  // lane 9 is dark
  const auto data = f.read();
  const auto plots = data.plots(3);
  const auto& decay = plot(plots, "Burn-in power decay");
  REQUIRE(decay.histories.size() == 1);
  // Every reading has all 400 lanes in, the newest too: none waits for a later one.
  CHECK(decay.histories[0].data->points() == 5);
  CHECK(decay.histories[0].data->last() == Approx(96.0));
  const auto& power = plot(plots, "Optical power");
  REQUIRE(power.histories.size() == 2);
  CHECK(power.histories[0].data->points() == 5);
  CHECK(power.histories[0].data->max() == Approx(1e-4));  // the dark lane is not averaged in
  CHECK(power.histories[1].label == "lane 3");
  CHECK(power.histories[1].data->t_last() == Approx(4.0));  // hours since the run started
}

TEST_CASE("a run with no series and no results shows no data anywhere") {
  Fixture f;
  const auto data = f.read();
  for (const auto& p : data.plots(0)) CHECK(p.empty());
  CHECK(data.lane_map().metrics.empty());
}

TEST_CASE("a long burn-in opens decimated: bounded points, the array mean per bucket, then exact readings again") {
  Fixture f;
  const nlohmann::json stress{{"stress_temperature_c", 85}, {"drive_current_a", 0.01}};
  const auto lane1 = f.series(1, "optical_power", "W", stress);
  const auto lane2 = f.series(2, "optical_power", "W", stress);
  const auto dark = f.series(3, "optical_power", "W", stress);
  const auto chamber = f.series(std::nullopt, "chamber_temperature", "C", stress);
  constexpr int kReadings = 500000;  // per lane: 1e6 lit samples
  constexpr double kStep_s = 3.6;
  const auto power1 = [](double k) { return 1e-4 * (1 - 2e-7 * k); };
  std::vector<db::Sample> batch;
  for (int k = 0; k < kReadings; ++k) {
    const double t = 1000 + kStep_s * k;
    batch.push_back({lane1, t, power1(k)});
    batch.push_back({lane2, t, 3e-4});
    if (k % 100 == 0) batch.push_back({dark, t, 0.0});
    if (k % 10 == 0) batch.push_back({chamber, t, 85 + (k % 20 == 0 ? 0.5 : -0.5)});
    if (batch.size() >= 8192) {
      REQUIRE(f.store->append(batch));
      batch.clear();
    }
  }
  REQUIRE(f.store->append(batch));
  REQUIRE(f.store->flush());
  auto reader = db::Reader::open(f.tmp.path());
  REQUIRE(reader);
  gui::RunData data(f.run);
  REQUIRE(data.refresh(*reader).value());
  const std::int64_t total = 2 * kReadings + kReadings / 100 + kReadings / 10;
  CHECK(data.samples() == total);

  const auto plots = data.plots(1);
  const auto& power = plot(plots, "Optical power");
  REQUIRE(power.histories.size() == 2);
  const auto& mean = *power.histories[0].data;
  CHECK(mean.points() <= 2048);  // one per bucket, not one per reading
  CHECK(mean.points() >= 2000);
  // The dark lane is left out; the lit lanes' bucket means are averaged. Lane 1 falls linearly,
  // so its bucket mean is its value at the middle of the bucket, where the point is drawn.
  std::vector<gui::MinMaxHistory::Column> columns;
  mean.decimate(mean.t_first(), mean.t_last(), 1 << 16, columns);
  int checked = 0;
  for (const auto& c : columns) {
    if (!c.filled) continue;
    const double k = (c.t * 3600.0) / kStep_s;  // hours since the run started at t = 1000
    INFO("column at " << c.t << " h");
    CHECK(c.lo == c.hi);
    CHECK(c.lo == Approx(0.5 * (power1(k) + 3e-4)).epsilon(1e-9));
    ++checked;
  }
  CHECK(checked == static_cast<int>(mean.points()));
  CHECK(power.histories[1].data->points() <= 4 * 2048);  // lane 1: first, min, max, last per bucket
  const auto& chamber_plot = plot(plots, "Chamber temperature");
  REQUIRE(!chamber_plot.histories.empty());
  CHECK(chamber_plot.histories[0].data->points() <= 4 * 2048);
  CHECK(chamber_plot.histories[0].data->max() == 85.5);  // the extremes survive decimation
  CHECK(chamber_plot.histories[0].data->min() == 84.5);
  const auto& decay = plot(plots, "Burn-in power decay");
  REQUIRE(decay.histories.size() == 1);
  CHECK(decay.histories[0].data->last() == Approx(100 * 0.5 * (power1(kReadings - 1) + 3e-4) / (0.5 * (1e-4 + 3e-4))).epsilon(1e-4));

  // Readings after the catch-up are read exactly, one array mean per reading. Neither has the
  // dark lane in: the first is whole once the second has begun, the second only once the dark
  // lane is in too (until then it may be a reading the writer has committed in part).
  for (int k = kReadings; k < kReadings + 2; ++k) {
    f.append(lane1, 1000 + kStep_s * k, 2e-4);
    f.append(lane2, 1000 + kStep_s * k, 4e-4);
  }
  REQUIRE(f.store->flush());
  REQUIRE(data.refresh(*reader).value());
  CHECK(data.samples() == total + 4);
  CHECK(plot(data.plots(1), "Optical power").histories[0].data->points() == mean.points() + 1);
  f.append(dark, 1000 + kStep_s * (kReadings + 1), 0.0);
  REQUIRE(f.store->flush());
  REQUIRE(data.refresh(*reader).value());
  const auto after = plot(data.plots(1), "Optical power");
  CHECK(after.histories[0].data->points() == mean.points() + 2);
  CHECK(after.histories[0].data->last() == Approx(3e-4));
}

TEST_CASE("the chamber plot draws the engine's environment log, not the sequence's one reading per setpoint, when the run has it") {
  Fixture f;
  const auto own = f.series(std::nullopt, "chamber_temperature", "C", {{"temperature_c", 85}});
  f.append(own, 1000, 85.0);
  const auto air = f.series(std::nullopt, "env_air_temperature", "C", nlohmann::json::object());
  const auto dut = f.series(std::nullopt, "env_dut_temperature", "C", nlohmann::json::object());
  const auto sp = f.series(std::nullopt, "env_setpoint", "C", nlohmann::json::object());
  for (int k = 0; k < 120; ++k) {
    const double t = 1000 + 60.0 * k;
    f.append(air, t, k == 60 ? 69.2 : 84.9);  // one excursion
    f.append(dut, t, 84.0);
    f.append(sp, t, 85.0);
  }
  auto data = f.read();
  const auto plots = data.plots(1);
  const auto& chamber = plot(plots, "Chamber temperature");
  REQUIRE(chamber.histories.size() == 3);
  CHECK(chamber.histories[0].label == "chamber air");
  CHECK(chamber.histories[0].data->points() == 120);
  CHECK(chamber.histories[0].data->min() == 69.2);  // the excursion is on the plot
  CHECK(chamber.histories[1].label == "DUT");
  CHECK(chamber.histories[1].data->last() == 84.0);
  CHECK(chamber.histories[2].label == "setpoint");
  CHECK(chamber.histories[2].data->last() == 85.0);
  CHECK(data.last_reading("thermal_chamber") == "air 84.9 C");
}

TEST_CASE("the displayed run's verdict is the one ledlab show states, built from its array verdict results") {
  Fixture f;
  f.record({.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 0.5, .extra_json = R"({"temperature_c":25})"});
  f.record({.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 0.5, .extra_json = R"({"temperature_c":85})"});
  f.result("ber_upper", 2, 5e-12, {{"temperature_c", 85}}, 1e-12);  // a failing lane: not part of the verdict
  f.record({.name = "ber_upper", .lane = 3, .value = 0.5, .unit = "1", .upper_limit = 1e-12, .verdict = db::Verdict::dead});
  REQUIRE(f.store->end_run(f.run.id, db::RunStatus::finished, 5000));
  const db::RunRecord finished = f.stored_run();
  auto reader = db::Reader::open(f.tmp.path());
  REQUIRE(reader);
  auto shown = db::judge_run(*reader, finished);  // what `ledlab show` prints
  REQUIRE(shown);
  gui::RunData data(finished);
  REQUIRE(data.refresh(*reader));
  const db::RunVerdict v = data.verdict();
  CHECK(v.outcome == db::RunOutcome::pass);
  CHECK(v.headline() == shown->headline());
  CHECK(v.headline().starts_with("PASS: all 2 array verdict results passed"));
  CHECK(v.lanes.fail == 1);
  CHECK(v.lanes.dead == 1);
}

TEST_CASE("a running or aborted run on the dashboard says it has no verdict yet") {
  Fixture f;
  f.result("ber_upper", 2, 5e-12, {{"temperature_c", 85}}, 1e-12);
  const auto running = f.read();
  CHECK(running.verdict().outcome == db::RunOutcome::not_finished);
  CHECK(running.verdict().headline().starts_with("RUNNING: no verdict; 1 results so far"));
  REQUIRE(f.store->end_run(f.run.id, db::RunStatus::aborted, 1000 + 1.5 * 3600));
  auto reader = db::Reader::open(f.tmp.path());
  REQUIRE(reader);
  gui::RunData aborted(f.stored_run());
  REQUIRE(aborted.refresh(*reader));
  CHECK(aborted.verdict().outcome == db::RunOutcome::not_finished);
  CHECK(aborted.verdict().headline().starts_with("ABORTED (at "));
  CHECK(aborted.verdict().headline().find("no verdict") != std::string::npos);
}

TEST_CASE("lanes under the run's dead threshold stay out of the array mean at every reading, however their noise moves") {
  Fixture f(nlohmann::json{{"dead_below_w", 1e-6}});
  const nlohmann::json stress{{"stress_temperature_c", 85}, {"drive_current_a", 0.01}};
  std::vector<db::SeriesId> lanes;
  for (int lane = 1; lane <= 20; ++lane) lanes.push_back(f.series(lane, "optical_power", "W", stress));
  for (int reading = 0; reading < 6; ++reading)
    for (int lane = 1; lane <= 20; ++lane) {
      // Lane 5 glows under the threshold; lane 6 is a dark lane's noise about 1e-9 W.
      const double w = lane == 5 ? 5e-7 : lane == 6 ? (reading % 2 ? 2e-9 : 5e-10) : 1e-4 + 1e-6 * lane;
      f.append(lanes[static_cast<std::size_t>(lane - 1)], 1000 + reading * 3600.0, w);
    }
  const auto data = f.read();
  CHECK(data.dead_below_w() == 1e-6);
  CHECK(data.dead_lane(5));
  CHECK(data.dead_lane(6));
  CHECK_FALSE(data.dead_lane(7));
  double live = 0;
  for (int lane = 1; lane <= 20; ++lane)
    if (lane != 5 && lane != 6) live += 1e-4 + 1e-6 * lane;
  live /= 18;
  const auto plots = data.plots(0);
  const auto& power = plot(plots, "Optical power");
  REQUIRE(!power.histories.empty());
  CHECK(power.histories[0].data->min() == Approx(live).epsilon(1e-12));
  CHECK(power.histories[0].data->max() == Approx(live).epsilon(1e-12));
  // On the map the dead lanes are grey, counted apart, and the scale starts at the live lanes.
  const auto map = data.lane_map();
  const auto* p = metric(map, "optical power");
  REQUIRE(p);
  CHECK(p->marks[4] == gui::LaneMark::dead);
  CHECK(p->marks[5] == gui::LaneMark::dead);
  CHECK(p->marks[6] == gui::LaneMark::none);
  CHECK(p->counts.dead == 2);
  CHECK(p->counts.good == 18);
  CHECK(p->lo == Approx(1e-4 + 1e-6));
}

TEST_CASE("lanes the results judge dead are grey on every map, their zero f3dB off the colour scale, and not failed") {
  Fixture f;
  const nlohmann::json at{{"drive_current_a", 0.005}};
  for (int lane = 1; lane <= 8; ++lane) {
    if (lane == 4) {
      f.record({.name = "f3db_hz", .lane = 4, .value = 0, .unit = "Hz", .verdict = db::Verdict::dead, .extra_json = R"({"dead":true})"});
      f.record({.name = "ber_upper", .lane = 4, .value = 0.5, .unit = "1", .upper_limit = 1e-12, .verdict = db::Verdict::dead});
    } else {
      f.result("f3db_hz", lane, 8e8 + 1e7 * lane, at);
      f.result("ber_upper", lane, lane == 2 ? 5e-12 : 1e-13, at, 1e-12);
    }
  }
  const auto map = f.read().lane_map();
  const auto* f3db = metric(map, "f3dB");
  REQUIRE(f3db);
  CHECK(f3db->marks[3] == gui::LaneMark::dead);
  CHECK(f3db->lo == Approx(8.1e8));  // not 0 Hz: the dead lane is not a value
  CHECK(f3db->counts.dead == 1);
  CHECK(f3db->counts.good == 7);
  const auto* verdict = metric(map, "pass/fail");
  REQUIRE(verdict);
  CHECK(verdict->marks[3] == gui::LaneMark::dead);
  CHECK(verdict->counts.failed == 1);  // lane 2
  CHECK(verdict->counts.dead == 1);
  CHECK(verdict->counts.good == 6);
  const gui::Rgb dead = gui::lane_colour(verdict->values[3], verdict->marks[3], 0, 1, false, true);
  CHECK(dead.r == gui::dead_colour.r);
  CHECK(dead.g == gui::dead_colour.g);
  CHECK(dead.r != gui::fail_colour.r);
}

TEST_CASE("catastrophic burn-in lanes are marked apart from parametric failures and dead lanes") {
  Fixture f;
  f.record({.name = "lane_failed", .lane = 1, .value = 0, .unit = "1", .upper_limit = 0, .extra_json = R"({"change":-0.02})"});
  f.record({.name = "lane_failed", .lane = 2, .value = 1, .unit = "1", .upper_limit = 0, .extra_json = R"({"parametric":true})"});
  f.record({.name = "lane_failed", .lane = 3, .value = 1, .unit = "1", .upper_limit = 0,
            .extra_json = R"({"catastrophic":true,"catastrophic_at_h":120})"});
  f.record({.name = "lane_failed", .lane = 4, .value = 1, .unit = "1", .upper_limit = 0, .verdict = db::Verdict::dead,
            .extra_json = R"({"dead":true})"});
  for (int lane = 1; lane <= 3; ++lane)
    f.record({.name = "decay_rate_pct_per_kh", .lane = lane, .value = lane == 3 ? 900.0 : 1.0 * lane, .unit = "%/1000h"});
  const auto map = f.read().lane_map();
  const auto* failed = metric(map, "failed lanes");
  REQUIRE(failed);
  CHECK(failed->marks[0] == gui::LaneMark::none);
  CHECK(failed->values[0] == 1.0);
  CHECK(failed->marks[1] == gui::LaneMark::none);
  CHECK(failed->values[1] == 0.0);  // parametric: red
  CHECK(failed->marks[2] == gui::LaneMark::catastrophic);
  CHECK(failed->marks[3] == gui::LaneMark::dead);
  CHECK(failed->counts.good == 1);
  CHECK(failed->counts.failed == 1);
  CHECK(failed->counts.catastrophic == 1);
  CHECK(failed->counts.dead == 1);
  // The catastrophic lane's fit runs across its drop: no decay rate on the scale.
  const auto* decay = metric(map, "decay rate");
  REQUIRE(decay);
  CHECK(decay->marks[2] == gui::LaneMark::catastrophic);
  CHECK(decay->hi == Approx(2.0));
}

TEST_CASE("capped lifetimes keep their qualifier on the lane map") {
  Fixture f;
  f.record({.name = "l70_h", .lane = 1, .value = 6000.19, .unit = "h", .qualifier = db::Qualifier::at_least});
  f.record({.name = "l70_h", .lane = 2, .value = 4200, .unit = "h"});
  const auto map = f.read().lane_map();
  const auto* l70 = metric(map, "L70");
  REQUIRE(l70);
  CHECK(l70->qualifiers[0] == db::Qualifier::at_least);
  CHECK(l70->qualifiers[1] == db::Qualifier::exact);
}

TEST_CASE("unresolved f3dB lanes are shown as such, not coloured as values") {
  Fixture f;
  const nlohmann::json resolved{{"drive_current_a", 0.0003}, {"resolved", true}};
  const nlohmann::json unresolved{{"drive_current_a", 0.0003}, {"resolved", false}, {"note", "f3dB below the sweep"}};
  f.result("f3db_hz", 1, 4.1e7, resolved);
  f.result("f3db_hz", 2, 4.3e7, resolved);
  f.result("f3db_hz", 3, 1.2e6, unresolved);
  const auto data = f.read();
  const auto plots = data.plots(3);
  const auto& fr = plot(plots, "Frequency response");
  REQUIRE(fr.markers.size() == 1);
  CHECK(fr.markers[0].label == "f3dB not resolved (1.20 MHz) at 300 µA");
  const auto map = data.lane_map();
  const auto* f3db = metric(map, "f3dB");
  REQUIRE(f3db);
  CHECK(f3db->marks[2] == gui::LaneMark::unresolved);
  CHECK(f3db->counts.unresolved == 1);
  CHECK(f3db->counts.good == 2);
  CHECK(f3db->lo == Approx(4.1e7));
  const gui::Rgb c = gui::lane_colour(f3db->values[2], f3db->marks[2], f3db->lo, f3db->hi, false, false);
  CHECK(c.r == gui::unresolved_colour.r);
  CHECK(c.b == gui::unresolved_colour.b);
}

TEST_CASE("a finished burn-in's catastrophic lanes are left out of the array mean and off the power scale") {
  Fixture f;
  const nlohmann::json stress{{"stress_temperature_c", 85}, {"drive_current_a", 0.01}};
  std::vector<db::SeriesId> lanes;
  for (int lane = 1; lane <= 4; ++lane) lanes.push_back(f.series(lane, "optical_power", "W", stress));
  for (int reading = 0; reading < 4; ++reading)
    for (int lane = 1; lane <= 4; ++lane)  // lane 2 drops to a tenth after the first reading
      f.append(lanes[static_cast<std::size_t>(lane - 1)], 1000 + reading * 3600.0, lane == 2 && reading > 0 ? 1e-5 : 1e-4);
  f.record({.name = "lane_failed", .lane = 2, .value = 1, .unit = "1", .upper_limit = 0,
            .extra_json = R"({"catastrophic":true,"catastrophic_at_h":1})"});
  const auto data = f.read();
  CHECK_FALSE(data.averaged(2));
  CHECK(data.averaged(1));
  const auto plots = data.plots(0);
  const auto& decay = plot(plots, "Burn-in power decay");
  REQUIRE(!decay.histories.empty());
  CHECK(decay.histories[0].data->min() == Approx(100.0));  // the drop is not the population's decay
  const auto map = data.lane_map();
  const auto* power = metric(map, "optical power");
  REQUIRE(power);
  CHECK(power->marks[1] == gui::LaneMark::catastrophic);
  CHECK(power->lo == Approx(1e-4));
  const auto* verdict = metric(map, "pass/fail");
  REQUIRE(verdict);
  CHECK(verdict->marks[1] == gui::LaneMark::catastrophic);
  CHECK(verdict->counts.failed == 0);
}

TEST_CASE("the lane map takes the array's rows and columns from the DUT's lanes table, not from the station file") {
  db::test::TempDb tmp;
  auto store = db::Store::open(tmp.path());
  REQUIRE(store);
  // An 8 x 16 array on a station whose simulated array is 20 x 20.
  db::DutRecord dut{.serial = "MLA-8x16-3", .description = "8 x 16 array"};
  for (int lane = 1; lane <= 128; ++lane) dut.lanes.push_back({lane, (lane - 1) / 16, (lane - 1) % 16, ""});
  REQUIRE((*store)->upsert_dut(dut));
  auto run = (*store)->begin_run({.sequence = "liv", .station_json = station_json(), .dut_serial = dut.serial, .started_s = 1000});
  REQUIRE(run);
  for (int lane = 1; lane <= 128; ++lane) {
    auto id = (*store)->declare_series(run->id, {lane, "optical_power", "W", "{}"});
    REQUIRE(id);
    REQUIRE((*store)->append(*id, 1000, 1e-3));
  }
  REQUIRE((*store)->flush());
  auto reader = db::Reader::open(tmp.path());
  REQUIRE(reader);
  gui::RunData data(*run);
  REQUIRE(data.refresh(*reader));
  const auto map = data.lane_map();
  CHECK(map.rows == 8);
  CHECK(map.cols == 16);
}

TEST_CASE("an interlock excursion is shaded on the chamber plot from its trip to the run going on, with the temperature the interlock read") {
  Fixture f;
  const auto air = f.series(std::nullopt, "env_air_temperature", "C", nlohmann::json::object());
  for (int k = 0; k < 120; ++k) f.append(air, 1000 + 60.0 * k, 84.9);
  const auto event = [&](db::EventKind kind, double t, std::string source, std::string message, nlohmann::json data) {
    REQUIRE(f.store->log_event(f.run.id, {.t_s = t, .kind = kind, .source = std::move(source), .message = std::move(message),
                                          .data_json = data.dump()}));
  };
  // As the engine words them (run_sequence.cpp: the interlock hooks, hold and release).
  // The reading from the event's data (the engine records it), whatever the message says.
  event(db::EventKind::alarm, 1000 + 3600, "chamber", "interlock 'band' tripped: chamber left its band",
        {{"interlock", "band"}, {"action", "suspend"}, {"air_c", 69.2}});
  event(db::EventKind::state, 1000 + 3600, "engine", "suspended: interlock 'band': chamber air 69.20 C is -15.80 C",
        {{"holder", "interlock:band"}});
  event(db::EventKind::state, 1000 + 3600 + 900, "engine", "running: interlock 'band' clear: chamber air 84.90 C in band for 300 s",
        {{"holder", "interlock:band"}});
  // A second trip the run has not come back from yet: shaded to the newest reading. Stored
  // before the engine recorded the reading as data: read from the message's wording.
  event(db::EventKind::alarm, 1000 + 6000, "chamber", "interlock 'overtemp' tripped: chamber reports an over-temperature alarm (air 130.00 C)",
        {{"interlock", "overtemp"}, {"action", "suspend"}});
  auto data = f.read();
  const auto plots = data.plots(0);
  const auto& chamber = plot(plots, "Chamber temperature");
  REQUIRE(chamber.spans.size() == 2);
  CHECK(chamber.spans[0].x0 == Approx(1.0));
  CHECK(chamber.spans[0].x1 == Approx(1.25));
  CHECK(chamber.spans[0].label == "interlock 'band': air 69.2 C");
  CHECK(chamber.spans[1].x0 == Approx(6000.0 / 3600));
  CHECK(chamber.spans[1].x1 == Approx(119 * 60.0 / 3600));
  CHECK(chamber.spans[1].label == "interlock 'overtemp': air 130 C");
  // The interlock's own readings are points on the plot, apart from the logged air.
  REQUIRE(chamber.curves.size() == 1);
  REQUIRE(chamber.curves[0].points.size() == 2);
  CHECK(chamber.curves[0].points[0].x == Approx(1.0));
  CHECK(chamber.curves[0].points[0].y == Approx(69.2));
  CHECK(chamber.curves[0].points[1].y == Approx(130.0));
}
