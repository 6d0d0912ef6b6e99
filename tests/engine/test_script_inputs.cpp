// Bad script input reaches the script as an error at its line, never as an instrument setting
// or a lost batch: whole runs against the simulated station's twins.
#include "db/reader.hpp"
#include "db/sqlite.hpp"
#include "db/store.hpp"
#include "support/run_fixture.hpp"

using namespace ledlab;

namespace {

using test::Twins;
using test::run_script;

struct Run {
  int code = -1;
  std::string out;
};

Run run(Twins& twins, const std::string& name, const std::string& text) {
  Run r;
  r.code = run_script(twins, name, text, r.out);
  return r;
}

}  // namespace

TEST_CASE("set_drive given one table instead of two numbers fails the run at the script's line") {
  Twins twins;
  // The table used to be unpacked as the argument list: 3 mA of bias through a typo.
  const auto r = run(twins, "drive_table.lua", "pg.output(true)\npg.set_drive({0.003, 0.001})\n");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("drive_table.lua:2: invalid argument: pg.set_drive: expected 2 arguments (bias_a, modulation_a), got 1"));
  CHECK(twins.sim->bench()->drive().bias_current_a == 0);
}

TEST_CASE("instrument methods refuse NaN, non-whole and out-of-range numbers, naming the argument") {
  Twins twins;
  struct Case {
    const char* call;
    const char* expect;
  };
  const Case cases[] = {
      // gate_bits(-1) used to gate 18446744073709551615 bits.
      {"bert.gate_bits(-1)", "bert.gate_bits: argument 1 (bits) must be a whole number from 1 to 9000000000000000, not -1"},
      {"bert.gate_bits(1e3 + 0.5)", "bert.gate_bits: argument 1 (bits) must be a whole number"},
      {"pg.set_drive(0/0, 0.001)", "pg.set_drive: argument 1 (bias_a) must be a finite number"},
      {"chamber.set_setpoint(math.huge)", "chamber.set_setpoint: argument 1 (celsius) must be a finite number, not inf"},
      {"opm.read(1e10)", "opm.read: argument 1 (lane) must be a whole number from 1 to"},
      {"bert.set_pattern(31.5)", "bert.set_pattern: argument 1 (PRBS order) must be a whole number from 7 to 31"},
      {"chamber.temperature(3)", "chamber.temperature: expected 0 arguments (none), got 1"},
      {"pg.output(1)", "pg.output: expected one argument, true or false"},
  };
  for (const auto& c : cases) {
    const auto r = run(twins, "bad_arg.lua", std::string("local x = 1\n") + c.call + "\n");
    INFO(r.out);
    CHECK(r.code == 1);
    CHECK_THAT(r.out, Catch::Contains(std::string("bad_arg.lua:2: invalid argument: ") + c.expect));
  }
}

TEST_CASE("record{} with a lane number that is not a whole number in range fails the run naming it") {
  Twins twins;
  // lane = 1e10 used to be stored as lane -2147483648.
  const auto r = run(twins, "lane.lua", "record{quantity = 'power', unit = 'W', value = 1e-3, lane = 1e10}\n");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("lane.lua:1: record{power}: lane 10000000000 is not a whole number from 1 to 100000"));
}

TEST_CASE("one NaN among 400 lane values fails the run at the record's line, naming quantity and lane, storing none") {
  Twins twins;
  // It used to take the whole batch down in the store (NOT NULL constraint failed) while the
  // run still ended 'finished'.
  const auto r = run(twins, "nan_lane.lua",
                     "local v = {}\nfor i = 1, 400 do v[i] = 1e-4 end\nv[17] = 0/0\n"
                     "record{quantity = 'optical_power', unit = 'W', values = v}\n");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("nan_lane.lua:4: record{optical_power}: lane 17: "));
  CHECK_THAT(r.out, Catch::Contains("is not a finite number"));
  CHECK_THAT(r.out, Catch::Contains("failed: 0 record calls"));
}

TEST_CASE("result{} with a non-finite value or limit fails the run naming the result and lane") {
  Twins twins;
  auto r = run(twins, "nan_result.lua", "result{name = 'ber_upper', lane = 3, value = 0/0, unit = '1'}\n");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("nan_result.lua:1: result{ber_upper}: lane 3: value: "));
  r = run(twins, "inf_limit.lua", "result{name = 'p', value = 1, upper = math.huge}\n");
  CHECK_THAT(r.out, Catch::Contains("inf_limit.lua:1: result{p}: upper: inf is not a finite number"));
}

