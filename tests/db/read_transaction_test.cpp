// Reader::read_transaction: every call in its scope answers from one commit, whatever the
// writer commits meanwhile; nested ones add nothing; the next read after it sees the new commits.
#include "temp_db.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;

TEST_CASE("a read transaction sees one commit of the store while the writer commits more") {
  db::test::TempDb tmp;
  auto store = db::Store::open(tmp.path());
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "burn_in", .started_s = 1000});
  REQUIRE(run);
  auto series = (*store)->declare_series(run->id, {1, "optical_power", "W", "{}"});
  REQUIRE(series);
  REQUIRE((*store)->append(*series, 1000, 1e-3));
  REQUIRE((*store)->flush());

  auto reader = db::Reader::open(tmp.path());
  REQUIRE(reader);
  {
    auto tx = reader->read_transaction();
    REQUIRE(tx);
    auto before = reader->series(run->id);
    REQUIRE(before);
    REQUIRE(before->size() == 1);
    CHECK(before->front().sample_count == 1);
    // The writer commits two more samples and a result.
    REQUIRE((*store)->append(*series, 1060, 0.9e-3));
    REQUIRE((*store)->append(*series, 1120, 0.8e-3));
    REQUIRE((*store)->record_result(run->id, {.name = "l70_h", .lane = 1, .value = 5000}));
    REQUIRE((*store)->flush());
    {
      auto nested = reader->read_transaction();  // inside another: the same snapshot
      REQUIRE(nested);
      CHECK(reader->series(run->id).value().front().sample_count == 1);
    }
    CHECK(reader->series(run->id).value().front().sample_count == 1);
    CHECK(reader->latest_samples(*series, 10).value().size() == 1);
    CHECK(reader->results(run->id).value().empty());
  }
  // Ended: the next read sees everything committed.
  CHECK(reader->series(run->id).value().front().sample_count == 3);
  CHECK(reader->latest_samples(*series, 10).value().size() == 3);
  CHECK(reader->results(run->id).value().size() == 1);
}
