#include "db/reader.hpp"
#include "db/sha256.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::db;

namespace {

RunProvenance bandwidth_run() {
  RunProvenance p;
  p.sequence = "bandwidth_sweep";
  p.script_text = "for lane = 0, 399 do\n  measure(lane)\nend\n";
  p.parameters_json = R"({"drive_current_a":[0.001,0.002]})";
  p.station_json = R"({"bert1":"tcp://127.0.0.1:5025"})";
  p.operator_name = "a.lovelace";
  p.dut_serial = "MLA-20x20-0042";
  p.ledlab_version = "9.9.9-test";
  p.started_s = 1700000000.25;
  return p;
}

std::unique_ptr<Store> open_store(const test::TempDb& tmp, StoreOptions o = {}) {
  auto s = Store::open(tmp.path(), o);
  REQUIRE(s);
  return std::move(*s);
}

}  // namespace

TEST_CASE("every table reads back what the store wrote") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(bandwidth_run());
  REQUIRE(run);
  CHECK(run->uuid.size() == 36);
  CHECK(run->status == RunStatus::running);
  CHECK(run->script_sha256 == sha256_hex(bandwidth_run().script_text));

  InstrumentRecord bert{.id = 0, .name = "bert1", .kind = "bert", .resource = "tcp://127.0.0.1:5025",
                        .idn = "LEDLAB,SIMBERT,0001,1.0", .settings_json = R"({"pattern":"PRBS31"})"};
  REQUIRE(store->add_instrument(run->id, bert));
  REQUIRE(store->upsert_dut({.serial = "MLA-20x20-0042", .description = "20x20 array, wafer 7", .info_json = "{}",
                             .lanes = {{0, 0, 0, "A1"}, {1, 0, 1, "A2"}, {2, std::nullopt, std::nullopt, "spare"}}}));
  SeriesSpec power{.lane = 1, .quantity = "optical_power", .unit = "W",
                   .conditions_json = R"({"temperature_c":85,"drive_current_a":0.002})"};
  SeriesSpec chamber{.lane = std::nullopt, .quantity = "chamber_temperature", .unit = "degC", .conditions_json = "{}"};
  auto power_id = store->declare_series(run->id, power);
  auto chamber_id = store->declare_series(run->id, chamber);
  REQUIRE(power_id);
  REQUIRE(chamber_id);
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(store->append(*power_id, 1700000001.0 + i, 1e-3 * i));
    if (i % 10 == 0) REQUIRE(store->append(*chamber_id, 1700000001.0 + i, 85.0 + i * 1e-3));
  }
  ResultRecord f3db{.id = 0, .name = "f3db_hz", .lane = 1, .value = 1.2e9, .unit = "Hz", .lower_limit = 1e9,
                    .upper_limit = std::nullopt, .verdict = std::nullopt, .extra_json = R"({"fit":"single_pole"})",
                    .t_s = 1700000500.0};
  ResultRecord ber{.id = 0, .name = "ber_upper_95", .lane = 1, .value = 3e-12, .unit = "1", .lower_limit = std::nullopt,
                   .upper_limit = 1e-12, .verdict = std::nullopt, .extra_json = R"({"confidence":0.95,"bits":3e12})",
                   .t_s = 1700000501.0};
  ResultRecord aggregate{.id = 0, .name = "throughput_bps", .lane = std::nullopt, .value = 8e11, .unit = "b/s",
                         .lower_limit = std::nullopt, .upper_limit = std::nullopt, .verdict = std::nullopt,
                         .extra_json = "{}", .t_s = std::nullopt};
  REQUIRE(store->record_result(run->id, f3db));
  REQUIRE(store->record_result(run->id, ber));
  REQUIRE(store->record_result(run->id, aggregate));
  REQUIRE(store->log_event(run->id, {.id = 0, .t_s = 1700000600.0, .kind = EventKind::alarm, .source = "chamber1",
                                     .message = "out of band", .data_json = R"({"temperature_c":91.5})"}));
  REQUIRE(store->checkpoint(run->id, {"lane", R"({"next_lane":2})", 1700000601.0}));
  REQUIRE(store->checkpoint(run->id, {"lane", R"({"next_lane":3})", 1700000602.0}));  // replaces
  REQUIRE(store->end_run(run->id, RunStatus::finished, 1700000700.0));
  REQUIRE(store->flush());

  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  auto back = reader->find_run(run->uuid);
  REQUIRE(back);
  const RunProvenance p = bandwidth_run();
  CHECK(back->sequence == p.sequence);
  CHECK(back->script_text == p.script_text);
  CHECK(back->parameters_json == p.parameters_json);
  CHECK(back->station_json == p.station_json);
  CHECK(back->operator_name == p.operator_name);
  CHECK(back->dut_serial == p.dut_serial);
  CHECK(back->ledlab_version == "9.9.9-test");
  CHECK(back->started_s == 1700000000.25);
  CHECK(back->ended_s == 1700000700.0);
  CHECK(back->status == RunStatus::finished);
  CHECK(back->owner_pid == getpid());
  CHECK_FALSE(back->host.empty());

  auto instruments = reader->instruments(run->id).value();
  REQUIRE(instruments.size() == 1);
  CHECK(instruments[0].name == bert.name);
  CHECK(instruments[0].kind == bert.kind);
  CHECK(instruments[0].resource == bert.resource);
  CHECK(instruments[0].idn == bert.idn);
  CHECK(instruments[0].settings_json == bert.settings_json);

  auto dut = reader->dut("MLA-20x20-0042").value();
  CHECK(dut.description == "20x20 array, wafer 7");
  REQUIRE(dut.lanes.size() == 3);
  CHECK(dut.lanes[1].col == 1);
  CHECK(dut.lanes[1].label == "A2");
  CHECK_FALSE(dut.lanes[2].row.has_value());

  auto series = reader->series(run->id).value();
  REQUIRE(series.size() == 2);
  CHECK(series[0].spec.lane == 1);
  CHECK(series[0].spec.quantity == "optical_power");
  CHECK(series[0].spec.conditions_json == power.conditions_json);
  CHECK(series[0].sample_count == 1000);
  CHECK(series[0].first_t_s == 1700000001.0);
  CHECK(series[0].last_t_s == 1700000001.0 + 999);
  CHECK_FALSE(series[1].spec.lane.has_value());
  CHECK(series[1].sample_count == 100);

  auto samples = reader->samples(*power_id).value();
  REQUIRE(samples.size() == 1000);
  for (int i = 0; i < 1000; ++i) {
    CHECK(samples[i].series == *power_id);
    CHECK(samples[i].t_s == 1700000001.0 + i);
    CHECK(samples[i].value == 1e-3 * i);
  }
  auto window = reader->samples(*power_id, 1700000101.0, 1700000110.0).value();
  REQUIRE(window.size() == 10);
  CHECK(window.front().value == 1e-3 * 100);
  auto tail = reader->latest_samples(*chamber_id, 3).value();
  REQUIRE(tail.size() == 3);
  CHECK(tail.back().t_s == 1700000001.0 + 990);
  CHECK(tail.front().t_s == 1700000001.0 + 970);

  auto results = reader->results(run->id).value();
  REQUIRE(results.size() == 3);
  CHECK(results[0].name == "f3db_hz");
  CHECK(results[0].lane == 1);
  CHECK(results[0].value == 1.2e9);
  CHECK(results[0].lower_limit == 1e9);
  CHECK_FALSE(results[0].upper_limit.has_value());
  CHECK(results[0].verdict == Verdict::pass);  // judged from the limits
  CHECK(results[0].extra_json == f3db.extra_json);
  CHECK(results[1].verdict == Verdict::fail);  // BER bound above the limit
  CHECK(results[2].verdict == Verdict::not_judged);  // no limits, no verdict
  CHECK_FALSE(results[2].lane.has_value());

  auto events = reader->events(run->id).value();
  REQUIRE(events.size() == 3);  // running, the alarm, finished
  CHECK(events[0].kind == EventKind::state);
  CHECK(events[0].message == "running");
  CHECK(events[1].kind == EventKind::alarm);
  CHECK(events[1].source == "chamber1");
  CHECK(events[1].data_json == R"({"temperature_c":91.5})");
  CHECK(events[2].message == "finished");
  CHECK(reader->events(run->id, events[1].id).value().size() == 1);  // dashboard polls for new ones

  auto checkpoints = reader->checkpoints(run->id).value();
  REQUIRE(checkpoints.size() == 1);
  CHECK(checkpoints[0].state_json == R"({"next_lane":3})");
  CHECK(checkpoints[0].t_s == 1700000602.0);

  auto totals = reader->totals(run->id).value();
  CHECK(totals.samples == 1100);
  CHECK(totals.results_failed == 1);
  CHECK(totals.alarms_and_faults == 1);
}

