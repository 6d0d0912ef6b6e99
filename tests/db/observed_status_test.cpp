// A run whose process was killed reads as interrupted at once: `runs` and `show` test the owner
// recorded with the run (host, pid, start token), without waiting for a writer to mark it.
#include "cli_support.hpp"
#include "db/ownership.hpp"
#include "db/reader.hpp"
#include "db/show.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::db;
using ledlab::db::test::run_cli;

namespace {

// A child process begins a run in `db`, says its uuid and waits; the parent kills it with
// SIGKILL (nothing of the child's runs after that) and reaps it. Returns the run's uuid.
std::string run_killed_while_running(const std::string& db) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = Store::open(db);
    if (!store) _exit(1);
    auto run = (*store)->begin_run({.sequence = "burn_in", .script_text = "x", .dut_serial = "MLA-KILLED"});
    if (!run) _exit(1);
    const std::string line = run->uuid + "\n";
    if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  std::string said;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') said += c;
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(said.size() == 36);
  return said;
}

}  // namespace

TEST_CASE("runs lists a run whose process was killed as interrupted without a writer marking it") {
  test::TempDb tmp;
  const std::string db = tmp.path().string();
  const std::string uuid = run_killed_while_running(db);
  {
    // No writer has opened the store since: the row still says running.
    auto reader = Reader::open(db).value();
    const RunRecord stored = reader.find_run(uuid).value();
    REQUIRE(stored.status == RunStatus::running);
    CHECK(observed_status(stored) == RunStatus::interrupted);
  }
  std::string out, err;
  REQUIRE(run_cli({"runs", "--db", db, "--no-header"}, out, err) == 0);
  CHECK_THAT(out, Catch::StartsWith(uuid + "\tinterrupted\t"));

  REQUIRE(run_cli({"runs", "--db", db, "--status", "interrupted", "--no-header"}, out, err) == 0);
  CHECK_THAT(out, Catch::StartsWith(uuid + "\tinterrupted\t"));
  REQUIRE(run_cli({"runs", "--db", db, "--status", "running", "--no-header"}, out, err) == 0);
  CHECK(out.empty());
  REQUIRE(run_cli({"runs", "--db", db, "--json"}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("\"status\": \"interrupted\""));

  REQUIRE(run_cli({"show", uuid, "--db", db}, out, err) == 0);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("status      interrupted (its process "));
  CHECK_THAT(out, Catch::Contains("the store says running until a writer next opens it)"));
  CHECK_THAT(out, Catch::Contains("verdict     INTERRUPTED: no verdict"));

  // What `ledlab ctl status` answers for it, no endpoint being left to ask.
  {
    auto reader = Reader::open(db).value();
    const std::string line = stored_state_line(reader, reader.find_run(uuid).value()).value();
    CHECK_THAT(line, Catch::Matches(R"(interrupted, its process \d+ on .+ is gone; no verdict; 0 results recorded .*)"));
  }

  // Reading changed nothing in the file.
  CHECK(Reader::open(db).value().find_run(uuid).value().status == RunStatus::running);
}

TEST_CASE("the stored state of an ended run states its end and its verdict") {
  test::TempDb tmp;
  const std::string db = tmp.path().string();
  RunRecord run;
  {
    auto store = Store::open(db).value();
    run = store->begin_run({.sequence = "bandwidth", .script_text = "x", .started_s = 1700000000.0}).value();
    REQUIRE(store->record_result(run.id, {.name = "f3db_hz", .lane = 1, .value = 1e9, .unit = "Hz", .lower_limit = 5e8,
                                          .t_s = 1700000100.0}));
    REQUIRE(store->end_run(run.id, RunStatus::finished, 1700005400.0));
    const RunRecord aborted = store->begin_run({.sequence = "bandwidth", .script_text = "x", .started_s = 1700010000.0}).value();
    REQUIRE(store->end_run(aborted.id, RunStatus::aborted, 1700013600.0));
  }
  auto reader = Reader::open(db).value();
  CHECK(stored_state_line(reader, reader.find_run(run.uuid).value()).value() ==
        "finished, ended 2023-11-14T23:43:20Z (1.50 h after the start); PASS: none of 1 judged results failed "
        "(1 pass, 0 dead, 0 not judged); no array verdict results");
  auto runs = reader.list_runs({.status = RunStatus::aborted}).value();
  REQUIRE(runs.size() == 1);
  CHECK(stored_state_line(reader, runs.front()).value() ==
        "aborted, ended 2023-11-15T02:00:00Z (1.00 h after the start); no verdict; 0 results recorded "
        "(0 pass, 0 fail, 0 dead, 0 not judged)");
}

TEST_CASE("runs lists a run whose process is alive as running") {
  test::TempDb tmp;
  const std::string db = tmp.path().string();
  auto store = Store::open(db).value();
  const RunRecord run = store->begin_run({.sequence = "burn_in", .script_text = "x"}).value();
  std::string out, err;
  REQUIRE(run_cli({"runs", "--db", db, "--status", "running", "--no-header"}, out, err) == 0);
  CHECK_THAT(out, Catch::StartsWith(run.uuid + "\trunning\t"));
  REQUIRE(run_cli({"runs", "--db", db, "--status", "interrupted", "--no-header"}, out, err) == 0);
  CHECK(out.empty());
}
