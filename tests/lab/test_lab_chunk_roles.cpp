// ledlab.chunks without row-level security (so that stations COPY straight into it): a trigger
// refuses another station's rows, and a station reaches its chunks otherwise only through the
// schema's SECURITY DEFINER functions, each of which refuses a run of another station.
#include "db/lab/shipper_pg.hpp"
#include "lab/lab_test_support.hpp"

#include <cstdint>
#include <string>

using namespace ledlab;
using namespace ledlab::db::lab;
using namespace ledlab::lab_test;

namespace {

constexpr const char* kRunA = "aaaaaaaa-0000-4000-8000-00000000000a";
constexpr const char* kRunB = "bbbbbbbb-0000-4000-8000-00000000000b";
constexpr std::int32_t kNov2026 = 9801;  // 2026-11-01, days since 2000-01-01 (insert_run_sql's month)

std::int64_t count(PgConnection& c, const std::string& sql) { return query_or_fail(c, sql).int64(0, 0).value_or(-1); }

// One chunk row of `station`'s run `run` by a plain binary COPY (no staging).
Result<std::int64_t> copy_chunk_row(PgConnection& c, const char* run, const char* station, std::int64_t first_seq,
                                    std::int32_t n = 10) {
  return c.copy_in("COPY ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, data) FROM STDIN (FORMAT binary)",
                   [&](CopyWriter& w) -> Status {
                     w.begin_row(7);
                     w.date(kNov2026);
                     w.uuid(run);
                     w.text(station);
                     w.int64(1);
                     w.int64(first_seq);
                     w.int32(n);
                     const std::uint8_t data[] = {1, 2, 3};
                     w.bytes(data);
                     return {};
                   });
}

void expect_refused(PgConnection& c, const Error& e, const std::string& names) {
  CHECK(e.code == Errc::storage);
  CHECK(c.last_sqlstate() == "42501");
  CHECK_THAT(e.message, Catch::Contains("42501") && Catch::Contains(names));
  CHECK(c.healthy());
}

void expect_refused(PgConnection& c, const std::string& sql, const std::string& names) {
  INFO(sql);
  auto s = c.exec(sql);
  REQUIRE_FALSE(s);
  expect_refused(c, s.error(), names);
}

struct TwoStations {
  std::string db = cluster().create_database();
  PgConnection admin = connect_or_fail(cluster().admin_url(db));
  Login a = add_station_or_fail(admin, db, "bench-a");
  Login b = add_station_or_fail(admin, db, "bench-b");
  TwoStations() {
    REQUIRE(admin.exec(insert_run_sql(kRunA, "bench-a")));
    REQUIRE(admin.exec(insert_run_sql(kRunB, "bench-b")));
  }
};

}  // namespace

TEST_CASE("a station COPYs its own chunks straight into ledlab.chunks and is refused another station's, naming both") {
  TwoStations t;
  auto station = connect_or_fail(t.a.url);
  auto own = copy_chunk_row(station, kRunA, "bench-a", 0);
  REQUIRE(own);
  CHECK(*own == 1);
  auto foreign = copy_chunk_row(station, kRunB, "bench-b", 0);
  REQUIRE_FALSE(foreign);
  expect_refused(station, foreign.error(), "ledlab.chunks");
  CHECK_THAT(foreign.error().message, Catch::Contains("bench-a") && Catch::Contains("bench-b"));
  // A plain INSERT, and a row claiming to be its own run but another station's name, likewise.
  expect_refused(station,
                 std::string("INSERT INTO ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, data) "
                             "VALUES ('2026-11-01', '") + kRunA + "', 'bench-b', 1, 100, 1, '\\x00')",
                 "bench-b");
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks") == 1);
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks WHERE station = 'bench-b'") == 0);
}

TEST_CASE("a station may not select, update or delete chunks directly, not even its own") {
  TwoStations t;
  auto a = connect_or_fail(t.a.url);
  auto b = connect_or_fail(t.b.url);
  REQUIRE(copy_chunk_row(a, kRunA, "bench-a", 0));
  REQUIRE(copy_chunk_row(b, kRunB, "bench-b", 0));
  expect_refused(a, "SELECT count(*) FROM ledlab.chunks", "chunks");
  expect_refused(a, "UPDATE ledlab.chunks SET n = 1 WHERE station = 'bench-b'", "chunks");
  expect_refused(a, "DELETE FROM ledlab.chunks WHERE station = 'bench-b'", "chunks");
  expect_refused(a, "DELETE FROM ledlab.chunks WHERE station = 'bench-a'", "chunks");
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks WHERE n = 10") == 2);
}

