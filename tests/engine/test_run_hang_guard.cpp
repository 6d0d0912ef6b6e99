// A script cannot hang or exhaust the engine with the instruments live: every case is a real
// run against twins served by this test, ending failed with a message naming the cause and
// the instruments safe. The cases where the engine thread stays stuck (a catastrophic pattern)
// end the process through the watchdog, so they run `ledlab run` as a child process against
// the same twins, which outlive it and are checked here.
#include "support/cli_process.hpp"
#include "support/run_fixture.hpp"

#include <csignal>
#include <fstream>
#include <sstream>

using namespace ledlab;

namespace {

using test::Twins;

void check_safe(Twins& twins) {
  const auto bench = twins.sim->bench();
  CHECK_FALSE(bench->drive().output_on);
  CHECK(bench->drive().bias_current_a == 0);
  CHECK(bench->chamber_setpoint_c() == 25);  // the station's safe temperature
}

constexpr const char* kHeatAndDrive =
    "chamber.set_setpoint(85)\npg.set_drive(8e-3, 4e-3)\npg.output(true)\nlog('drive on')\n";

// Exponential backtracking inside one string.find: no Lua hook runs until it returns.
constexpr const char* kCatastrophicPattern = "local r = string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b')\n";

// sequences/stations/sim.toml with the addresses these twins actually serve.
std::string station_file_for(Twins& twins, const std::string& name) {
  const std::string source = LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml";
  auto configured = engine::load_station(source);
  REQUIRE(configured);
  std::ifstream in(source);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& served : twins.sim->config().instruments) {
    for (const auto& inst : configured->instruments) {
      if (inst.name != served.name) continue;
      const std::string from = "\"" + inst.address + "\"";
      const auto at = text.find(from);
      REQUIRE(at != std::string::npos);
      text.replace(at, from.size(), "\"" + served.address + "\"");
    }
  }
  const std::string path = test::in_build(name);
  std::ofstream(path) << text;
  return path;
}

// `ledlab run` of `script` in a child process against the twins, into a fresh store.
std::string child_run_args(Twins& twins, const std::string& stem, const std::string& script, const std::string& db,
                           const std::string& extra) {
  test::remove_db(db);
  return "run " + test::write_script(stem + ".lua", script) + " --station " + station_file_for(twins, stem + ".toml") +
         " --db " + db + " " + extra;
}

}  // namespace

TEST_CASE("a script over its memory limit ends failed at file:line with the instruments safe") {
  Twins twins;
  std::string out;
  CHECK(test::run_script(twins, "hang_memory.lua", std::string(kHeatAndDrive) + "local s = string.rep('x', 2e9)\n", out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("hang_memory.lua:5: script memory limit of 512 MiB exceeded"));
  check_safe(twins);
}

TEST_CASE("a script with an endless __gc finalizer ends failed at the line that set it, with the instruments safe") {
  Twins twins;
  std::string out;
  const std::string finalizer = "setmetatable({}, {__gc = function() while true do end end})\n";
  CHECK(test::run_script(twins, "hang_gc.lua", std::string(kHeatAndDrive) + finalizer, out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("hang_gc.lua:5: __gc metamethods (finalizers) are not available in a sequence"));
  check_safe(twins);
}

TEST_CASE("log() of a table shared at every level ends failed with a clear error, with the instruments safe") {
  Twins twins;
  std::string out;
  const std::string shared = "local t = {}\nfor i = 1, 40 do t = {a = t, b = t} end\nlog(t)\n";
  CHECK(test::run_script(twins, "hang_shared.lua", std::string(kHeatAndDrive) + shared, out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("hang_shared.lua:7: log: more than 1000000 values"));
  check_safe(twins);
}

TEST_CASE("a run stuck in a catastrophic pattern is ended by the watchdog with every instrument safe and the run failed") {
  Twins twins;
  const std::string db = test::in_build("hang_pattern.sqlite");
  auto r = test::run_ledlab(child_run_args(twins, "hang_pattern", std::string(kHeatAndDrive) + kCatastrophicPattern, db,
                                           "--watchdog 2"));
  INFO(r.out);
  CHECK(r.code == 5);
  CHECK_THAT(r.out, Catch::Contains("the engine loop did not answer"));
  CHECK_THAT(r.out, Catch::Contains("pg: safe state reached"));
  check_safe(twins);
  CHECK_THAT(test::run_ledlab("runs --no-header --db " + db).out, Catch::Contains("\tfailed\t"));
  const std::string uuid = test::run_ledlab("runs --no-header --db " + db).out.substr(0, 36);
  const auto events = test::run_ledlab("export " + uuid + " --format csv --table events --db " + db);
  CHECK_THAT(events.out, Catch::Contains("watchdog: the engine loop did not answer"));
}

TEST_CASE("SIGTERM to a run stuck in a catastrophic pattern forces every instrument safe and ends the process") {
  Twins twins;
  const std::string db = test::in_build("hang_sigterm.sqlite");
  // A long watchdog timeout: the signal, not the heartbeat, must be what ends it.
  test::HeadlessRun run(child_run_args(twins, "hang_sigterm", std::string(kHeatAndDrive) + kCatastrophicPattern, db,
                                       "--watchdog 600"),
                        test::in_build("hang_sigterm.log"));
  REQUIRE(run.wait_for("drive on"));
  kill(run.pid, SIGTERM);
  CHECK(run.exit_code() == 5);
  INFO(run.text());
  CHECK_THAT(run.text(), Catch::Contains("SIGTERM was not acted on"));
  check_safe(twins);
  CHECK_THAT(test::run_ledlab("runs --no-header --db " + db).out, Catch::Contains("\tfailed\t"));
}
