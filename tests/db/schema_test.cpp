#include "db/reader.hpp"
#include "db/schema.hpp"
#include "db/sha256.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;
using namespace ledlab::db;

namespace {
Connection open_rw(const std::string& path) {
  auto c = Connection::open(path, Connection::Mode::read_write_create);
  REQUIRE(c);
  return std::move(*c);
}
}  // namespace

TEST_CASE("a new database gets the current schema version and every table") {
  auto conn = open_rw(":memory:");
  REQUIRE(migrate(conn));
  CHECK(schema_version(conn).value() == kSchemaVersion);
  for (const char* table : {"runs", "instruments", "duts", "lanes", "series", "chunks", "chunk_data", "hot_samples", "results",
                            "events", "checkpoints"}) {
    INFO(table);
    CHECK(conn.query_int(std::string("SELECT count(*) FROM sqlite_schema WHERE type='table' AND name='") + table + "'")
              .value() == 1);
  }
  REQUIRE(migrate(conn));  // idempotent
  CHECK(schema_version(conn).value() == kSchemaVersion);
}

TEST_CASE("a version 1 store migrates to the current version and keeps its runs") {
  test::TempDb tmp;
  {
    auto conn = open_rw(tmp.path().string());
    REQUIRE(migrate(conn, 1));
    REQUIRE(schema_version(conn).value() == 1);
    REQUIRE(conn.exec(
        "INSERT INTO runs(uuid, sequence, script_text, script_sha256, host, ledlab_version, started_s, ended_s, status) "
        "VALUES ('0ld00000-0000-4000-8000-000000000001', 'burn_in', 'print(1)', 'x', 'bench-pc', '0.0.1', 100, 200, "
        "'finished')"));
    REQUIRE(conn.exec("INSERT INTO series(run_id, lane, quantity, unit) VALUES (1, 7, 'optical_power', 'W')"));
    // Version 1 has no checkpoints and no run ownership yet.
    CHECK_FALSE(conn.exec("SELECT owner_pid FROM runs"));
  }
  auto store = Store::open(tmp.path());
  REQUIRE(store);
  (*store)->close();
  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  CHECK(schema_version(reader->connection()).value() == kSchemaVersion);
  auto run = reader->find_run("0ld0");
  REQUIRE(run);
  CHECK(run->sequence == "burn_in");
  CHECK(run->status == RunStatus::finished);  // a finished run is not touched by recovery
  CHECK(run->owner_pid == 0);
  CHECK(reader->series(run->id).value().at(0).spec.lane == 7);
  CHECK(reader->checkpoints(run->id).value().empty());
}

TEST_CASE("a store written by a newer ledlab is refused as unsupported") {
  test::TempDb tmp;
  {
    auto conn = open_rw(tmp.path().string());
    REQUIRE(conn.exec("PRAGMA user_version = 99"));
  }
  auto store = Store::open(tmp.path());
  REQUIRE_FALSE(store);
  CHECK(store.error().code == Errc::storage);
  CHECK_THAT(store.error().message, Catch::Contains("unsupported") && Catch::Contains("99"));
}

TEST_CASE("a database of some other program is refused, not mixed into") {
  auto conn = open_rw(":memory:");
  REQUIRE(conn.exec("CREATE TABLE customers(id INTEGER)"));
  auto s = migrate(conn);
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("not a ledlab results store"));
}

TEST_CASE("the reader refuses a store that still needs a migration") {
  test::TempDb tmp;
  {
    auto conn = open_rw(tmp.path().string());
    REQUIRE(migrate(conn, 1));
  }
  auto reader = Reader::open(tmp.path());
  REQUIRE_FALSE(reader);
  CHECK_THAT(reader.error().message, Catch::Contains("schema version 1"));
  CHECK(Reader::open(tmp.dir() / "missing.sqlite").error().code == Errc::not_found);
}

TEST_CASE("the store runs in WAL mode") {
  test::TempDb tmp;
  auto store = Store::open(tmp.path());
  REQUIRE(store);
  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  CHECK(reader->connection().query_text("PRAGMA journal_mode").value() == "wal");
}

TEST_CASE("script hashes are SHA-256 (FIPS 180-4 test vectors)") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
