// The lab database's schema: created by migrate_lab, idempotent, and COPY binary round trips.
#include "db/lab/lab_schema.hpp"
#include "db/lab/pg.hpp"
#include "support/pg_cluster.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

using namespace ledlab;
using namespace ledlab::db::lab;

namespace {

test::PgCluster& cluster() {
  static test::PgCluster c;
  return c;
}

PgConnection connect_or_fail(const std::string& url) {
  auto c = PgConnection::connect(url);
  if (!c) FAIL(c.error().describe());
  return std::move(*c);
}

std::int32_t days_since_2000(std::chrono::year_month_day d) {
  using namespace std::chrono;
  return static_cast<std::int32_t>((sys_days(d) - sys_days(year(2000) / January / 1)).count());
}

}  // namespace

TEST_CASE("migrate_lab creates schema version 1 with every table the helpers rely on") {
  const auto db = cluster().create_empty_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  auto before = lab_schema_version(admin);
  REQUIRE(before);
  CHECK(*before == 0);
  auto required = require_lab_schema(admin);
  REQUIRE_FALSE(required);
  CHECK_THAT(required.error().message, Catch::Contains("lab init"));

  REQUIRE(migrate_lab(admin));
  auto after = lab_schema_version(admin);
  REQUIRE(after);
  CHECK(*after == kLabSchemaVersion);
  CHECK(require_lab_schema(admin));
  for (const char* table : {"schema_version", "stations", "batches", "runs", "instruments", "duts", "lanes",
                            "checkpoints", "series", "chunks", "results", "events", "superseded_chunks",
                            "superseded_results", "series_default", "chunks_default", "results_default",
                            "events_default"}) {
    auto r = admin.query("SELECT to_regclass($1) IS NOT NULL", {std::string("ledlab.") + table});
    REQUIRE(r);
    INFO(table);
    CHECK(r->text(0, 0) == "t");
  }
  auto roles = admin.query("SELECT count(*) FROM pg_roles WHERE rolname IN ('ledlab_station', 'ledlab_reader') AND NOT rolcanlogin");
  REQUIRE(roles);
  CHECK(roles->int64(0, 0) == 2);
  // Row-level security on every table with a station column but chunks, which a trigger guards
  // instead so that stations can COPY into it (test_lab_roles.cpp).
  auto rls = admin.query("SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_class c "
                         "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid "
                         "WHERE n.nspname = 'ledlab' AND a.attname = 'station' AND c.relkind IN ('r', 'p') "
                         "AND NOT c.relispartition AND NOT c.relrowsecurity");
  REQUIRE(rls);
  CHECK(rls->text(0, 0) == "chunks,stations");  // stations: no policy, holds no secret (lab_schema.cpp)
  auto trigger = admin.query("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'ledlab.chunks'::regclass "
                             "AND tgname = 'chunks_own_station'");
  REQUIRE(trigger);
  CHECK(trigger->int64(0, 0) == 1);
}

TEST_CASE("chunk data is stored without compression in every chunk table, month partitions included") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  REQUIRE(admin.exec("SELECT ledlab.ensure_month('2026-05-01')"));
  // 'e': EXTERNAL, out of line but not compressed (PostgreSQL docs, "TOAST"): the chunk codec
  // compressed the data already.
  auto r = admin.query("SELECT c.relname, a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                       "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'ledlab' AND a.attname = 'data' "
                       "AND c.relname IN ('chunks', 'chunks_default', 'chunks_2026_05', 'superseded_chunks') "
                       "ORDER BY c.relname");
  REQUIRE(r);
  REQUIRE(r->rows() == 4);
  for (int i = 0; i < r->rows(); ++i) {
    INFO(r->text(i, 0));
    CHECK(r->text(i, 1) == "e");
  }
}

