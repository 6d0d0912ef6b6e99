// `ledlab gui` as a user starts it: a run to attach to that the store does not hold is refused
// at once, and a headless screenshot of a store with no run to follow is taken at once.
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "support/cli_process.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using ledlab::test::run_ledlab;
using ledlab::test::run_shell;

// `ledlab gui` headless under Xvfb on `db`, writing `shot`; the timeout is a safety net only.
ledlab::test::Ran screenshot(const fs::path& db, const fs::path& shot, const std::string& args) {
  return run_shell(ledlab::test::xvfb_run() + std::string(LEDLAB_BINARY_DIR) + "/ledlab gui --db " +
                   db.string() + " --sequences " LEDLAB_SOURCE_DIR "/sequences --screenshot " + shot.string() +
                   " --timeout 60 " + args);
}

}  // namespace

TEST_CASE("ledlab gui --attach with a uuid the store has no run for exits 2 naming the uuid and the store", "[gui]") {
  ledlab::db::test::TempDb tmp;
  {
    auto store = ledlab::db::Store::open(tmp.path());
    REQUIRE(store);
    REQUIRE((*store)->begin_run({.sequence = "liv", .started_s = 1000}));
  }
  const auto ran = run_ledlab("gui --db " + tmp.path().string() + " --attach nosuch --screenshot " +
                              (tmp.dir() / "shot.png").string());
  INFO(ran.out);
  CHECK(ran.code == 2);
  CHECK_THAT(ran.out, Catch::Contains("--attach nosuch: no run matches 'nosuch'"));
  CHECK_THAT(ran.out, Catch::Contains(tmp.path().string()));
  CHECK_FALSE(fs::exists(tmp.dir() / "shot.png"));

  const fs::path missing = tmp.dir() / "nothing-here.sqlite";
  const auto no_store = run_ledlab("gui --db " + missing.string() + " --attach 1234abcd");
  INFO(no_store.out);
  CHECK(no_store.code == 2);
  CHECK_THAT(no_store.out, Catch::Contains("--attach 1234abcd"));
  CHECK_THAT(no_store.out, Catch::Contains(missing.string()));
}

TEST_CASE("ledlab gui --screenshot of a store with no run to follow writes the empty dashboard without waiting for its timeout", "[gui]") {
  ledlab::db::test::TempDb tmp;
  {
    auto store = ledlab::db::Store::open(tmp.path());
    REQUIRE(store);
  }
  const fs::path shot = tmp.dir() / "empty.png";
  // Before, the screenshot waited for a run until its timeout ran out and exited 1.
  const auto ran = screenshot(tmp.path(), shot, "");
  INFO(ran.out);
  CHECK(ran.code == 0);
  CHECK(fs::file_size(shot) > 0);
}

TEST_CASE("ledlab gui --screenshot of an ended run with no lane data shows it as it is without waiting for its timeout", "[gui]") {
  ledlab::db::test::TempDb tmp;
  std::string uuid;
  {
    auto store = ledlab::db::Store::open(tmp.path());
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "chamber_check", .started_s = 1000});
    REQUIRE(run);
    uuid = run->uuid;
    auto air = (*store)->declare_series(run->id, {std::nullopt, "chamber_temperature", "C", "{}"});
    REQUIRE(air);
    REQUIRE((*store)->append(*air, 1000, 25.0));
    REQUIRE((*store)->end_run(run->id, ledlab::db::RunStatus::aborted, 1100, "stopped by the operator"));
  }
  const fs::path shot = tmp.dir() / "ended.png";
  const auto ran = screenshot(tmp.path(), shot, "--attach " + uuid.substr(0, 8));
  INFO(ran.out);
  CHECK(ran.code == 0);
  CHECK(fs::file_size(shot) > 0);
}
