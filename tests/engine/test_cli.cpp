// The ledlab executable as a user runs it: exit codes and what it prints.
#include "db/reader.hpp"
#include "db/store.hpp"
#include "support/cli_process.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

namespace {

using namespace ledlab::test;

// 1000 simulated hours at the station's 3600x: far longer than any test.
constexpr const char* kLongSequence = "for i = 1, 1000 do sleep(3600); log('hour ' .. i) end\n";

}  // namespace

TEST_CASE("ledlab demo serves the simulated station and reads every instrument") {
  auto r = run_ledlab("demo --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  INFO(r.out);
  CHECK(r.code == 0);
  for (const char* name : {"opm", "chamber", "bert", "pg"}) CHECK_THAT(r.out, Catch::Contains(name));
  CHECK_THAT(r.out, Catch::Contains("*IDN?    Thorlabs,PM-ARRAY-SIM"));
  CHECK_THAT(r.out, Catch::Contains("5 instrument(s): 0 unreachable, 0 with errors"));
}

TEST_CASE("ledlab demo checks a chamber on a serial line by its own identity and heartbeat queries") {
  auto r = run_ledlab("demo --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim_serial_chamber.toml");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("thermal_chamber    serial:///"));
  CHECK_THAT(r.out, Catch::Contains("identity SCP-220 Ver.1.00"));
  CHECK_THAT(r.out, Catch::Contains("per heartbeat round trip"));
  CHECK_THAT(r.out, Catch::Contains("5 instrument(s): 0 unreachable, 0 with errors"));
}

TEST_CASE("ledlab sim lists a serial twin's pseudo-terminal as reachable from other processes") {
  // Started in the background, stopped with Ctrl-C (SIGINT) once it says it runs; the timeout
  // is only a safety net.
  const std::string listing = std::string(LEDLAB_BINARY_DIR) + "/sim-serial-listing.txt";
  auto r = run_shell("timeout 120 sh -c '" LEDLAB_BINARY_DIR "/ledlab sim --any-port --station " LEDLAB_SOURCE_DIR
                     "/sequences/stations/sim_serial_chamber.toml > " + listing + " 2>&1 & p=$!; "
                     "until grep -q \"running at time scale\" " + listing + "; do sleep 0.05; done; "
                     "kill -INT $p; wait $p; cat " + listing + "'");
  INFO(r.out);
  CHECK_THAT(r.out, Catch::Contains("thermal_chamber    serial:///"));
  CHECK_THAT(r.out, !Catch::Contains("USB bus"));
}

TEST_CASE("ledlab check exits non-zero and names the instrument that is unreachable") {
  const std::string path = std::string(LEDLAB_BINARY_DIR) + "/unreachable-station.toml";
  std::ofstream(path) << "[instruments.lonely_pm]\nkind = \"power_meter\"\naddress = \"tcp://127.0.0.1:9\"\n"
                         "connect_timeout_ms = 500\nreconnect_attempts = 1\n";
  auto r = run_ledlab("check --station " + path);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("lonely_pm"));
  CHECK_THAT(r.out, Catch::Contains("unreachable"));
}

TEST_CASE("a bad station file is a usage error that names file, line and key") {
  const std::string path = std::string(LEDLAB_BINARY_DIR) + "/bad-station.toml";
  std::ofstream(path) << "[instruments.pm]\nkind = \"power_meter\"\naddress = \"tcp://127.0.0.1:5025\"\ntimeout_ms = -4\n";
  auto r = run_ledlab("check --station " + path);
  CHECK(r.code == 2);
  CHECK_THAT(r.out, Catch::Contains("bad-station.toml:4: instruments.pm.timeout_ms"));
}

