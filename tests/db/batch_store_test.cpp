// Batches in the store (schema version 6): a batch row, its runs by socket, and a version 5
// store migrated without touching its runs.
#include "db/reader.hpp"
#include "db/schema.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;
using namespace ledlab::db;

TEST_CASE("a batch keeps its runs by socket and is found by a prefix of its uuid") {
  test::TempDb tmp;
  std::string batch_uuid;
  {
    auto store = Store::open(tmp.path());
    REQUIRE(store);
    auto batch = (*store)->begin_batch({.sequence = "ber_vs_temperature", .station = "sim-bench", .operator_name = "ada"});
    REQUIRE(batch);
    batch_uuid = batch->uuid;
    CHECK(batch->id > 0);
    CHECK(batch->started_s > 0);
    CHECK_FALSE(batch->ended_s);
    for (const char* socket : {"B", "A"}) {
      auto run = (*store)->begin_run({.sequence = "ber_vs_temperature", .script_text = "x", .dut_serial = std::string("SN-") + socket,
                                      .batch_id = batch->id, .socket = socket});
      REQUIRE(run);
      CHECK(run->batch_id == batch->id);
      CHECK(run->socket == socket);
      REQUIRE((*store)->end_run(run->id, RunStatus::finished));
    }
    auto alone = (*store)->begin_run({.sequence = "liv", .script_text = "y"});
    REQUIRE(alone);
    CHECK_FALSE(alone->batch_id);
    CHECK(alone->socket.empty());
    REQUIRE((*store)->end_run(alone->id, RunStatus::finished));
    REQUIRE((*store)->end_batch(batch->id));
    CHECK_FALSE((*store)->end_batch(batch->id + 100));  // no such batch: an error, not a silent no-op
  }
  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  auto batch = reader->find_batch(batch_uuid.substr(0, 8));
  REQUIRE(batch);
  CHECK(batch->uuid == batch_uuid);
  CHECK(batch->operator_name == "ada");
  CHECK(batch->ended_s.has_value());
  auto runs = reader->batch_runs(batch->id);
  REQUIRE(runs);
  REQUIRE(runs->size() == 2);
  CHECK(runs->at(0).socket == "A");
  CHECK(runs->at(1).socket == "B");
  CHECK(runs->at(0).dut_serial == "SN-A");
  auto listed = reader->list_runs({.batch_id = batch->id});
  REQUIRE(listed);
  CHECK(listed->size() == 2);
  CHECK(reader->find_batch("zzzz").error().code == Errc::not_found);
}

TEST_CASE("a version 5 store migrates to batches with its runs outside any batch") {
  test::TempDb tmp;
  {
    auto conn = Connection::open(tmp.path().string(), Connection::Mode::read_write_create);
    REQUIRE(conn);
    REQUIRE(migrate(*conn, 5));
    REQUIRE(conn->exec(
        "INSERT INTO runs(uuid, sequence, script_text, script_sha256, host, ledlab_version, started_s, ended_s, status) "
        "VALUES ('0ld00000-0000-4000-8000-000000000005', 'liv', 'print(1)', 'x', 'bench-pc', '0.0.5', 100, 200, 'finished')"));
    CHECK_FALSE(conn->exec("SELECT batch_id FROM runs"));
  }
  REQUIRE(Store::open(tmp.path()));
  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  CHECK(schema_version(reader->connection()).value() == 6);
  auto run = reader->find_run("0ld0");
  REQUIRE(run);
  CHECK_FALSE(run->batch_id);
  CHECK(run->socket.empty());
}
