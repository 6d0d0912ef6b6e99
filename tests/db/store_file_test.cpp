// Opening a store for writing: several processes creating the same new file at once, and
// files that are damaged or belong to another program, which are refused by name.
#include "db/reader.hpp"
#include "db/schema.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;
using namespace ledlab::db;

namespace {

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A closed store with one run of `samples` samples: several pages, no -wal left.
void make_store(const std::filesystem::path& path, int samples) {
  auto store = Store::open(path).value();
  auto run = store->begin_run({.sequence = "burn_in", .script_text = "soak()"}).value();
  auto series = store->declare_series(run.id, {.lane = 1, .quantity = "optical_power", .unit = "W"}).value();
  std::vector<Sample> batch;
  for (int i = 0; i < samples; ++i) batch.push_back({series, double(i), 1e-3 * i});
  REQUIRE(store->append(batch));
  REQUIRE(store->end_run(run.id, RunStatus::finished));
  REQUIRE(store->close());
}

void check_refused(const std::filesystem::path& path, std::string_view why) {
  const std::string before = read_bytes(path);
  auto store = Store::open(path);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == Errc::storage);
  CHECK_THAT(store.error().message, Catch::Contains(path.string()) && Catch::Contains(std::string(why)));
  CHECK(read_bytes(path) == before);  // not a byte written into it
  auto wal = path;
  wal += "-wal";
  CHECK_FALSE(std::filesystem::exists(wal));
}

}  // namespace

TEST_CASE("processes that create the same new store at once all open it") {
  // Released together through a pipe, so they race for the empty file every round.
  for (int round = 0; round < 8; ++round) {
    test::TempDb tmp;
    int gate[2];
    REQUIRE(pipe(gate) == 0);
    std::vector<pid_t> children;
    for (int k = 0; k < 4; ++k) {
      const pid_t pid = fork();
      REQUIRE(pid >= 0);
      if (pid == 0) {
        ::close(gate[1]);
        char c;
        (void)!::read(gate[0], &c, 1);  // end of file once the parent closes its end
        auto store = Store::open(tmp.path());
        if (!store) {
          std::fprintf(stderr, "child %d: %s\n", k, store.error().message.c_str());
          _exit(1);
        }
        _exit((*store)->close() ? 0 : 2);
      }
      children.push_back(pid);
    }
    ::close(gate[0]);
    ::close(gate[1]);
    for (pid_t pid : children) {
      int status = 0;
      REQUIRE(waitpid(pid, &status, 0) == pid);
      INFO("round " << round);
      CHECK(WIFEXITED(status));
      CHECK(WEXITSTATUS(status) == 0);
    }
    auto reader = Reader::open(tmp.path());
    REQUIRE(reader);
    CHECK(schema_version(reader->connection()).value() == kSchemaVersion);
  }
}

TEST_CASE("a file that is not a SQLite database is refused for writing, naming the file") {
  test::TempDb tmp;
  SECTION("garbage bytes") {
    std::mt19937 bits(7);
    std::string garbage(8192, '\0');
    for (char& c : garbage) c = static_cast<char>(bits());
    write_bytes(tmp.path(), garbage);
    check_refused(tmp.path(), "not a SQLite database");
  }
  SECTION("a text file") {
    write_bytes(tmp.path(), "lane,power_w\n1,0.001\n");
    check_refused(tmp.path(), "not a SQLite database");
  }
  SECTION("a file cut inside the SQLite header") {
    make_store(tmp.path(), 10);
    write_bytes(tmp.path(), read_bytes(tmp.path()).substr(0, 60));
    check_refused(tmp.path(), "truncated");
  }
}

TEST_CASE("a store cut short is refused for writing, naming the file") {
  test::TempDb tmp;
  make_store(tmp.path(), 20000);
  const auto size = std::filesystem::file_size(tmp.path());
  REQUIRE(size > 8 * 4096);
  std::filesystem::resize_file(tmp.path(), size / 2);
  check_refused(tmp.path(), "truncated");
}

TEST_CASE("a store with a damaged page is refused for writing, naming the file") {
  test::TempDb tmp;
  make_store(tmp.path(), 20000);
  std::string bytes = read_bytes(tmp.path());
  // The page size from the SQLite header (file format, section 1.3.2: big-endian at offset 16,
  // where 1 means 65536).
  const std::size_t field = (static_cast<unsigned char>(bytes[16]) << 8) | static_cast<unsigned char>(bytes[17]);
  const std::size_t page = field == 1 ? 65536 : field;
  REQUIRE(bytes.size() > 8 * page);
  // Page 3 onwards belongs to the tables; scribble over one page's b-tree header and cells.
  for (std::size_t i = 4 * page; i < 5 * page; ++i) bytes[i] = static_cast<char>(0xa5);
  write_bytes(tmp.path(), bytes);
  check_refused(tmp.path(), "damaged");
}

TEST_CASE("a SQLite file of another program is refused for writing even when it sets user_version") {
  test::TempDb tmp;
  int version = 0;
  SECTION("a version this ledlab knows") { version = kSchemaVersion; }
  SECTION("an older version") { version = 1; }
  SECTION("a negative version") { version = -3; }
  {
    auto conn = Connection::open(tmp.path().string(), Connection::Mode::read_write_create).value();
    REQUIRE(conn.exec("CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT)"));
    REQUIRE(conn.exec("PRAGMA user_version = " + std::to_string(version)));
  }
  check_refused(tmp.path(), "not a ledlab results store");
  // Its journal mode is untouched as well (WAL would need its owner's consent).
  auto conn = Connection::open(tmp.path().string(), Connection::Mode::read_only).value();
  CHECK(conn.query_text("PRAGMA journal_mode").value() == "delete");
}

TEST_CASE("a store a newer ledlab wrote is refused for writing, naming the file") {
  test::TempDb tmp;
  {
    auto conn = Connection::open(tmp.path().string(), Connection::Mode::read_write_create).value();
    REQUIRE(migrate(conn));
    REQUIRE(conn.exec("PRAGMA user_version = 99"));
  }
  check_refused(tmp.path(), "newer than this ledlab");
}

TEST_CASE("an intact store and an empty file open for writing") {
  test::TempDb tmp;
  make_store(tmp.path(), 20000);
  CHECK(Store::open(tmp.path()));
  write_bytes(tmp.dir() / "empty.sqlite", "");
  CHECK(Store::open(tmp.dir() / "empty.sqlite"));
}