TEST_CASE("result{} stores qualifier = '>' and '<' and dead = true, a dead lane counted dead and not failed") {
  Twins twins;
  std::string out;
  const std::string script =
      "result{name = 'l70_h', lane = 1, value = 6000, unit = 'h', qualifier = '>'}\n"
      "result{name = 'ber_upper', lane = 2, value = 1e-12, unit = '1', qualifier = '<'}\n"
      "result{name = 'lane_failed', lane = 3, value = 1, unit = '1', upper = 0, dead = true}\n"
      "result{name = 'lane_failed', lane = 4, value = 0, unit = '1', upper = 0, dead = false}\n";
  REQUIRE(run_script(twins, "qualified.lua", script, out) == 0);
  auto reader = db::Reader::open(test::in_build("qualified.lua.sqlite"));
  REQUIRE(reader);
  const auto results = reader->results(reader->list_runs()->front().id).value();
  REQUIRE(results.size() == 4);
  CHECK(results[0].qualifier == db::Qualifier::at_least);
  CHECK(results[1].qualifier == db::Qualifier::at_most);
  CHECK(results[2].verdict == db::Verdict::dead);
  CHECK(results[2].qualifier == db::Qualifier::exact);
  CHECK(results[3].verdict == db::Verdict::pass);
}

TEST_CASE("result{} refuses a qualifier other than '>' or '<', a dead that is not a boolean and an unknown key, at the line") {
  Twins twins;
  auto r = run(twins, "bad_qualifier.lua", "\nresult{name = 'l70_h', lane = 2, value = 6000, qualifier = '>='}\n");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("bad_qualifier.lua:2: result{l70_h}: lane 2: qualifier= must be \">\"") &&
                        Catch::Contains(">="));
  r = run(twins, "bad_dead.lua", "result{name = 'p', value = 1, dead = 'yes'}\n");
  CHECK_THAT(r.out, Catch::Contains("bad_dead.lua:1: result{p}: dead= must be true or false, not \"yes\""));
  r = run(twins, "typo_key.lua", "result{name = 'p', value = 1, qualifer = '>'}\n");
  CHECK_THAT(r.out, Catch::Contains("typo_key.lua:1: result{p}: unknown key qualifer="));
}

TEST_CASE("a run whose samples the store refused ends failed with the store's message, not finished") {
  Twins twins;
  auto req = test::request_for(twins, "refused.lua", "record{quantity = 'power', unit = 'W', value = 1e-3}\nlog('recorded')\n",
                               "refused.sqlite");
  {
    // A store whose disk refuses samples: the writer fails the batch after record{} returned.
    auto store = db::Store::open(req.db);
    REQUIRE(store);
    REQUIRE((*store)->close());
    auto conn = db::Connection::open(req.db.string(), db::Connection::Mode::read_write_create);
    REQUIRE(conn);
    REQUIRE(conn->exec("CREATE TRIGGER refuse_samples BEFORE INSERT ON hot_samples "
                       "BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END;"));
  }
  std::ostringstream out;
  const int code = engine::run_sequence(req, out);
  INFO(out.str());
  CHECK(code == 1);
  CHECK_THAT(out.str(), Catch::Contains("simulated disk failure"));
  CHECK_THAT(out.str(), Catch::Contains(" failed: "));
  // The store took the run's end although it had refused a batch: failed, with the reason.
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().status == db::RunStatus::failed);
}

TEST_CASE("a directory given as the sequence is bad input, exit 2, and runs nothing") {
  Twins twins;
  auto req = test::request_for(twins, "dir_seq.lua", "", "dir_seq.sqlite");
  std::filesystem::remove(req.script);
  std::filesystem::create_directories(req.script);
  std::ostringstream out;
  CHECK(engine::run_sequence(req, out) == 2);
  CHECK_THAT(out.str(), Catch::Contains("is a directory, not a Lua file"));
  std::filesystem::remove(req.script);
}

TEST_CASE("the chamber's low-air and low-flow flags are logged as an alarm during a run") {
  // The air supply is lost from the start; the station's over_temperature interlock reads the
  // chamber's alarm register, which used to be looked at for over-temperature only.
  Twins twins([](engine::StationConfig& s) { s.twin_setup["chamber"].push_back("SIM:FAULT:AIR ON"); });
  const auto r = run(twins, "low_air.lua", "sleep(600)\n");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("alarm: chamber reports alarms: low flow, low air"));
}