TEST_CASE("migrating a database that is already current changes nothing") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  REQUIRE(migrate_lab(admin));
  REQUIRE(migrate_lab(admin));
  auto rows = admin.query("SELECT count(*), max(version) FROM ledlab.schema_version");
  REQUIRE(rows);
  CHECK(rows->int64(0, 0) == 1);
  CHECK(rows->int64(0, 1) == kLabSchemaVersion);
  auto policies = admin.query("SELECT count(*) FROM pg_policies WHERE schemaname = 'ledlab' AND tablename = 'runs'");
  REQUIRE(policies);
  CHECK(policies->int64(0, 0) == 2);
}

TEST_CASE("chunk rows sent with COPY binary come back as they were sent") {
  using namespace std::chrono;
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const std::string run = "0b6e4c1e-8f2a-4d3b-9c7e-5a1f2e3d4c5b";
  const std::vector<std::uint8_t> blob = {0x00, 0xff, 0x5c, 0x78, 0x27, 0x0a, 0x80};
  auto copied = admin.copy_in(
      "COPY ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, t_min, t_max, v_min, v_max, "
      "v_sum, v_first, v_last, data) FROM STDIN (FORMAT binary)",
      [&](CopyWriter& w) -> Status {
        for (int i = 0; i < 3; ++i) {
          w.begin_row(14);
          w.date(days_since_2000(year(2026) / November / 1));
          w.uuid(run);
          w.text("bench-a");
          w.int64(7);
          w.int64(std::int64_t{65536} * i);
          w.int32(65536);
          w.float8(1.5 + i);
          w.float8(2.25e9);
          w.float8(-0.0);
          w.float8(std::nan(""));
          w.float8(std::numeric_limits<double>::infinity());
          if (i == 1) w.null(); else w.float8(1e-300);
          w.float8(3.0);
          w.bytes(blob);
        }
        return {};
      });
  REQUIRE(copied);
  CHECK(*copied == 3);

  auto r = admin.query("SELECT run_month::text, run_uuid::text, station, series_id, first_seq, n, t_min, t_max, v_min, "
                       "v_max, v_sum, v_first, v_last, data FROM ledlab.chunks ORDER BY first_seq");
  REQUIRE(r);
  REQUIRE(r->rows() == 3);
  CHECK(r->text(0, 0) == "2026-11-01");
  CHECK(r->text(0, 1) == run);
  CHECK(r->text(0, 2) == "bench-a");
  CHECK(r->int64(2, 4) == 131072);
  CHECK(r->int64(0, 5) == 65536);
  CHECK(r->float8(2, 6) == 3.5);
  CHECK(r->float8(0, 7) == 2.25e9);
  CHECK(std::signbit(*r->float8(0, 8)));
  CHECK(std::isnan(*r->float8(0, 9)));
  CHECK(std::isinf(*r->float8(0, 10)));
  CHECK(r->is_null(1, 11));
  CHECK_FALSE(r->float8(1, 11));
  CHECK(r->float8(0, 11) == 1e-300);
  const std::string data = r->bytea(1, 13);
  CHECK(std::vector<std::uint8_t>(data.begin(), data.end()) == blob);
}

TEST_CASE("a COPY whose producer fails stores none of its rows and returns the producer's error") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  auto copied = admin.copy_in("COPY ledlab.duts(station, serial, description) FROM STDIN (FORMAT binary)",
                              [](CopyWriter& w) -> Status {
                                w.begin_row(3);
                                w.text("bench-a");
                                w.text("D1");
                                w.text("first");
                                return fail(Errc::io, "the local store went away");
                              });
  REQUIRE_FALSE(copied);
  CHECK_THAT(copied.error().message, Catch::Contains("the local store went away"));
  CHECK(admin.healthy());
  auto n = admin.query("SELECT count(*) FROM ledlab.duts");
  REQUIRE(n);
  CHECK(n->int64(0, 0) == 0);
}

TEST_CASE("a malformed UUID in a COPY fails it with a message naming the value") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  auto copied = admin.copy_in("COPY ledlab.instruments(run_uuid, station, name) FROM STDIN (FORMAT binary)",
                              [](CopyWriter& w) -> Status {
                                w.begin_row(3);
                                w.uuid("not-a-uuid");
                                w.text("bench-a");
                                w.text("smu1");
                                return {};
                              });
  REQUIRE_FALSE(copied);
  CHECK_THAT(copied.error().message, Catch::Contains("not-a-uuid"));
}