TEST_CASE("runs are found by uuid prefix and listed by DUT, sequence and status") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  std::vector<RunRecord> runs;
  for (int i = 0; i < 6; ++i) {
    RunProvenance p = bandwidth_run();
    p.dut_serial = i % 2 ? "DUT-B" : "DUT-A";
    p.sequence = i < 3 ? "bandwidth_sweep" : "burn_in";
    p.started_s = 1000.0 + i;
    auto r = store->begin_run(p);
    REQUIRE(r);
    if (i < 5) REQUIRE(store->end_run(r->id, i == 4 ? RunStatus::aborted : RunStatus::finished));
    runs.push_back(*r);
  }
  auto reader = Reader::open(tmp.path()).value();
  CHECK(reader.list_runs().value().size() == 6);
  CHECK(reader.list_runs().value().front().uuid == runs[5].uuid);  // newest first
  CHECK(reader.list_runs({.dut_serial = "DUT-B"}).value().size() == 3);
  CHECK(reader.list_runs({.dut_serial = std::nullopt, .sequence = "burn_in"}).value().size() == 3);
  CHECK(reader.list_runs({.dut_serial = "DUT-A", .sequence = "burn_in"}).value().size() == 1);
  auto aborted = reader.list_runs({.dut_serial = {}, .sequence = {}, .status = RunStatus::aborted}).value();
  REQUIRE(aborted.size() == 1);
  CHECK(aborted[0].uuid == runs[4].uuid);
  CHECK(reader.list_runs({.dut_serial = {}, .sequence = {}, .status = RunStatus::running}).value().size() == 1);
  CHECK(reader.list_runs({.dut_serial = {}, .sequence = {}, .status = {}, .limit = 2}).value().size() == 2);

  CHECK(reader.find_run(runs[2].uuid.substr(0, 13)).value().id == runs[2].id);
  CHECK(reader.find_run("").error().code == Errc::invalid_argument);
  CHECK(reader.find_run("zzzz").error().code == Errc::not_found);
  CHECK(reader.find_run("%").error().code == Errc::not_found);  // LIKE wildcards are literal
  // Every uuid v4 has '-4' at position 14, so "????????-????-4" style prefixes are ambiguous;
  // the first character alone is ambiguous whenever two runs share it.
  std::map<char, int> first;
  for (auto& r : runs) ++first[r.uuid[0]];
  for (auto& [c, n] : first)
    if (n > 1) CHECK(reader.find_run(std::string(1, c)).error().code == Errc::invalid_argument);
}

