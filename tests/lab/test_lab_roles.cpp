// Least privilege in the lab database: row-level security ties a station's role to its own
// rows; readers read everything and change nothing; nobody but the owner creates tables.
#include "db/lab/lab_schema.hpp"
#include "lab/lab_test_support.hpp"

#include <cstdint>
#include <vector>

using namespace ledlab;
using namespace ledlab::db::lab;
using namespace ledlab::lab_test;

namespace {

constexpr const char* kRunA = "aaaaaaaa-0000-4000-8000-000000000001";
constexpr const char* kRunB = "bbbbbbbb-0000-4000-8000-000000000002";

void expect_refused(PgConnection& c, const std::string& sql, const std::string& names) {
  INFO(sql);
  auto s = c.exec(sql);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::storage);
  CHECK(c.last_sqlstate() == "42501");  // insufficient_privilege
  CHECK_THAT(s.error().message, Catch::Contains("42501") && Catch::Contains(names));
  CHECK(c.healthy());
}

std::int64_t count(PgConnection& c, const std::string& sql) { return query_or_fail(c, sql).int64(0, 0).value_or(-1); }

}  // namespace

TEST_CASE("a station role inserting a row with another station's name is refused, naming the table") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  add_station_or_fail(admin, db, "bench-b");
  auto station = connect_or_fail(a.url);

  REQUIRE(station.exec(insert_run_sql(kRunA, "bench-a")));
  expect_refused(station, insert_run_sql(kRunB, "bench-b"), "runs");

  // The same through copy_into, into a partitioned table: one foreign row fails them all.
  auto copy_events = [&](const char* second_station) {
    return station.copy_into("ledlab.events", "run_month, run_uuid, station, event_id", [&](CopyWriter& w) -> Status {
      for (int i = 1; i <= 2; ++i) {
        w.begin_row(4);
        w.date(9800);
        w.uuid(kRunA);
        w.text(i == 1 ? "bench-a" : second_station);
        w.int64(i);
      }
      return {};
    });
  };
  auto copied = copy_events("bench-b");
  REQUIRE_FALSE(copied);
  CHECK(station.last_sqlstate() == "42501");
  CHECK_THAT(copied.error().message, Catch::Contains("row-level security") && Catch::Contains("events"));
  CHECK(count(admin, "SELECT count(*) FROM ledlab.events") == 0);
  auto own = copy_events("bench-a");
  REQUIRE(own);
  CHECK(*own == 2);
  CHECK(count(admin, "SELECT count(*) FROM ledlab.events WHERE station = 'bench-a'") == 2);
  CHECK(count(admin, "SELECT count(*) FROM ledlab.runs WHERE station = 'bench-b'") == 0);
}

TEST_CASE("PostgreSQL refuses a plain COPY FROM under row-level security, which is why copy_into stages") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  auto station = connect_or_fail(a.url);
  auto copied = station.copy_in("COPY ledlab.duts(station, serial) FROM STDIN (FORMAT binary)", [](CopyWriter& w) -> Status {
    w.begin_row(2);
    w.text("bench-a");
    w.text("D1");
    return {};
  });
  REQUIRE_FALSE(copied);
  CHECK(station.last_sqlstate() == "0A000");
  auto staged = station.copy_into("ledlab.duts", "station, serial", [](CopyWriter& w) -> Status {
    w.begin_row(2);
    w.text("bench-a");
    w.text("D1");
    return {};
  });
  REQUIRE(staged);
  CHECK(*staged == 1);
  CHECK(count(admin, "SELECT count(*) FROM ledlab.duts") == 1);
}