TEST_CASE("ledlab sim --dump-truth writes the bench's ground truth") {
  const std::string path = std::string(LEDLAB_BINARY_DIR) + "/truth-test.json";
  std::remove(path.c_str());
  // The chamber's configured port taken (by this test, or by a `ledlab sim` elsewhere): dumping
  // the truth serves nothing and must not need it.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor squatter(io);
  boost::system::error_code ignored;
  squatter.open(boost::asio::ip::tcp::v4(), ignored);
  squatter.bind({boost::asio::ip::make_address("127.0.0.1"), 55102}, ignored);
  squatter.listen(1, ignored);
  auto r = run_ledlab("sim --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml --dump-truth " + path);
  INFO(r.out);
  CHECK(r.code == 0);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("\"lanes\""));
  CHECK_THAT(text, Catch::Contains("f3db_hz"));
  CHECK_THAT(text, Catch::Contains("\"saturation_current_25c_a\""));  // each lane's diode
}

TEST_CASE("a run on a new DUT registers its lanes table from the station's array, and never replaces one the lab stored") {
  const std::string db = in_build("dut-lanes.sqlite");
  const std::string script = write_script("dut-lanes.lua", "log('nothing to measure')\n");
  const std::string run = run_args(script, db);  // removes the store: before the lab's table goes in
  {
    // The lab's own table for one DUT: two lanes, placed by hand.
    auto store = ledlab::db::Store::open(db);
    REQUIRE(store);
    REQUIRE((*store)->upsert_dut({.serial = "HAND-1", .description = "placed by hand", .lanes = {{1, 7, 3, "a"}, {2, 7, 4, "b"}}}));
  }
  REQUIRE(run_ledlab(run + " --dut NEW-1").code == 0);
  REQUIRE(run_ledlab(run + " --dut HAND-1").code == 0);
  auto reader = ledlab::db::Reader::open(db);
  REQUIRE(reader);
  auto fresh = reader->dut("NEW-1");
  REQUIRE(fresh);
  // sim.toml's array: 20 x 20, lanes row by row from 1.
  REQUIRE(fresh->lanes.size() == 400);
  CHECK(fresh->description == "20 x 20 array");
  CHECK(fresh->lanes[20].lane == 21);
  CHECK(fresh->lanes[20].row == 2);
  CHECK(fresh->lanes[20].col == 1);
  CHECK(fresh->lanes[399].row == 20);
  CHECK(fresh->lanes[399].col == 20);
  auto hand = reader->dut("HAND-1");
  REQUIRE(hand);
  REQUIRE(hand->lanes.size() == 2);
  CHECK(hand->description == "placed by hand");
  CHECK(hand->lanes[1].row == 7);
  CHECK(hand->lanes[1].col == 4);
}

TEST_CASE("ledlab run records a sequence on the simulated station and ends it finished") {
  const std::string db = in_build("run-test.sqlite");
  auto r = run_ledlab(run_args(LEDLAB_SOURCE_DIR "/sequences/power_vs_temperature.lua", db) + " --dut ARR-7 -p temps=25,85");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("85 C: mean"));
  auto runs = run_ledlab("runs --no-header --db " + db);
  CHECK_THAT(runs.out, Catch::Contains("\tfinished\t"));
  CHECK_THAT(runs.out, Catch::Contains("ARR-7"));
  const std::string uuid = runs.out.substr(0, runs.out.find('\t'));
  auto samples = run_ledlab("export " + uuid + " --format csv --table samples --db " + db);
  REQUIRE(samples.code == 0);
  // One power reading per lane per temperature plus one chamber reading each, and a header;
  // the engine's environment log (env_*) besides.
  std::istringstream lines(samples.out);
  std::size_t script_rows = 0, env_rows = 0;
  for (std::string line; std::getline(lines, line);) ++(line.find(",env_") != std::string::npos ? env_rows : script_rows);
  CHECK(script_rows == 2 * 400 + 2 + 1);
  CHECK(env_rows > 0);
}

TEST_CASE("a sequence that fails reports file:line, exits 1 and is stored as failed") {
  const std::string db = in_build("run-fail.sqlite");
  auto r = run_ledlab(run_args(write_script("broken_sequence.lua", "pg.set_drive(1e-3, 1e-3)\nlocal x = nil\nlog(x.field)\n"), db));
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("broken_sequence.lua:3:"));
  CHECK_THAT(run_ledlab("runs --no-header --db " + db).out, Catch::Contains("\tfailed\t"));
}

