// The Store's posts (post_series, post_result, post_event): queued without waiting, committed
// in order with the samples and checkpoints around them, and a refused one reported.
#include "db/reader.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>

using namespace ledlab;
using namespace ledlab::db;

namespace {

RunProvenance sweep_run() {
  RunProvenance p;
  p.sequence = "ber_vs_temperature";
  p.script_text = "sweep()";
  p.dut_serial = "MLA-1";
  return p;
}

std::unique_ptr<Store> open_store(const test::TempDb& tmp, StoreOptions o = {}) {
  auto s = Store::open(tmp.path(), o);
  REQUIRE(s);
  return std::move(*s);
}

std::string temperature(int k) { return "{\"temperature_c\":" + std::to_string(k) + "}"; }

constexpr int kLanes = 40;

// One step of a sweep, as the engine records it: the lanes' series are new (another
// temperature), their samples follow at once, then a result per lane and an event.
void post_sweep(Store& store, RunId run, int k) {
  std::vector<SeriesSpec> specs;
  for (int lane = 1; lane <= kLanes; ++lane) specs.push_back({lane, "ber", "1", temperature(k)});
  auto handles = store.post_series(run, specs);
  REQUIRE(handles);
  REQUIRE(handles->size() == kLanes);
  std::vector<Sample> samples;
  for (int lane = 1; lane <= kLanes; ++lane) samples.push_back({(*handles)[lane - 1], double(k), double(lane)});
  REQUIRE(store.append(samples));
  for (int lane = 1; lane <= kLanes; ++lane)
    REQUIRE(store.post_result(run, {.name = "ber_upper", .lane = lane, .value = k * 1000.0 + lane, .t_s = double(k)}));
  REQUIRE(store.post_event(run, {.t_s = double(k), .source = "script", .message = "sweep " + std::to_string(k)}));
}

}  // namespace

TEST_CASE("posted series, samples, results and events are all committed, in the order posted") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(sweep_run()).value();
  constexpr int kSweeps = 60;
  for (int k = 0; k < kSweeps; ++k) post_sweep(*store, run.id, k);
  REQUIRE(store->flush());
  CHECK(store->stats().rejected_samples == 0);  // every sample found its series, declared just before
  CHECK(store->stats().lost_posts == 0);

  auto reader = Reader::open(tmp.path()).value();
  auto series = reader.series(run.id).value();
  REQUIRE(series.size() == std::size_t(kSweeps * kLanes));
  for (const auto& s : series) {
    auto samples = reader.samples(s.id).value();
    REQUIRE(samples.size() == 1);
    const auto lane = double(*s.spec.lane);
    CHECK(s.spec.conditions_json == temperature(int(samples[0].t_s)));  // the handle named this series
    CHECK(samples[0].value == lane);
  }
  auto results = reader.results(run.id).value();
  REQUIRE(results.size() == std::size_t(kSweeps * kLanes));
  for (std::size_t i = 0; i < results.size(); ++i) {
    INFO("result " << i);
    CHECK(results[i].value == double(i / kLanes) * 1000.0 + double(i % kLanes + 1));  // result_id order = post order
  }
  auto events = reader.events(run.id).value();
  int sweeps_seen = 0;
  for (const auto& e : events)
    if (e.source == "script") CHECK(e.message == "sweep " + std::to_string(sweeps_seen++));
  CHECK(sweeps_seen == kSweeps);
}

TEST_CASE("a checkpoint covers exactly what was appended and posted before it") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(sweep_run()).value();
  for (int k = 0; k < 10; ++k) post_sweep(*store, run.id, k);
  REQUIRE(store->checkpoint(run.id, {"step", "{}", 10.0}));
  for (int k = 10; k < 13; ++k) post_sweep(*store, run.id, k);
  // Nothing waited for the last three sweeps: the rewind (a resume after a crash) must find
  // all of them after the checkpoint, and nothing of the first ten.
  auto rewind = store->rewind_to_checkpoint(run.id);
  REQUIRE(rewind);
  REQUIRE(rewind->checkpoint);
  CHECK(rewind->superseded_samples == 3 * kLanes);
  CHECK(rewind->superseded_results == 3 * kLanes);
  REQUIRE(store->close());
  auto reader = Reader::open(tmp.path()).value();
  CHECK(reader.results(run.id).value().size() == std::size_t(10 * kLanes));
  CHECK(reader.totals(run.id).value().samples == 10 * kLanes);
}