TEST_CASE("a station role can neither read, change nor delete another station's rows") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  add_station_or_fail(admin, db, "bench-b");
  REQUIRE(admin.exec(insert_run_sql(kRunA, "bench-a")));
  REQUIRE(admin.exec(insert_run_sql(kRunB, "bench-b")));
  auto station = connect_or_fail(a.url);

  CHECK(count(station, "SELECT count(*) FROM ledlab.runs") == 1);
  CHECK(count(station, std::string("SELECT count(*) FROM ledlab.runs WHERE run_uuid = '") + kRunB + "'") == 0);
  CHECK(query_or_fail(station, "DELETE FROM ledlab.runs WHERE station = 'bench-b'").command_tuples() == "0");
  CHECK(query_or_fail(station, "UPDATE ledlab.runs SET status = 'aborted' WHERE station = 'bench-b'").command_tuples() ==
        "0");
  // Its own row it may change, but not give away.
  expect_refused(station, "UPDATE ledlab.runs SET station = 'bench-b'", "runs");
  CHECK(query_or_fail(station, "DELETE FROM ledlab.runs").command_tuples() == "1");
  CHECK(count(admin, "SELECT count(*) FROM ledlab.runs WHERE station = 'bench-b' AND status = 'finished'") == 1);
}

TEST_CASE("the reader role reads every station's rows and can insert, update or delete none") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  add_station_or_fail(admin, db, "bench-a");
  const auto r = add_reader_or_fail(admin, db);
  REQUIRE(admin.exec(insert_run_sql(kRunA, "bench-a")));
  REQUIRE(admin.exec(insert_run_sql(kRunB, "bench-b")));
  auto reader = connect_or_fail(r.url);
  REQUIRE(require_lab_schema(reader));

  CHECK(count(reader, "SELECT count(*) FROM ledlab.runs") == 2);
  expect_refused(reader, insert_run_sql("cccccccc-0000-4000-8000-000000000003", "bench-a"), "runs");
  expect_refused(reader, "UPDATE ledlab.runs SET status = 'aborted'", "runs");
  expect_refused(reader, "DELETE FROM ledlab.runs", "runs");
  expect_refused(reader, "DELETE FROM ledlab.chunks", "chunks");
  expect_refused(reader, "SELECT ledlab.ensure_month('2026-11-01')", "ensure_month");
  CHECK(count(admin, "SELECT count(*) FROM ledlab.runs WHERE status = 'finished'") == 2);
}

TEST_CASE("a station role can create its month's partitions but no table of its own") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  auto station = connect_or_fail(a.url);

  REQUIRE(station.exec("SELECT ledlab.ensure_month('2026-03-15')"));
  REQUIRE(station.exec("SELECT ledlab.ensure_month('2026-03-01')"));  // again: nothing to do
  for (const char* t : {"series", "chunks", "results", "events"})
    CHECK(count(admin, std::string("SELECT count(*) FROM pg_class WHERE relname = '") + t + "_2026_03'") == 1);
  expect_refused(station, "CREATE TABLE ledlab.mine(i int)", "ledlab");
  // Partitions are the owner's: reached only through their parent, under its policies.
  expect_refused(station, "SELECT count(*) FROM ledlab.chunks_2026_03", "chunks_2026_03");
  expect_refused(station, "DROP TABLE ledlab.chunks_2026_03", "chunks_2026_03");
  auto implausible = station.exec("SELECT ledlab.ensure_month('1970-01-01')");
  REQUIRE_FALSE(implausible);
  CHECK_THAT(implausible.error().message, Catch::Contains("not a plausible run month"));
}

TEST_CASE("adding a station refuses a station that already writes as another role") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  auto again = add_station(admin, "bench-a", "other_role_" + db, "x-password");
  REQUIRE_FALSE(again);
  CHECK_THAT(again.error().message, Catch::Contains("bench-a") && Catch::Contains(a.role));
  // The same role again only sets its password.
  REQUIRE(add_station(admin, "bench-a", a.role, "new-password"));
  CHECK(connect_or_fail(cluster().url(a.role, "new-password", db)).healthy());
  auto reader_as_station = add_reader(admin, a.role, "x-password");
  REQUIRE_FALSE(reader_as_station);
  CHECK_THAT(reader_as_station.error().message, Catch::Contains("station"));
}

TEST_CASE("adding a station to a database without the ledlab schema says to run lab init") {
  const auto db = cluster().create_empty_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  auto s = add_station(admin, "bench-a", "ledlab_station_nodb", "x-password");
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("lab init"));
}