TEST_CASE("a database at a newer schema version is refused by require_lab_schema and by migrate_lab") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  REQUIRE(admin.exec("INSERT INTO ledlab.schema_version(version, ledlab_version) VALUES (2, '9.9.9')"));
  auto required = require_lab_schema(admin);
  REQUIRE_FALSE(required);
  CHECK(required.error().code == Errc::storage);
  CHECK_THAT(required.error().message, Catch::Contains("at schema 2") && Catch::Contains("needs 1"));
  auto migrated = migrate_lab(admin);
  REQUIRE_FALSE(migrated);
  CHECK_THAT(migrated.error().message, Catch::Contains("schema 2"));
}

TEST_CASE("a COPY larger than the writer's buffer arrives whole") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const std::vector<std::uint8_t> blob(300 * 1024, 0xa5);
  auto copied = admin.copy_in(
      "COPY ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, data) FROM STDIN (FORMAT binary)",
      [&](CopyWriter& w) -> Status {
        for (int i = 0; i < 16; ++i) {  // about 4.7 MiB: several flushes of about 1 MiB
          w.begin_row(7);
          w.date(9800);
          w.uuid("0b6e4c1e-8f2a-4d3b-9c7e-5a1f2e3d4c5b");
          w.text("bench-a");
          w.int64(1);
          w.int64(i);
          w.int32(1);
          w.bytes(blob);
        }
        return {};
      });
  REQUIRE(copied);
  CHECK(*copied == 16);
  auto r = admin.query("SELECT count(*), sum(length(data)) FROM ledlab.chunks");
  REQUIRE(r);
  CHECK(r->int64(0, 0) == 16);
  CHECK(r->int64(0, 1) == 16 * 300 * 1024);
}

TEST_CASE("two admins initialising the same database at once both succeed and apply version 1 once") {
  const auto db = cluster().create_empty_database();
  auto first = connect_or_fail(cluster().admin_url(db));
  auto second = connect_or_fail(cluster().admin_url(db));
  // The first holds the migration lock in an open transaction while the second starts: the
  // second must wait for it, then find version 1 applied.
  REQUIRE(first.exec("BEGIN; SELECT pg_advisory_xact_lock(hashtext('ledlab:migrate'))"));
  Status second_result;
  std::thread other([&] { second_result = migrate_lab(second); });
  // Wait until the second is blocked on the lock (pg_locks shows it waiting), not a fixed time.
  auto watcher = connect_or_fail(cluster().admin_url(db));
  for (int i = 0; i < 6000; ++i) {
    auto waiting = watcher.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (waiting && waiting->int64(0, 0) == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(first.exec("COMMIT"));
  const auto first_result = migrate_lab(first);
  other.join();
  CHECK(first_result);
  if (!first_result) INFO(first_result.error().message);
  CHECK(second_result);
  if (!second_result) FAIL_CHECK(second_result.error().message);
  if (!first_result) FAIL_CHECK(first_result.error().message);
  auto rows = first.query("SELECT count(*) FROM ledlab.schema_version");
  REQUIRE(rows);
  CHECK(rows->int64(0, 0) == 1);
}

TEST_CASE("a database owner without CREATEROLE initialises a second database once the group roles exist") {
  cluster().create_database();  // the group roles now exist
  const auto db = cluster().create_empty_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const std::string owner = "lab_owner_" + db;
  REQUIRE(admin.exec("CREATE ROLE " + owner + " LOGIN PASSWORD 'owner-pw'; ALTER DATABASE " + db + " OWNER TO " + owner));
  auto as_owner = connect_or_fail(cluster().url(owner, "owner-pw", db));
  auto migrated = migrate_lab(as_owner);
  if (!migrated) FAIL(migrated.error().message);
  CHECK(require_lab_schema(as_owner));
}