TEST_CASE("a reader never sees a posted result before the samples appended ahead of it") {
  test::TempDb tmp;
  // A sample latency far longer than the test: only the posts make the writer commit, and
  // they must take the samples appended before them along.
  auto store = open_store(tmp, {.batch_samples = 1 << 20, .max_latency = std::chrono::milliseconds(600000)});
  auto run = store->begin_run(sweep_run()).value();
  constexpr int kSweeps = 200;
  for (int k = 0; k < kSweeps; ++k) post_sweep(*store, run.id, k);
  // Nothing waited for: watch the writer commit the posts from another connection, until the
  // last result is there (a generous bound only as a safety net).
  auto reader = Reader::open(tmp.path()).value();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::int64_t results = 0, worst_gap = 0;
  int reads = 0;
  while (results < kSweeps * kLanes) {
    REQUIRE(std::chrono::steady_clock::now() < give_up);
    auto totals = reader.totals(run.id);  // one statement: one snapshot
    REQUIRE(totals);
    // Sweep k's samples were appended before its first result: n results need every sample
    // of the sweeps they belong to.
    results = totals->results;
    worst_gap = std::max(worst_gap, (results + kLanes - 1) / kLanes * kLanes - totals->samples);
    ++reads;
  }
  INFO(reads << " reads");
  CHECK(worst_gap <= 0);
  CHECK(reader.totals(run.id).value().samples == kSweeps * kLanes);
}

TEST_CASE("a result posted for a run that is not open fails the next flush, naming the result") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto ended = store->begin_run(sweep_run()).value();
  REQUIRE(store->end_run(ended.id, RunStatus::finished));
  auto run = store->begin_run(sweep_run()).value();
  REQUIRE(store->post_result(run.id, {.name = "error_free_lanes", .value = 398}));
  // Queued without complaint: the writer finds out.
  REQUIRE(store->post_result(ended.id, {.name = "ber_upper", .lane = 17, .value = 1e-13}));
  REQUIRE(store->post_result(run.id, {.name = "array_pass", .value = 1}));
  auto flushed = store->flush();
  REQUIRE_FALSE(flushed);
  const std::string message = flushed.error().message;
  CHECK_THAT(message, Catch::Contains("ber_upper lane 17"));
  CHECK_THAT(message, Catch::Contains(fmt::format("run {} is not open", ended.id)));
  CHECK_FALSE(store->flush());  // sticky: reported again, not once
  CHECK(store->stats().lost_posts == 1);
  // The refusal took nothing else with it, and the open run is not blamed for it.
  REQUIRE(store->checkpoint(run.id, {"step", "{}", 1.0}));
  auto reader = Reader::open(tmp.path()).value();
  CHECK(reader.results(run.id).value().size() == 2);
  CHECK(reader.results(ended.id).value().empty());
}

TEST_CASE("after a lost result the run's checkpoint is refused and the run ends failed, not finished") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(sweep_run()).value();
  post_sweep(*store, run.id, 0);
  // SQLite stores a NaN as NULL (SQLite docs, "Datatypes In SQLite"), which results.value refuses.
  REQUIRE(store->post_result(run.id, {.name = "f3db_hz", .lane = 3, .value = std::numeric_limits<double>::quiet_NaN()}));
  post_sweep(*store, run.id, 1);

  auto checkpoint = store->checkpoint(run.id, {"temperature_done", "{}", 2.0});
  REQUIRE_FALSE(checkpoint);
  CHECK_THAT(checkpoint.error().message, Catch::Contains("checkpoint 'temperature_done'"));
  CHECK_THAT(checkpoint.error().message, Catch::Contains("f3db_hz lane 3"));
  CHECK_THAT(checkpoint.error().message, Catch::Contains("NOT NULL"));

  auto ended = store->end_run(run.id, RunStatus::finished);
  REQUIRE_FALSE(ended);
  CHECK_THAT(ended.error().message, Catch::Contains("f3db_hz lane 3"));
  auto reader = Reader::open(tmp.path()).value();
  CHECK(reader.run(run.id).value().status == RunStatus::failed);
  CHECK(reader.checkpoints(run.id).value().empty());
  bool reason_stored = false;
  const auto events = reader.events(run.id).value();
  for (const auto& e : events)
    reason_stored = reason_stored || (e.source == "store" && e.message.starts_with("failed") &&
                                      e.message.find("f3db_hz lane 3") != std::string::npos);
  CHECK(reason_stored);
  // Both sweeps around the refused result are kept.
  CHECK(reader.results(run.id).value().size() == std::size_t(2 * kLanes));
  CHECK(reader.totals(run.id).value().samples == 2 * kLanes);
}

TEST_CASE("samples for series whose posted declaration was refused are dropped, and the series named") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(sweep_run()).value();
  REQUIRE(store->end_run(run.id, RunStatus::aborted));
  auto handles = store->post_series(run.id, {{1, "optical_power", "W", temperature(85)}, {2, "optical_power", "W", "{}"}});
  REQUIRE(handles);
  REQUIRE(store->append((*handles)[0], 1.0, 1e-3));
  REQUIRE(store->append((*handles)[1], 1.0, 1e-3));
  auto flushed = store->flush();
  REQUIRE_FALSE(flushed);
  CHECK_THAT(flushed.error().message, Catch::Contains("series optical_power lane 1 {\"temperature_c\":85} and 1 more"));
  CHECK(store->stats().rejected_samples == 2);
  CHECK(store->stats().committed_samples == 0);
}