TEST_CASE("a run whose process died is marked interrupted when the store next opens") {
  test::TempDb tmp;
  RunRecord run;
  {
    auto store = open_store(tmp);
    run = store->begin_run(bandwidth_run()).value();
    auto s = store->declare_series(run.id, {.lane = 0, .quantity = "ber", .unit = "1", .conditions_json = "{}"});
    REQUIRE(store->append(*s, 1700000042.0, 1e-9));
    REQUIRE(store->flush());
    // Hand the run to a process that has exited since (a reaped child), as a crash would.
    pid_t child = fork();
    if (child == 0) _exit(0);
    REQUIRE(waitpid(child, nullptr, 0) == child);
    auto conn = Connection::open(tmp.path().string(), Connection::Mode::read_write_create).value();
    REQUIRE(conn.exec("UPDATE runs SET owner_pid = " + std::to_string(child)));
    REQUIRE(store->log_event(run.id, {.id = 0, .t_s = 1700000043.0, .kind = EventKind::info, .source = "engine",
                                      .message = "last words", .data_json = "{}"}));
  }
  // Closing marked the run interrupted; put back the state a SIGKILL leaves: still
  // 'running', owned by a process that no longer exists, no closing event.
  auto conn = Connection::open(tmp.path().string(), Connection::Mode::read_write_create).value();
  REQUIRE(conn.exec("UPDATE runs SET status = 'running', ended_s = NULL"));
  REQUIRE(conn.exec("DELETE FROM events WHERE event_id > (SELECT max(event_id) FROM events WHERE message = 'last words')"));

  auto store = open_store(tmp);
  CHECK(store->stats().recovered_runs == 1);
  auto reader = Reader::open(tmp.path()).value();
  auto back = reader.run(run.id).value();
  CHECK(back.status == RunStatus::interrupted);
  CHECK(back.ended_s == 1700000043.0);  // the last thing it recorded
  auto events = reader.events(run.id).value();
  CHECK(events.back().kind == EventKind::state);
  CHECK_THAT(events.back().message, Catch::StartsWith("interrupted") && Catch::Contains("gone"));

  SECTION("and it can be resumed, its series taking samples again") {
    auto resumed = store->resume_run(run.id);
    REQUIRE(resumed);
    CHECK(resumed->status == RunStatus::running);
    auto series = reader.series(run.id).value();
    REQUIRE(store->append(series[0].id, 1700000100.0, 2e-9));
    REQUIRE(store->flush());
    CHECK(reader.samples(series[0].id).value().size() == 2);
    CHECK(store->stats().rejected_samples == 0);
    CHECK(store->resume_run(run.id).error().code == Errc::invalid_argument);  // already running
  }
}

