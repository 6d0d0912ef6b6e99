// Kills a writing process with SIGKILL at random moments, several times over the same file,
// and checks after each kill that the database is intact, that every sample the writer had
// confirmed is there (and nothing but a prefix of what it appended), and that the run is
// marked interrupted with an event saying why.
#include "db/reader.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

using namespace ledlab;
using namespace ledlab::db;

namespace {

struct Child {
  pid_t pid = -1;
  int out = -1;  // its stdout
};

Child spawn_writer(const std::string& db, const std::string& kill_at_step = {}) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    if (kill_at_step.empty())
      execl(LEDLAB_CRASH_WRITER, LEDLAB_CRASH_WRITER, db.c_str(), static_cast<char*>(nullptr));
    else
      execl(LEDLAB_CRASH_WRITER, LEDLAB_CRASH_WRITER, db.c_str(), kill_at_step.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// What the child has said so far.
struct Progress {
  std::string run_uuid;
  std::int64_t committed = 0;
  bool died_in_compaction = false;
  std::string partial;
  void feed(const char* data, std::size_t n) {
    partial.append(data, n);
    for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
      std::string line = partial.substr(0, nl);
      partial.erase(0, nl + 1);
      if (line.starts_with("run ")) run_uuid = line.substr(4);
      if (line.starts_with("committed ")) committed = std::stoll(line.substr(10));
      if (line == "dying in compaction") died_in_compaction = true;
    }
  }
};

// Reads the child's reports until `deadline`; returns early once `commits_wanted` commits were reported.
void follow(Child& c, Progress& p, std::chrono::steady_clock::time_point deadline, std::int64_t commits_wanted) {
  char buf[4096];
  while (p.committed < commits_wanted) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd pfd{c.out, POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(left.count())) <= 0) return;
    ssize_t n = read(c.out, buf, sizeof buf);
    if (n <= 0) return;  // the child died on its own: the checks below will say why
    p.feed(buf, static_cast<std::size_t>(n));
  }
}

// After a kill: the file is intact as the kill left it, opening a store recovers it, and the
// run holds exactly the samples 0 .. N-1 with N at least what the writer saw committed.
// Returns N, or nothing when the kill came before the run existed.
std::optional<std::int64_t> check_recovery(test::TempDb& tmp, const Progress& progress) {
  {
    // Before anyone writes: the file as the kill left it must already be consistent.
    auto reader = Reader::open(tmp.path());
    if (reader) CHECK(reader->integrity_check().value() == "ok");
  }
  auto store = Store::open(tmp.path());  // recovery
  REQUIRE(store);
  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  CHECK(reader->integrity_check().value() == "ok");
  CHECK(reader->list_runs({.dut_serial = {}, .sequence = {}, .status = RunStatus::running}).value().empty());
  if (progress.run_uuid.empty()) return std::nullopt;  // killed before the run existed

  auto run = reader->find_run(progress.run_uuid);
  REQUIRE(run);
  CHECK(run->status == RunStatus::interrupted);
  auto events = reader->events(run->id).value();
  REQUIRE_FALSE(events.empty());
  CHECK_THAT(events.back().message, Catch::StartsWith("interrupted"));

  std::vector<double> values;
  auto series = reader->series(run->id).value();
  for (const SeriesRecord& s : series) {
    auto samples = reader->samples(s.id).value();
    for (const Sample& x : samples) {
      values.push_back(x.value);
      CHECK(x.t_s == std::floor(x.value / 8));
      CHECK(static_cast<std::int64_t>(x.value) % 8 == s.spec.lane.value());
    }
  }
  std::sort(values.begin(), values.end());
  CHECK(static_cast<std::int64_t>(values.size()) >= progress.committed);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (values[i] != static_cast<double>(i)) FAIL("sample " << i << " missing or duplicated");
  return static_cast<std::int64_t>(values.size());
}

}  // namespace

TEST_CASE("SIGKILL at random moments loses no committed sample and leaves an intact, recoverable file") {
  test::TempDb tmp;
  std::mt19937 rng(Catch::rngSeed() ? Catch::rngSeed() : std::random_device{}());
  constexpr int kKills = 8;
  std::vector<std::pair<std::string, std::int64_t>> survivors;  // run uuid, samples that must stay

  for (int round = 0; round < kKills; ++round) {
    Child child = spawn_writer(tmp.path().string());
    Progress progress;
    auto start = std::chrono::steady_clock::now();
    // Half the kills at a random time (often mid-open, mid-migration or mid-commit), half
    // right after a random number of confirmed commits.
    if (round % 2 == 0) {
      int ms = std::uniform_int_distribution<int>(0, 400)(rng);
      follow(child, progress, start + std::chrono::milliseconds(ms), INT64_MAX);
    } else {
      int commits = std::uniform_int_distribution<int>(1, 200)(rng);
      follow(child, progress, start + std::chrono::seconds(20), 997LL * commits);
      std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    }
    REQUIRE(kill(child.pid, SIGKILL) == 0);
    int status = 0;
    REQUIRE(waitpid(child.pid, &status, 0) == child.pid);
    // Whatever the child wrote before dying is still in the pipe: read it all.
    follow(child, progress, std::chrono::steady_clock::now() + std::chrono::milliseconds(50), INT64_MAX);
    close(child.out);
    INFO("round " << round << ", run " << progress.run_uuid << ", confirmed " << progress.committed);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);

    if (auto kept = check_recovery(tmp, progress)) survivors.emplace_back(progress.run_uuid, *kept);
  }

  // Every earlier round's run is still whole after all the later kills.
  auto reader = Reader::open(tmp.path()).value();
  for (const auto& [uuid, count] : survivors) {
    auto run = reader.find_run(uuid).value();
    CHECK(reader.totals(run.id).value().samples == count);
    CHECK(run.status == RunStatus::interrupted);
  }
  CHECK(survivors.size() >= kKills / 2);
}

TEST_CASE("SIGKILL halfway through a chunk compaction or merge loses no committed sample") {
  test::TempDb tmp;
  std::mt19937 rng(Catch::rngSeed() ? Catch::rngSeed() : std::random_device{}());
  std::vector<std::pair<std::string, std::int64_t>> survivors;
  // Early steps (the first compaction, the first merge) and later random ones.
  std::vector<int> steps{1, 2, 3, 4, 7};
  for (int i = 0; i < 3; ++i) steps.push_back(std::uniform_int_distribution<int>(8, 120)(rng));
  for (int step : steps) {
    INFO("killed at compaction step " << step);
    Child child = spawn_writer(tmp.path().string(), std::to_string(step));
    Progress progress;
    // The writer kills itself; follow it until its pipe closes (a generous safety net only).
    follow(child, progress, std::chrono::steady_clock::now() + std::chrono::seconds(120), INT64_MAX);
    int status = 0;
    if (!progress.died_in_compaction) kill(child.pid, SIGKILL);
    REQUIRE(waitpid(child.pid, &status, 0) == child.pid);
    close(child.out);
    REQUIRE(progress.died_in_compaction);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    if (auto kept = check_recovery(tmp, progress)) survivors.emplace_back(progress.run_uuid, *kept);
  }
  auto reader = Reader::open(tmp.path()).value();
  for (const auto& [uuid, count] : survivors) CHECK(reader.totals(reader.find_run(uuid).value().id).value().samples == count);
  CHECK(survivors.size() == steps.size());
}
