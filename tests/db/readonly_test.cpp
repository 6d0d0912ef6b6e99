// Reading a store on read-only media: WAL mode wants a -shm file beside the database, which
// a directory without write permission cannot take.
//
// Tests run as root, for whom permissions are not enforced; so the reading happens in a
// forked child that first gives up root for the 'nobody' user (65534), for whom a 0555
// directory is read-only as it would be on a read-only mount.
#include "db/reader.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::db;

namespace {

RunProvenance soak() { return {.sequence = "burn_in", .script_text = "soak()", .dut_serial = "MLA-1"}; }

struct ChildRead {
  int exit_code = -1;
  std::string said;  // the child's runs, or its error
};

// Opens `path` with a Reader in a child process without write permission on `dir`.
ChildRead read_without_write_permission(const std::filesystem::path& dir, const std::filesystem::path& path) {
  REQUIRE(::chmod(dir.c_str(), 0555) == 0);
  int out[2];
  REQUIRE(pipe(out) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(out[0]);
    const auto say = [&](const std::string& text, int code) {
      (void)!::write(out[1], text.data(), text.size());
      _exit(code);
    };
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) say("cannot drop root", 3);
    if (::access(dir.c_str(), W_OK) == 0) say("the directory is still writable", 3);
    auto reader = Reader::open(path);
    if (!reader) say(reader.error().message, 1);
    auto runs = reader->list_runs();
    if (!runs) say(runs.error().message, 2);
    std::string text;
    for (const auto& r : *runs) text += r.sequence + "/" + r.dut_serial + ";";
    say(text, 0);
  }
  ::close(out[1]);
  ChildRead result;
  char buf[512];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) result.said.append(buf, static_cast<std::size_t>(n));
  ::close(out[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(::chmod(dir.c_str(), 0755) == 0);  // so TempDb can remove it
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace

TEST_CASE("a reader opens a store in a directory it cannot write") {
  test::TempDb tmp;
  {
    auto store = Store::open(tmp.path()).value();
    auto run = store->begin_run(soak()).value();
    REQUIRE(store->end_run(run.id, RunStatus::finished));
    REQUIRE(store->close());
  }
  REQUIRE(::chmod(tmp.path().c_str(), 0444) == 0);
  auto read = read_without_write_permission(tmp.dir(), tmp.path());
  INFO(read.said);
  CHECK(read.exit_code == 0);
  CHECK(read.said == "burn_in/MLA-1;");
}

TEST_CASE("a reader refuses a read-only store whose -wal holds commits, naming the -wal") {
  test::TempDb tmp;
  auto store = Store::open(tmp.path()).value();
  auto run = store->begin_run(soak()).value();
  REQUIRE(store->flush());
  // A copy taken while the writer is idle: the run is in the -wal, not yet in the file.
  const auto copy = tmp.dir() / "copy";
  std::filesystem::create_directories(copy);
  std::filesystem::copy_file(tmp.path(), copy / "ledlab.sqlite");
  std::filesystem::copy_file(tmp.dir() / "ledlab.sqlite-wal", copy / "ledlab.sqlite-wal");
  REQUIRE(std::filesystem::file_size(copy / "ledlab.sqlite-wal") > 0);
  auto read = read_without_write_permission(copy, copy / "ledlab.sqlite");
  INFO(read.said);
  CHECK(read.exit_code == 1);
  CHECK_THAT(read.said, Catch::Contains((copy / "ledlab.sqlite").string()) && Catch::Contains("-wal"));
  REQUIRE(store->end_run(run.id, RunStatus::finished));
}