TEST_CASE("the chunk functions serve a station its own run and refuse another station's, which keeps its chunks") {
  TwoStations t;
  auto a = connect_or_fail(t.a.url);
  auto b = connect_or_fail(t.b.url);
  for (std::int64_t first : {0, 10, 20}) {
    REQUIRE(copy_chunk_row(a, kRunA, "bench-a", first));
    REQUIRE(copy_chunk_row(b, kRunB, "bench-b", first));
  }
  const std::string own = std::string("'2026-11-01', '") + kRunA + "'";
  const std::string theirs = std::string("'2026-11-01', '") + kRunB + "'";
  CHECK(count(a, "SELECT count(*) FROM ledlab.station_chunk_marks(" + own + ")") == 3);
  CHECK(count(a, "SELECT ledlab.station_run_samples(" + own + ")") == 30);
  CHECK(count(a, "SELECT first_seq FROM ledlab.station_chunk_before(" + own + ", 1, 20)") == 10);

  for (const std::string& call : {"SELECT * FROM ledlab.station_chunk_marks(" + theirs + ")",
                                 "SELECT ledlab.station_run_samples(" + theirs + ")",
                                 "SELECT * FROM ledlab.station_chunk_before(" + theirs + ", 1, 30)",
                                 "SELECT ledlab.station_delete_chunks(" + theirs + ", '{1}', '{0}')",
                                 "SELECT ledlab.station_supersede_chunks(" + theirs + ", 1, 0)"})
    expect_refused(a, call, "bench-a");
  // A run that exists in no month given is refused the same way, not answered with nothing.
  expect_refused(a, std::string("SELECT * FROM ledlab.station_chunk_marks('2026-10-01', '") + kRunA + "')", "bench-a");
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks WHERE station = 'bench-b'") == 3);
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.superseded_chunks") == 0);
  // A row of bench-a naming bench-b's run (the trigger checks its station only) is not bench-b's
  // to read, delete or set aside through its functions.
  REQUIRE(copy_chunk_row(a, kRunB, "bench-a", 30));
  CHECK(count(b, "SELECT count(*) FROM ledlab.station_chunk_marks(" + theirs + ")") == 3);
  CHECK(count(b, "SELECT ledlab.station_run_samples(" + theirs + ")") == 30);
  CHECK(count(b, "SELECT ledlab.station_delete_chunks(" + theirs + ", '{1}', '{25}')") == 0);
  CHECK(count(b, "SELECT ledlab.station_supersede_chunks(" + theirs + ", 1, 25)") == 0);
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks WHERE station = 'bench-a' AND first_seq = 30") == 1);

  // Its own: a merge deletes from a first_seq on, a resume moves chunks aside.
  CHECK(count(a, "SELECT ledlab.station_supersede_chunks(" + own + ", 1, 20)") == 1);
  CHECK(count(a, "SELECT ledlab.station_delete_chunks(" + own + ", '{1}', '{10}')") == 1);
  CHECK(count(t.admin, std::string("SELECT count(*) FROM ledlab.chunks WHERE run_uuid = '") + kRunA + "'") == 1);
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.superseded_chunks WHERE station = 'bench-a' AND first_seq = 20") == 1);
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks WHERE station = 'bench-b'") == 3);
}

TEST_CASE("readers read every station's chunks but may neither write them nor call the stations' chunk functions") {
  TwoStations t;
  const auto r = add_reader_or_fail(t.admin, t.db);
  auto a = connect_or_fail(t.a.url);
  REQUIRE(copy_chunk_row(a, kRunA, "bench-a", 0));
  REQUIRE(t.admin.exec(std::string("INSERT INTO ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, "
                                   "data) VALUES ('2026-11-01', '") + kRunB + "', 'bench-b', 1, 0, 10, '\\x00')"));
  auto reader = connect_or_fail(r.url);
  CHECK(count(reader, "SELECT count(*) FROM ledlab.chunks") == 2);
  auto copied = copy_chunk_row(reader, kRunA, "bench-a", 50);
  REQUIRE_FALSE(copied);
  expect_refused(reader, copied.error(), "chunks");
  expect_refused(reader, "DELETE FROM ledlab.chunks", "chunks");
  expect_refused(reader, std::string("SELECT ledlab.station_delete_chunks('2026-11-01', '") + kRunA + "', '{1}', '{0}')",
                 "station_delete_chunks");
  CHECK(count(t.admin, "SELECT count(*) FROM ledlab.chunks") == 2);
  // What lab status shows arrived, with the station's URL (through the function) or a reader's.
  for (PgConnection* c : {&a, &reader}) {
    auto shipped = shipped_runs(*c, "bench-a");
    if (!shipped) FAIL(shipped.error().describe());
    REQUIRE(shipped->contains(kRunA));
    CHECK(shipped->at(kRunA).samples == 10);
  }
}