TEST_CASE("a run whose owning process is alive is left running by a second store") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(bandwidth_run()).value();
  auto second = Store::open(tmp.path());  // e.g. a second station writing to the same file
  REQUIRE(second);
  CHECK((*second)->stats().recovered_runs == 0);
  auto reader = Reader::open(tmp.path()).value();
  CHECK(reader.run(run.id).value().status == RunStatus::running);
}

TEST_CASE("closing the store interrupts the runs it still had open") {
  test::TempDb tmp;
  RunId id;
  {
    auto store = open_store(tmp);
    id = store->begin_run(bandwidth_run()).value().id;
  }
  auto reader = Reader::open(tmp.path()).value();
  CHECK(reader.run(id).value().status == RunStatus::interrupted);
}

TEST_CASE("samples for a series the store did not declare are dropped and counted") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(bandwidth_run()).value();
  auto s = store->declare_series(run.id, {.lane = 3, .quantity = "optical_power", .unit = "W", .conditions_json = "{}"});
  REQUIRE(store->append(*s, 1.0, 1.0));
  REQUIRE(store->append(*s + 1000, 1.0, 1.0));
  REQUIRE(store->append(-5, 1.0, 1.0));
  REQUIRE(store->flush());
  CHECK(store->stats().committed_samples == 1);
  CHECK(store->stats().rejected_samples == 2);
  // Once the run ends its series are closed too.
  REQUIRE(store->end_run(run.id, RunStatus::finished));
  REQUIRE(store->append(*s, 2.0, 2.0));
  REQUIRE(store->flush());
  CHECK(store->stats().rejected_samples == 3);
  CHECK(store->declare_series(run.id, {}).error().code == Errc::invalid_argument);
}

TEST_CASE("a refused command does not take the batch's samples with it") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(bandwidth_run()).value();
  auto s = store->declare_series(run.id, {.lane = 3, .quantity = "optical_power", .unit = "W", .conditions_json = "{}"});
  REQUIRE(store->append(*s, 1.0, 1.0));
  CHECK_FALSE(store->add_instrument(run.id + 99, {}));  // no such run: foreign key
  REQUIRE(store->flush());
  CHECK(store->stats().committed_samples == 1);
}

TEST_CASE("an appender that outruns the writer never has more than two batches queued") {
  test::TempDb tmp;
  auto store = open_store(tmp, {.batch_samples = 1000, .max_latency = std::chrono::milliseconds(1000)});
  auto run = store->begin_run(bandwidth_run()).value();
  auto s = store->declare_series(run.id, {.lane = 0, .quantity = "optical_power", .unit = "W", .conditions_json = "{}"});
  std::uint64_t worst = 0;
  for (int i = 0; i < 200000; ++i) {
    REQUIRE(store->append(*s, i, i));
    auto st = store->stats();
    worst = std::max(worst, st.appended_samples - st.committed_samples);
  }
  CHECK(worst <= 2000);
  REQUIRE(store->flush());
  CHECK(store->stats().committed_samples == 200000);
}

TEST_CASE("a run rewound to its checkpoint twice keeps aside every sample and result of both killed parts") {
  test::TempDb tmp;
  auto store = open_store(tmp);
  auto run = store->begin_run(bandwidth_run());
  REQUIRE(run);
  auto series = store->declare_series(run->id, {1, "optical_power", "W", "{}"});
  REQUIRE(series);
  auto record = [&](double t0) {
    for (int i = 0; i < 5; ++i) REQUIRE(store->append(Sample{*series, t0 + i, 1e-4}));
    REQUIRE(store->record_result(run->id, {.name = "r", .value = t0, .unit = "1"}));
    REQUIRE(store->flush());
  };
  record(0);
  REQUIRE(store->checkpoint(run->id, {"step", "{}", 10.0}));
  record(20);  // the first killed part
  auto first = store->rewind_to_checkpoint(run->id);
  REQUIRE(first);
  CHECK(first->superseded_samples == 5);
  CHECK(first->superseded_results == 1);
  record(40);  // the second killed part: SQLite hands out the first part's ids again
  auto second = store->rewind_to_checkpoint(run->id);
  REQUIRE(second);
  CHECK(second->superseded_samples == 5);
  CHECK(second->superseded_results == 1);
  REQUIRE(store->close());
  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  CHECK(reader->connection().query_int("SELECT count(*) FROM superseded_samples").value() == 10);
  CHECK(reader->connection().query_int("SELECT count(*) FROM superseded_results").value() == 2);
  CHECK(reader->totals(run->id)->samples == 5);
  CHECK(reader->samples(*series)->size() == 5);
}
