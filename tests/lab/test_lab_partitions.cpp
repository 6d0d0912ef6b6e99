// Monthly partitions of the bulky tables: each run's rows in its month's partition, and a
// month nobody created yet still accepted (DEFAULT partition) and moved out later.
#include "lab/lab_test_support.hpp"

#include <chrono>
#include <map>
#include <thread>

using namespace ledlab;
using namespace ledlab::db::lab;
using namespace ledlab::lab_test;

namespace {

Status insert_chunk(PgConnection& c, const std::string& month, const std::string& station, int first_seq) {
  auto r = c.query(
      "INSERT INTO ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, data) "
      "VALUES ($1::date, 'eeeeeeee-0000-4000-8000-000000000005', $2, 1, $3::bigint, 1, '\\x00')",
      {month, station, std::to_string(first_seq)});
  if (!r) return fail(r.error());
  return {};
}

std::map<std::string, std::int64_t> chunks_by_partition(PgConnection& admin) {
  std::map<std::string, std::int64_t> m;
  auto r = query_or_fail(admin, "SELECT tableoid::regclass::text, count(*) FROM ledlab.chunks GROUP BY 1");
  for (int i = 0; i < r.rows(); ++i) m[std::string(r.text(i, 0))] = r.int64(i, 1).value_or(0);
  return m;
}

}  // namespace

TEST_CASE("chunks of two months land in their two month partitions") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  auto station = connect_or_fail(a.url);
  REQUIRE(station.exec("SELECT ledlab.ensure_month('2026-01-01'), ledlab.ensure_month('2026-02-01')"));
  REQUIRE(insert_chunk(station, "2026-01-01", "bench-a", 0));
  REQUIRE(insert_chunk(station, "2026-01-01", "bench-a", 1));
  REQUIRE(insert_chunk(station, "2026-02-01", "bench-a", 2));
  const auto parts = chunks_by_partition(admin);
  CHECK(parts == std::map<std::string, std::int64_t>{{"ledlab.chunks_2026_01", 2}, {"ledlab.chunks_2026_02", 1}});
  // A query for one month reads one partition (PostgreSQL docs, "Partition Pruning").
  auto plan = query_or_fail(admin, "EXPLAIN SELECT * FROM ledlab.chunks WHERE run_month = '2026-02-01'");
  std::string text;
  for (int i = 0; i < plan.rows(); ++i) text += std::string(plan.text(i, 0)) + "\n";
  CHECK_THAT(text, Catch::Contains("chunks_2026_02") && !Catch::Contains("chunks_2026_01") &&
                       !Catch::Contains("chunks_default"));
}

TEST_CASE("a chunk whose month has no partition lands in the default partition and moves when the month is made") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  const auto a = add_station_or_fail(admin, db, "bench-a");
  auto station = connect_or_fail(a.url);
  REQUIRE(insert_chunk(station, "2025-06-01", "bench-a", 0));
  CHECK(chunks_by_partition(admin) == std::map<std::string, std::int64_t>{{"ledlab.chunks_default", 1}});

  REQUIRE(station.exec("SELECT ledlab.ensure_month('2025-06-01')"));
  CHECK(chunks_by_partition(admin) == std::map<std::string, std::int64_t>{{"ledlab.chunks_2025_06", 1}});
  REQUIRE(insert_chunk(station, "2025-06-01", "bench-a", 1));
  CHECK(chunks_by_partition(admin) == std::map<std::string, std::int64_t>{{"ledlab.chunks_2025_06", 2}});
}

TEST_CASE("two stations asking for the same new month at once both succeed and the month is made once") {
  const auto db = cluster().create_database();
  auto admin = connect_or_fail(cluster().admin_url(db));
  auto a = connect_or_fail(add_station_or_fail(admin, db, "bench-a").url);
  auto b = connect_or_fail(add_station_or_fail(admin, db, "bench-b").url);
  REQUIRE(insert_chunk(a, "2027-04-01", "bench-a", 0));  // in the default partition until the month exists
  // Both find the month missing, then queue on ensure_month's lock, held here until both wait.
  REQUIRE(admin.exec("BEGIN; SELECT pg_advisory_xact_lock(hashtext('ledlab:ensure_month'))"));
  Status from_a, from_b;
  std::thread ta([&] { from_a = a.exec("SELECT ledlab.ensure_month('2027-04-01')"); });
  std::thread tb([&] { from_b = b.exec("SELECT ledlab.ensure_month('2027-04-09')"); });
  auto watcher = connect_or_fail(cluster().admin_url(db));
  for (int i = 0; i < 6000; ++i) {
    auto waiting = watcher.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    if (waiting && waiting->int64(0, 0) == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(admin.exec("COMMIT"));
  ta.join();
  tb.join();
  CHECK(from_a);
  CHECK(from_b);
  if (!from_a) FAIL_CHECK(from_a.error().message);
  if (!from_b) FAIL_CHECK(from_b.error().message);
  CHECK(chunks_by_partition(admin) == std::map<std::string, std::int64_t>{{"ledlab.chunks_2027_04", 1}});
  REQUIRE(insert_chunk(b, "2027-04-01", "bench-b", 1));
  CHECK(query_or_fail(admin, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'ledlab.events'::regclass").int64(0, 0) == 2);
}