TEST_CASE("a finished run whose verdict is FAIL exits 3 and says what the verdict is built from, and a pass exits 0") {
  // Lane 2 fails its limit, lane 3 is dead: without an array verdict result every judged
  // result counts, and the dead lane is counted dead, not failed.
  const std::string lanes =
      "result{name = 'f3db_hz', lane = 1, value = 1e9, unit = 'Hz', lower = 5e8}\n"
      "result{name = 'f3db_hz', lane = 2, value = 1e8, unit = 'Hz', lower = 5e8}\n"
      "result{name = 'f3db_hz', lane = 3, value = 0, unit = 'Hz', lower = 5e8, dead = true}\n";
  auto r = run_ledlab(run_args(write_script("verdict_fail.lua", lanes), in_build("run-verdict-fail.sqlite")));
  INFO(r.out);
  CHECK(r.code == 3);
  CHECK_THAT(r.out, Catch::Contains("FAIL: 1 of 2 judged results failed (1 pass, 1 dead, 0 not judged); no array verdict results"));
  // The sequence's array criterion passes: the run passes, the failing lane is stated apart.
  r = run_ledlab(run_args(write_script("verdict_array.lua", lanes + "result{name = 'array_pass', value = 1, unit = '1', lower = 1}\n"),
                          in_build("run-verdict-array.sqlite")));
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("PASS: the one array verdict result passed (array_pass: 1 pass); lane results, not part of "
                                    "the verdict: 1 pass, 1 fail, 1 dead, 0 not judged"));
}

TEST_CASE("ledlab run --report prints the verdict once, then the summary and the report's path") {
  const std::string html = in_build("run-report-once.html");
  std::remove(html.c_str());
  auto r = run_ledlab(run_args(write_script("report_once.lua", "result{name = 'f3db_hz', lane = 1, value = 1e8, unit = 'Hz', "
                                                               "lower = 5e8}\n"), in_build("run-report-once.sqlite")) +
                      " --report " + html);
  INFO(r.out);
  CHECK(r.code == 3);
  std::size_t verdicts = 0;
  for (auto at = r.out.find("FAIL: 1 of 1 judged results failed"); at != std::string::npos;
       at = r.out.find("FAIL: 1 of 1 judged results failed", at + 1))
    ++verdicts;
  CHECK(verdicts == 1);
  CHECK_THAT(r.out, Catch::Contains("  f3db_hz "));  // the counts per result name
  CHECK_THAT(r.out, Catch::EndsWith("report: " + html + "\n"));
  CHECK(std::filesystem::exists(html));
}

TEST_CASE("a drive above the station's limit is refused by the driver, naming the instrument") {
  auto r = run_ledlab(run_args(write_script("overdrive.lua", "pg.set_drive(0.05, 0.01)\n"), in_build("run-limit.sqlite")));
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("overdrive.lua:1:"));
  CHECK_THAT(r.out, Catch::Contains("pg"));
  CHECK_THAT(r.out, Catch::Contains("limit"));
}

TEST_CASE("Ctrl-C pauses a headless run and a second Ctrl-C aborts it, recorded as operator actions") {
  const std::string db = in_build("run-signal.sqlite");
  const std::string user = std::getenv("USER") ? std::getenv("USER") : "";
  setenv("USER", "sig-tester", 1);  // whoever runs it: named in the events
  HeadlessRun run(run_args(write_script("long_sequence.lua", kLongSequence), db), in_build("run-signal.log"));
  REQUIRE(run.wait_for("hour 1"));
  kill(run.pid, SIGINT);
  if (user.empty()) unsetenv("USER");
  else setenv("USER", user.c_str(), 1);
  REQUIRE(run.wait_for("paused by sig-tester via the run's terminal on host "));
  kill(run.pid, SIGINT);
  CHECK(run.exit_code() == 4);
  CHECK_THAT(run_ledlab("runs --no-header --db " + db).out, Catch::Contains("\taborted\t"));
  const std::string uuid = run_ledlab("runs --no-header --db " + db).out.substr(0, 36);
  auto events = run_ledlab("export " + uuid + " --format csv --table events --db " + db);
  CHECK_THAT(events.out, Catch::Contains(",operator,operator,paused by sig-tester via the run's terminal on host "));
  CHECK_THAT(events.out, Catch::Contains("abort: second Ctrl-C by sig-tester via the run's terminal"));
}

