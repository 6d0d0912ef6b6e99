// The dashboard's data thread without a window: it reads the store while the store's writer
// adds to it, publishes models that the render thread reads, and executes the render thread's
// commands in order. Run under ThreadSanitizer by .ci/sanitize.sh thread.
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "gui/core/data_source.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <functional>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;

namespace {

// Polls the published model until `ready` holds; the deadline is only a safety net.
std::shared_ptr<const gui::Model> wait_for(const gui::DataSource& source,
                                           const std::function<bool(const gui::Model&)>& ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto model = source.model();
    if (ready(*model)) return model;
    if (std::chrono::steady_clock::now() > deadline) return model;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

TEST_CASE("the dashboard's data thread follows a run the store's writer is still filling and executes queued commands") {
  db::test::TempDb tmp;
  auto store = db::Store::open(tmp.path());
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "burn_in", .started_s = 1000});
  REQUIRE(run);
  auto series = (*store)->declare_series(run->id, {1, "optical_power", "W", "{}"});
  REQUIRE(series);
  REQUIRE((*store)->append(*series, 1000, 1e-3));
  REQUIRE((*store)->flush());

  gui::DataSource source({.db = tmp.path(), .sequences_dir = tmp.dir(), .attach = run->uuid, .poll_hz = 200});
  auto model = wait_for(source, [&](const gui::Model& m) { return m.run && m.samples == 1; });
  REQUIRE(model->run);
  CHECK(model->run->uuid == run->uuid);
  CHECK(model->samples == 1);

  // The writer thread stores while the data thread reads and the render thread takes models
  // and queues commands.
  for (int i = 1; i <= 50; ++i) {
    REQUIRE((*store)->append(*series, 1000 + 60.0 * i, 1e-3 * (1 - 1e-4 * i)));
    if (i % 10 == 0) source.push(gui::SelectLane{i % 20});
    (void)source.model()->plots.size();
  }
  source.push(gui::SelectLane{1});
  REQUIRE((*store)->end_run(run->id, db::RunStatus::finished, {}, "done"));
  REQUIRE((*store)->flush());

  model = wait_for(source, [](const gui::Model& m) {
    return m.samples == 51 && m.selected_lane == 1 && m.run && m.run->status == db::RunStatus::finished;
  });
  CHECK(model->samples == 51);
  CHECK(model->selected_lane == 1);
  REQUIRE(model->run);
  CHECK(model->run->status == db::RunStatus::finished);
  CHECK(model->state() == "finished");
  // The published verdict follows the run's end: no limit among its results, so not judged.
  REQUIRE(model->verdict);
  CHECK(model->verdict->outcome == db::RunOutcome::not_judged);
  CHECK(model->verdict->headline().starts_with("NOT JUDGED: no result has a limit"));
}

TEST_CASE("the dashboard's data thread reports steering a run that is not on display as a notice") {
  db::test::TempDb tmp;
  gui::DataSource source({.db = tmp.path(), .sequences_dir = tmp.dir(), .poll_hz = 200});
  source.push(gui::Steer{"pause"});
  auto model = wait_for(source, [](const gui::Model& m) { return !m.notice.empty(); });
  CHECK(model->notice == "pause: no run on display");
  CHECK_THAT(model->store_error, Catch::Contains("no such file yet"));
}

TEST_CASE("a command's notice goes when the run it is about ends or another run is shown") {
  db::test::TempDb tmp;
  auto store = db::Store::open(tmp.path());
  REQUIRE(store);
  auto first = (*store)->begin_run({.sequence = "burn_in", .started_s = 1000});
  auto second = (*store)->begin_run({.sequence = "liv", .started_s = 2000});
  REQUIRE(first);
  REQUIRE(second);
  gui::DataSource source({.db = tmp.path(), .sequences_dir = tmp.dir(), .attach = first->uuid, .poll_hz = 200});
  REQUIRE(wait_for(source, [&](const gui::Model& m) { return m.run && m.run->uuid == first->uuid; })->run);

  // No engine answers for it here, so steering it leaves an error notice about this run.
  source.push(gui::Steer{"pause"});
  auto model = wait_for(source, [](const gui::Model& m) { return !m.notice.empty(); });
  CHECK_THAT(model->notice, Catch::StartsWith("pause " + first->uuid.substr(0, 8)));
  // It stays while the run goes on ...
  const auto shown_at = model->generation;
  model = wait_for(source, [&](const gui::Model& m) { return m.generation >= shown_at + 3; });
  CHECK_FALSE(model->notice.empty());
  // ... and goes when the run ends.
  REQUIRE((*store)->end_run(first->id, db::RunStatus::finished));
  model = wait_for(source, [](const gui::Model& m) { return m.run && m.run->status == db::RunStatus::finished && m.notice.empty(); });
  CHECK(model->state() == "finished");
  CHECK(model->notice.empty());

  // A notice about a run that had ended already stays with it, and goes when another run is shown.
  source.push(gui::Steer{"resume"});
  model = wait_for(source, [](const gui::Model& m) { return !m.notice.empty(); });
  CHECK_THAT(model->notice, Catch::StartsWith("resume " + first->uuid.substr(0, 8)));
  const auto resumed_at = model->generation;
  model = wait_for(source, [&](const gui::Model& m) { return m.generation >= resumed_at + 3; });
  CHECK_FALSE(model->notice.empty());
  source.push(gui::OpenRun{second->uuid});
  model = wait_for(source, [&](const gui::Model& m) { return m.run && m.run->uuid == second->uuid && m.notice.empty(); });
  REQUIRE(model->run);
  CHECK(model->run->uuid == second->uuid);
  CHECK(model->notice.empty());
}

TEST_CASE("the dashboard shows a run whose process was killed as interrupted without a writer marking it") {
  db::test::TempDb tmp;
  // A child begins a run and is killed with SIGKILL: the store's row still says running.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = db::Store::open(tmp.path());
    if (!store) _exit(1);
    auto run = (*store)->begin_run({.sequence = "burn_in", .script_text = "x", .dut_serial = "MLA-KILLED"});
    if (!run || !(*store)->flush()) _exit(1);
    const std::string line = run->uuid + "\n";
    if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(1);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  std::string uuid;
  char c = 0;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') uuid += c;
  ::close(fds[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(uuid.size() == 36);

  gui::DataSource source({.db = tmp.path(), .sequences_dir = tmp.dir(), .attach = uuid, .poll_hz = 200});
  auto model = wait_for(source, [&](const gui::Model& m) { return m.run && !m.runs.empty(); });
  REQUIRE(model->run);
  CHECK(model->run->uuid == uuid);
  CHECK(model->run->status == db::RunStatus::interrupted);
  CHECK(model->state() == "interrupted");
  REQUIRE(model->runs.size() == 1);
  CHECK(model->runs.front().status == db::RunStatus::interrupted);
}