TEST_CASE("ledlab ctl pauses, resumes and aborts a headless run from another process") {
  const std::string dir = in_build("ctl-runs");
  setenv("LEDLAB_RUN_DIR", dir.c_str(), 1);  // inherited by both ledlab processes
  const std::string user = std::getenv("USER") ? std::getenv("USER") : "";
  setenv("USER", "ctl-tester", 1);  // the name `ledlab ctl` sends
  HeadlessRun run(run_args(write_script("ctl_sequence.lua", kLongSequence), in_build("run-ctl.sqlite")),
                  in_build("run-ctl.log"));
  REQUIRE(run.wait_for("hour 1"));
  const std::string uuid = run.text().substr(4, 36);  // "run <uuid> started: ..."
  auto paused = run_ledlab("ctl pause " + uuid.substr(0, 8));
  CHECK(paused.code == 0);
  CHECK_THAT(paused.out, Catch::Contains("paused"));
  // At 3600x a simulated hour is a wall second. Paused, the sleep in progress may still end
  // (one more line) but no further hour starts during 2.5 s.
  const long lines_at_pause = run.lines();
  usleep(2500000);
  CHECK(run.lines() <= lines_at_pause + 1);
  CHECK_THAT(run_ledlab("ctl status " + uuid).out, Catch::Contains("paused"));
  CHECK_THAT(run_ledlab("ctl resume " + uuid).out, Catch::Contains("running"));
  CHECK_THAT(run_ledlab("ctl abort " + uuid).out, Catch::Contains("aborting"));
  CHECK(run.exit_code() == 4);
  // Each action names who sent it, from which program and host.
  CHECK_THAT(run.text(), Catch::Contains("paused by ctl-tester via ledlab ctl on host "));
  CHECK_THAT(run.text(), Catch::Contains("resumed by ctl-tester via ledlab ctl on host "));
  CHECK_THAT(run.text(), Catch::Contains("abort: aborted by ctl-tester via ledlab ctl on host "));
  const auto events = run_ledlab("export " + uuid + " --format csv --table events --db " + in_build("run-ctl.sqlite"));
  CHECK_THAT(events.out, Catch::Contains("started by ctl-tester via ledlab run on host "));
  // The run has ended: its endpoint is gone.
  auto gone = run_ledlab("ctl status " + uuid);
  CHECK(gone.code == 1);
  CHECK_THAT(gone.out, Catch::Contains("no running sequence"));
  unsetenv("LEDLAB_RUN_DIR");
  if (user.empty()) unsetenv("USER");
  else setenv("USER", user.c_str(), 1);
}

TEST_CASE("a prompt is answered with ledlab ctl answer, which refuses a choice not offered and names who answered") {
  const std::string dir = in_build("ctl-prompt-runs");
  setenv("LEDLAB_RUN_DIR", dir.c_str(), 1);
  const std::string user = std::getenv("USER") ? std::getenv("USER") : "";
  setenv("USER", "ctl-tester", 1);
  const std::string db = in_build("run-ctl-prompt.sqlite");
  HeadlessRun run(run_args(write_script("ctl_prompt.lua", "local c = prompt{text = 'Move the fibre bundle to block B', "
                                                          "choices = {'OK', 'Skip'}}\nlog('chose ' .. c)\n"),
                           db),
                  in_build("run-ctl-prompt.log"));
  REQUIRE(run.wait_for("waiting for operator: Move the fibre bundle to block B (choices: OK, Skip)"));
  const std::string uuid = run.text().substr(4, 36);
  CHECK_THAT(run.text(), Catch::Contains("ledlab ctl answer " + uuid.substr(0, 8) + " CHOICE"));
  // The run's state says it waits on a person, and what for.
  CHECK_THAT(run_ledlab("ctl status " + uuid).out,
             Catch::StartsWith("waiting for operator: Move the fibre bundle to block B (choices: OK, Skip)"));
  const auto snapshot = run_ledlab("ctl snapshot " + uuid);
  CHECK_THAT(snapshot.out, Catch::Contains("\"state\":\"waiting for operator\"") &&
                               Catch::Contains("\"choices\":[\"OK\",\"Skip\"]"));
  // A choice not offered: refused, the valid ones listed, the prompt still waiting.
  auto maybe = run_ledlab("ctl answer " + uuid + " Maybe");
  CHECK(maybe.code == 2);
  CHECK_THAT(maybe.out, Catch::Contains("'Maybe' is not one of the choices: OK, Skip"));
  CHECK(run_ledlab("ctl answer " + uuid).code == 2);  // no choice
  auto ok = run_ledlab("ctl answer " + uuid.substr(0, 8) + " ok");
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::Contains("answered 'OK'"));
  CHECK(run.exit_code() == 0);
  CHECK_THAT(run.text(), Catch::Contains("chose OK"));
  const auto events = run_ledlab("export " + uuid + " --format csv --table events --db " + db);
  CHECK_THAT(events.out, Catch::Contains(",state,prompt,\"waiting for operator: Move the fibre bundle to block B (choices: OK, Skip)\""));
  CHECK_THAT(events.out, Catch::Contains(",operator,operator,answered 'OK' by ctl-tester via ledlab ctl on host "));
  unsetenv("LEDLAB_RUN_DIR");
  if (user.empty()) unsetenv("USER");
  else setenv("USER", user.c_str(), 1);
}

TEST_CASE("at the run's terminal a prompt rings, numbers its choices and takes a typed number as the answer") {
  const std::string db = in_build("run-terminal-prompt.sqlite");
  const std::string log = in_build("run-terminal-prompt.log");
  const std::string fifo = in_build("run-terminal-prompt.fifo");
  std::remove(log.c_str());
  std::remove(fifo.c_str());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string script = write_script("terminal_prompt.lua", "local c = prompt{text = 'Close the lid', "
                                                                 "choices = {'OK', 'Skip'}}\nlog('chose ' .. c)\n");
  // script(1) runs the run on a pseudo-terminal, its input a terminal as an operator's is; what
  // the test types goes in through the FIFO.
  const std::string cmd = "exec script -qfec '" + std::string(LEDLAB_BINARY_DIR) + "/ledlab " + run_args(script, db) +
                          "' /dev/null < " + fifo + " > " + log + " 2>&1";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const int keys = ::open(fifo.c_str(), O_WRONLY);  // returns once the run's side has it open
  REQUIRE(keys >= 0);
  const auto text = [&] {
    std::ifstream in(log);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  bool shown = false;
  for (int i = 0; i < 200 * kSanitizerSlowdown && !shown; ++i, usleep(50000))
    shown = text().find("[1] OK  [2] Skip") != std::string::npos;
  REQUIRE(shown);
  CHECK_THAT(text(), Catch::Contains("\a  [1] OK  [2] Skip"));  // the bell, then the choices
  CHECK_THAT(text(), Catch::Contains("answer with a choice (or its number) and Enter here"));
  REQUIRE(::write(keys, "2\n", 2) == 2);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  ::close(keys);
  INFO(text());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(text(), Catch::Contains("chose Skip"));
  CHECK_THAT(text(), Catch::Contains("answered 'Skip' by ") && Catch::Contains(" via the run's terminal on host ") &&
                         Catch::Contains(" (typed) to: Close the lid"));
}

TEST_CASE("ledlab ctl status of a run that has ended answers from the store: its state, end and verdict") {
  const std::string dir = in_build("ctl-ended-runs");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  setenv("LEDLAB_RUN_DIR", dir.c_str(), 1);
  const std::string db = in_build("run-ctl-ended.sqlite");
  auto r = run_ledlab(run_args(write_script("ctl_ended.lua", "result{name = 'f3db_hz', lane = 1, value = 1e9, unit = 'Hz', "
                                                             "lower = 5e8}\n"), db));
  REQUIRE(r.code == 0);
  const std::string uuid = run_ledlab("runs --no-header --db " + db).out.substr(0, 36);

  auto status = run_ledlab("ctl status " + uuid.substr(0, 8) + " --db " + db);
  INFO(status.out);
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Catch::StartsWith("finished, ended 20"));
  CHECK_THAT(status.out, Catch::Contains("; PASS: none of 1 judged results failed"));
  CHECK_THAT(status.out, Catch::Contains("(run " + uuid + ", not running: from the store " + db + ")"));

  // A run neither running nor in the store: both places named.
  auto unknown = run_ledlab("ctl status " + uuid + " --db " + in_build("ctl-no-such.sqlite"));
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.out, Catch::Contains("no running sequence '" + uuid + "' under " + dir));
  CHECK_THAT(unknown.out, Catch::Contains("ctl-no-such.sqlite"));
  // Steering a run that has ended is still an error.
  CHECK(run_ledlab("ctl pause " + uuid + " --db " + db).code == 1);
  unsetenv("LEDLAB_RUN_DIR");
}

TEST_CASE("ledlab run refuses a damaged or foreign results store, naming it, and leaves it as it was") {
  const std::string db = in_build("run-damaged.sqlite");
  const std::string script = write_script("short_sequence.lua", "log('short')\n");
  const std::string run = "run " + script + " --station " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml --sim --db " + db;
  REQUIRE(run_ledlab(run_args(script, db)).code == 0);
  SECTION("a store cut short") {
    const auto half = std::filesystem::file_size(db) / 2;
    std::filesystem::resize_file(db, half);
    auto r = run_ledlab(run);
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains(db) && Catch::Contains("truncated"));
    CHECK(std::filesystem::file_size(db) == half);
  }
  SECTION("a file that is not a database") {
    std::ofstream(db, std::ios::trunc) << "lane,power_w\n1,0.001\n";
    auto r = run_ledlab(run);
    INFO(r.out);
    CHECK(r.code == 2);
    CHECK_THAT(r.out, Catch::Contains(db) && Catch::Contains("not a SQLite database"));
  }
}

TEST_CASE("a parameter, DUT or operator that is not UTF-8 is refused, naming it") {
  const std::string db = in_build("run-not-utf8.sqlite");
  const std::string script =
      write_script("dut_type_sequence.lua", "local p = params { dut_type = { type = 'string', default = 'A' } }\n");
  auto bad_param = run_ledlab(run_args(script, db) + " -p \"dut_type=$(printf 'A\\377')\"");
  INFO(bad_param.out);
  CHECK(bad_param.code == 2);
  CHECK_THAT(bad_param.out, Catch::Contains("parameter dut_type: the value is not valid UTF-8 (byte 0xff at offset 1)"));
  auto bad_operator = run_ledlab(run_args(script, db) + " --operator \"$(printf 'J\\366rg')\"");
  CHECK(bad_operator.code == 2);
  CHECK_THAT(bad_operator.out, Catch::Contains("--operator: the value is not valid UTF-8"));
}

TEST_CASE("text from a script that is not UTF-8 neither stops the run nor its JSON export") {
  const std::string db = in_build("run-script-bytes.sqlite");
  const std::string script = write_script("raw_bytes_sequence.lua", R"lua(
pg.set_drive(1e-3, 1e-3)
log("caf\233")
progress(0.5, "step \255")
record { quantity = "optical_power", unit = "W", value = 1e-3, conditions = { label = "\255" } }
result { name = "r", value = 1, extra = { note = "\255" } }
checkpoint("c", { note = "\255" })
log("reached the end")
error("bad \255 byte")
)lua");
  auto r = run_ledlab(run_args(script, db));
  INFO(r.out);
  CHECK(r.code == 1);  // failed by its error(), not aborted by the engine
  CHECK_THAT(r.out, Catch::Contains("reached the end"));
  const std::string uuid = r.out.substr(4, 36);
  auto exported = run_ledlab("export " + uuid + " --format json --db " + db);
  CHECK(exported.code == 0);
  CHECK_THAT(exported.out, Catch::Contains("bad \xef\xbf\xbd byte") && Catch::Contains("\"label\":\"\xef\xbf\xbd\""));
}

namespace {

// A Unix socket file at `path`: listening (and never accepting) while the result lives, or
// left behind closed, as a SIGKILLed run leaves its control socket.
int listen_at(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  return fd;
}

}  // namespace

TEST_CASE("ledlab ctl says a SIGKILLed run is not running and gives up on a run that does not answer") {
  const std::string dir = in_build("ctl-stale-runs");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  setenv("LEDLAB_RUN_DIR", dir.c_str(), 1);
  const std::string ledlab = "timeout 60 " + std::string(LEDLAB_BINARY_DIR) + "/ledlab ";

  ::close(listen_at(dir + "/5ca1ab1e-0000-4000-8000-000000000001.sock"));
  auto stale = run_shell(ledlab + "ctl abort 5ca1ab1e");
  CHECK(stale.code == 1);
  CHECK_THAT(stale.out, Catch::Contains("run 5ca1ab1e-0000-4000-8000-000000000001 is not running"));

  const int stuck = listen_at(dir + "/0dd5f00d-0000-4000-8000-000000000002.sock");
  auto silent = run_shell(ledlab + "ctl abort 0dd5f00d --timeout 0.5");
  ::close(stuck);
  CHECK(silent.code == 1);
  CHECK_THAT(silent.out, Catch::Contains("did not answer within 500 ms"));
  unsetenv("LEDLAB_RUN_DIR");
}

TEST_CASE("ledlab run --dut A=SN1 --dut B=SN2 runs a batch, and a batch report goes beside each DUT's report") {
  const std::string db = in_build("cli-batch.sqlite");
  const std::string script = write_script("cli-batch.lua", "chamber.set_setpoint(30)\nrecord { quantity = 'x', value = 1 }\n");
  const std::string page = in_build("cli-batch.html");
  auto r = run_ledlab(run_args(script, db) + " --dut A=SN-1 --dut B=SN-2 --report " + page);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("[A] run ") && Catch::Contains("[B] run "));
  CHECK(std::filesystem::exists(page));
  CHECK(std::filesystem::exists(in_build("cli-batch-A.html")));
  CHECK(std::filesystem::exists(in_build("cli-batch-B.html")));
  auto runs = run_ledlab("runs --no-header --db " + db);
  CHECK_THAT(runs.out, Catch::Contains("\tSN-1\t-\t") && Catch::Contains("\tA\n") && Catch::Contains("\tB\n"));
}

TEST_CASE("ledlab run refuses --dut given twice without sockets, or both forms mixed, naming the form to use") {
  const std::string db = in_build("cli-batch-bad.sqlite");
  const std::string script = write_script("cli-batch-bad.lua", "log('never')\n");
  auto twice = run_ledlab(run_args(script, db) + " --dut SN-1 --dut SN-2");
  CHECK(twice.code == 2);
  CHECK_THAT(twice.out, Catch::Contains("--dut A=SN1 --dut B=SN2"));
  auto mixed = run_ledlab(run_args(script, db) + " --dut A=SN-1 --dut SN-2");
  CHECK(mixed.code == 2);
  CHECK_THAT(mixed.out, Catch::Contains("--dut 'SN-2': in a batch every DUT names its socket"));
}
