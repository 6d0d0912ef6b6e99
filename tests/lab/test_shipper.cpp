// The shipper against a real PostgreSQL 15: exactly once, merges of live chunks, resumed runs,
// refusals, and nothing secret in the sidecar.
#include "db/lab/ship_state.hpp"
#include "db/lab/shipper.hpp"
#include "db/store.hpp"
#include "lab/shipper_fixture.hpp"

#include <atomic>
#include <cmath>
#include <fstream>
#include <sstream>

using namespace ledlab;
using namespace ledlab::db::lab;
using ledlab::test::lab_cluster;

namespace {

struct TempStore {
  std::filesystem::path dir, path;
  TempStore() {
    dir = std::filesystem::temp_directory_path() / fmt::format("ledlab-ship-{}-{}", ::getpid(), counter()++);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    path = dir / "station.sqlite";
  }
  ~TempStore() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

PgConnection connect_or_fail(const std::string& url) {
  auto c = PgConnection::connect(url);
  if (!c) FAIL(c.error().describe());
  return std::move(*c);
}

db::Reader reader_of(const std::filesystem::path& path) {
  auto r = db::Reader::open(path);
  if (!r) FAIL(r.error().describe());
  return std::move(*r);
}

ShipCounts ship_or_fail(PgConnection& lab, db::Reader& store, const ShipperOptions& options) {
  auto counts = ship_pending(lab, store, options);
  if (!counts) FAIL(counts.error().describe());
  return *counts;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("ship_pending sends a run's series, samples, results and events exactly once") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "bench_a");
  TempStore tmp;
  std::string uuid;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "ship", .script_text = "-- test", .dut_serial = "SN1"});
    REQUIRE(run);
    uuid = run->uuid;
    auto big = (*store)->declare_series(run->id, {.lane = 1, .quantity = "optical_power", .unit = "W"});
    auto small = (*store)->declare_series(run->id, {.quantity = "chamber_temperature", .unit = "C"});
    REQUIRE(big);
    REQUIRE(small);
    for (int i = 0; i < 150000; ++i) REQUIRE((*store)->append(*big, 1.7e9 + i * 0.5, 1e-3 + (i % 97) * 1e-6));
    for (int i = 0; i < 300; ++i) REQUIRE((*store)->append(*small, 1.7e9 + i, 25.0 + i * 0.01));
    REQUIRE((*store)->record_result(run->id, {.name = "f3db_hz", .lane = 1, .value = 1.5e9, .unit = "Hz"}));
    REQUIRE((*store)->log_event(run->id, {.kind = db::EventKind::info, .source = "test", .message = "hello"}));
    REQUIRE((*store)->flush());
    // Shipped while the run is still going, then again after it ended.
    auto lab = connect_or_fail(st.url);
    auto reader = reader_of(tmp.path);
    const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "bench_a"};
    const auto first = ship_or_fail(lab, reader, options);
    CHECK(first.runs == 1);
    CHECK(first.samples == 150300);
    REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  }
  auto lab = connect_or_fail(st.url);
  auto reader = reader_of(tmp.path);
  const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "bench_a", .max_rows_per_transaction = 70000};
  ship_or_fail(lab, reader, options);
  const auto again = ship_or_fail(lab, reader, options);
  CHECK(again.samples == 0);
  CHECK(again.results == 0);
  CHECK(again.events == 0);
  auto admin = test::lab_admin(dbname);
  test::require_lab_copy_equals_store(admin, reader, uuid);
  CHECK(test::lab_count(admin, "SELECT count(*) FROM ledlab.runs WHERE station = 'bench_a' AND dut_serial = 'SN1'") == 1);
}

TEST_CASE("a week-long run ships in transactions of at most max_rows_per_transaction chunk rows and arrives whole") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "rack");
  TempStore tmp;
  std::string uuid;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "burn_in", .script_text = "-- test"});
    REQUIRE(run);
    uuid = run->uuid;
    for (int lane = 1; lane <= 8; ++lane) {
      auto s = (*store)->declare_series(run->id, {.lane = lane, .quantity = "optical_power", .unit = "W"});
      REQUIRE(s);
      for (int i = 0; i < 40000; ++i) REQUIRE((*store)->append(*s, 1.7e9 + i, 1e-3 * lane + i * 1e-9));
    }
    REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  }
  auto lab = connect_or_fail(st.url);
  auto reader = reader_of(tmp.path);
  // A chunk is one row whatever its samples: four rows a transaction, of thousands of samples each.
  const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "rack", .max_rows_per_transaction = 4};
  const auto counts = ship_or_fail(lab, reader, options);
  CHECK(counts.samples == 320000);
  REQUIRE(counts.chunks >= 8);
  auto admin = test::lab_admin(dbname);
  test::require_lab_copy_equals_store(admin, reader, uuid);
  // The transaction that wrote a row is its xmin (PostgreSQL docs, "System Columns").
  constexpr const char* per_transaction = "SELECT {} FROM (SELECT count(*) AS rows FROM ledlab.chunks GROUP BY xmin::text) t";
  CHECK(test::lab_count(admin, fmt::format(fmt::runtime(per_transaction), "max(rows)")) == 4);
  CHECK(test::lab_count(admin, fmt::format(fmt::runtime(per_transaction), "count(*)")) == (counts.chunks + 3) / 4);
}

TEST_CASE("small live chunks are merged into one once sixteen of them trail") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "live");
  TempStore tmp;
  auto store = db::Store::open(tmp.path);
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "live", .script_text = "-- test"});
  REQUIRE(run);
  auto s = (*store)->declare_series(run->id, {.quantity = "chamber_temperature", .unit = "C"});
  REQUIRE(s);
  auto lab = connect_or_fail(st.url);
  auto reader = reader_of(tmp.path);
  const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "live"};
  auto admin = test::lab_admin(dbname);
  std::int64_t most = 0;
  for (int i = 0; i < 40; ++i) {
    REQUIRE((*store)->append(*s, 1.7e9 + i, 20.0 + i));
    REQUIRE((*store)->flush());
    ship_or_fail(lab, reader, options);
    most = std::max(most, test::lab_count(admin, "SELECT count(*) FROM ledlab.chunks"));
  }
  CHECK(most <= static_cast<std::int64_t>(kMergeTrailingChunks));
  REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  ship_or_fail(lab, reader, options);
  test::require_lab_copy_equals_store(admin, reader, run->uuid);
}

TEST_CASE("readings of -0.0 shipped while the run lasts reach the lab with their sign once it ends") {
  // SQLite stores a REAL -0.0 as the integer 0, so a live shipment (read from the store's hot
  // rows) carries +0.0; the store's own final chunks, sealed by the writer, keep the sign.
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "sign");
  TempStore tmp;
  auto store = db::Store::open(tmp.path);
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "sign", .script_text = "-- test"});
  REQUIRE(run);
  auto air = (*store)->declare_series(run->id, {.quantity = "env_air_temperature", .unit = "C"});
  REQUIRE(air);
  auto lab = connect_or_fail(st.url);
  auto reader = reader_of(tmp.path);
  const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "sign"};
  for (int i = 0; i < 6; ++i) {
    REQUIRE((*store)->append(*air, 1.7e9 + i, i % 2 == 0 ? -0.0 : 0.25 * i));
    REQUIRE((*store)->flush());
    ship_or_fail(lab, reader, options);
  }
  REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  ship_or_fail(lab, reader, options);
  auto admin = test::lab_admin(dbname);
  test::require_lab_copy_equals_store(admin, reader, run->uuid);
  // And the lab's chunks are the store's: the same boundaries and bytes.
  auto local = reader.connection().prepare(
      "SELECT c.first_seq, c.n, d.data FROM chunks c JOIN chunk_data d USING(chunk_id) WHERE c.series_id = ?1 "
      "ORDER BY c.first_seq");
  REQUIRE(local);
  auto series = reader.series(run->id);
  REQUIRE(series);
  REQUIRE(series->size() == 1);
  local->bind(1, static_cast<std::int64_t>(series->front().id));
  auto shipped = admin.query("SELECT first_seq, n, data FROM ledlab.chunks WHERE run_uuid = $1::uuid ORDER BY first_seq",
                             {run->uuid});
  REQUIRE(shipped);
  int row = 0;
  for (;;) {
    auto step = local->step();
    REQUIRE(step);
    if (!*step) break;
    REQUIRE(row < shipped->rows());
    CHECK(shipped->int64(row, 0) == local->column_int(0));
    CHECK(shipped->int64(row, 1) == local->column_int(1));
    const auto blob = local->column_blob(2);
    CHECK(shipped->bytea(row, 2) == std::string(reinterpret_cast<const char*>(blob.data()), blob.size()));
    ++row;
  }
  CHECK(row == shipped->rows());
}

TEST_CASE("a station role that ships a store under another station's name is refused") {
  const auto dbname = lab_cluster().create_database();
  const auto a = test::add_lab_station(dbname, "station_a");
  test::add_lab_station(dbname, "station_b");
  TempStore tmp;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "x", .script_text = "-- test"});
    REQUIRE(run);
    REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  }
  auto lab = connect_or_fail(a.url);
  auto reader = reader_of(tmp.path);
  auto refused = ship_pending(lab, reader, {.url = a.url, .store = tmp.path, .station = "station_b"});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::config);
  CHECK_THAT(refused.error().message, Catch::Contains("'station_a'") && Catch::Contains("'station_b'"));
  // Row-level security refuses the rows themselves too: the role cannot write station_b's.
  auto direct = lab.query("INSERT INTO ledlab.duts(station, serial) VALUES ('station_b', 'SN')");
  CHECK_FALSE(direct);
  auto admin = test::lab_admin(dbname);
  CHECK(test::lab_count(admin, "SELECT count(*) FROM ledlab.runs") == 0);
}

TEST_CASE("a resumed run ends with the lab copy equal to the local one, what it redid set aside") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "resumer");
  TempStore tmp;
  const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "resumer"};
  auto lab = connect_or_fail(st.url);
  auto admin = test::lab_admin(dbname);
  db::RunId id = 0;
  std::string uuid;
  db::SeriesId series = 0;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "resume", .script_text = "-- test"});
    REQUIRE(run);
    id = run->id, uuid = run->uuid;
    auto s = (*store)->declare_series(run->id, {.lane = 1, .quantity = "optical_power", .unit = "W"});
    REQUIRE(s);
    series = *s;
    for (int i = 0; i < 100; ++i) REQUIRE((*store)->append(series, 1.7e9 + i, 1.0 + i));
    REQUIRE((*store)->record_result(id, {.name = "kept", .value = 1}));
    REQUIRE((*store)->checkpoint(id, {.name = "step", .state_json = "{}", .t_s = 1.7e9 + 100}));
    for (int i = 100; i < 150; ++i) REQUIRE((*store)->append(series, 1.7e9 + i, 1.0 + i));
    REQUIRE((*store)->record_result(id, {.name = "redone", .value = 2}));
    REQUIRE((*store)->flush());
    auto reader = reader_of(tmp.path);
    ship_or_fail(lab, reader, options);
    // The store closes with the run still running: interrupted, as after a crash.
  }
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    REQUIRE((*store)->resume_run(id));
    auto rewind = (*store)->rewind_to_checkpoint(id);
    REQUIRE(rewind);
    CHECK(rewind->superseded_samples == 50);
    for (int i = 100; i < 130; ++i) REQUIRE((*store)->append(series, 1.7e9 + 1000 + i, -1.0 * i));
    REQUIRE((*store)->record_result(id, {.name = "redone", .value = 3}));
    REQUIRE((*store)->end_run(id, db::RunStatus::finished));
  }
  auto reader = reader_of(tmp.path);
  ship_or_fail(lab, reader, options);
  test::require_lab_copy_equals_store(admin, reader, uuid);
  CHECK(test::lab_count(admin, "SELECT coalesce(sum(n), 0) FROM ledlab.superseded_chunks") == 50);
  CHECK(test::lab_count(admin, "SELECT count(*) FROM ledlab.superseded_results WHERE name = 'redone'") == 1);
  // Nothing moves twice.
  auto again = ship_pending(lab, reader, options);
  REQUIRE(again);
  CHECK(test::lab_count(admin, "SELECT coalesce(sum(n), 0) FROM ledlab.superseded_chunks") == 50);
}

TEST_CASE("the shipper thread records its errors in the sidecar without the password and ships once the role can") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "secretive");
  TempStore tmp;
  std::string uuid;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "x", .script_text = "-- test"});
    REQUIRE(run);
    uuid = run->uuid;
    REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  }
  const std::string wrong = lab_cluster().url(st.role, "not-" + st.password, dbname);
  {
    auto shipper = Shipper::start({.url = wrong, .store = tmp.path, .station = "secretive", .retry_min_s = 0.05,
                                   .retry_max_s = 0.2});
    REQUIRE(shipper);
    CHECK_FALSE((*shipper)->drain(0.5));
    REQUIRE(test::wait_until([&] { return !(*shipper)->status().last_error.empty(); }));
    CHECK((*shipper)->status().last_error.find("not-" + st.password) == std::string::npos);
  }
  auto shipper = Shipper::start({.url = st.url, .store = tmp.path, .station = "secretive", .retry_min_s = 0.05});
  REQUIRE(shipper);
  REQUIRE((*shipper)->drain(60));
  CHECK((*shipper)->status().connected);
  (*shipper)->stop();
  auto snap = ShipState::read(tmp.path);
  REQUIRE(snap);
  CHECK_FALSE(snap->last_error.empty());
  // The error is past: the second shipper's pass got through after it (lab status says so).
  CHECK(snap->last_pass_ok_s >= snap->last_error_s);
  CHECK(snap->runs.contains(uuid));
  for (const auto& file : {ShipState::path_for(tmp.path), std::filesystem::path(ShipState::path_for(tmp.path).string() + "-wal")}) {
    const std::string bytes = slurp(file);
    INFO(file.string());
    CHECK(bytes.find(st.password) == std::string::npos);
  }
  auto admin = test::lab_admin(dbname);
  auto reader = reader_of(tmp.path);
  test::require_lab_copy_equals_store(admin, reader, uuid);
}

TEST_CASE("the database stopped in the middle of a run and started again later gets every sample exactly once") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "outage");
  TempStore tmp;
  auto store = db::Store::open(tmp.path);
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "outage", .script_text = "-- test"});
  REQUIRE(run);
  auto s = (*store)->declare_series(run->id, {.lane = 1, .quantity = "optical_power", .unit = "W"});
  REQUIRE(s);
  auto shipper = Shipper::start({.url = st.url, .store = tmp.path, .station = "outage", .poll_s = 0.05,
                                 .retry_min_s = 0.05, .retry_max_s = 0.5});
  REQUIRE(shipper);
  auto admin_samples = [&] {
    auto admin = db::lab::PgConnection::connect(lab_cluster().admin_url(dbname));
    if (!admin) return std::int64_t{-1};
    auto r = admin->query("SELECT coalesce(sum(n), 0) FROM ledlab.chunks");
    return r ? r->int64(0, 0).value_or(-1) : -1;
  };
  int i = 0;
  for (; i < 2000; ++i) REQUIRE((*store)->append(*s, 1.7e9 + i, i * 1e-6));
  REQUIRE((*store)->flush());
  REQUIRE(test::wait_until([&] { return admin_samples() == 2000; }));
  lab_cluster().stop();
  for (; i < 5000; ++i) REQUIRE((*store)->append(*s, 1.7e9 + i, i * 1e-6));
  REQUIRE((*store)->flush());
  REQUIRE(test::wait_until([&] { return !(*shipper)->status().connected; }));
  CHECK_FALSE((*shipper)->drain(0.2));
  lab_cluster().start();
  for (; i < 6000; ++i) REQUIRE((*store)->append(*s, 1.7e9 + i, i * 1e-6));
  REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  REQUIRE((*shipper)->drain(120));
  (*shipper)->stop();
  auto admin = test::lab_admin(dbname);
  auto reader = reader_of(tmp.path);
  test::require_lab_copy_equals_store(admin, reader, run->uuid);
}

TEST_CASE("a second shipper of the same station is told another one holds it and ships nothing") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "locked");
  TempStore tmp;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "x", .script_text = "-- test"});
    REQUIRE(run);
    REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  }
  auto holder = connect_or_fail(st.url);
  auto held = holder.query("SELECT pg_try_advisory_lock(hashtext('ledlab:' || $1))", {std::string("locked")});
  REQUIRE(held);
  REQUIRE(held->text(0, 0) == "t");
  auto lab = connect_or_fail(st.url);
  auto reader = reader_of(tmp.path);
  const ShipperOptions options{.url = st.url, .store = tmp.path, .station = "locked"};
  auto refused = ship_pending(lab, reader, options);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("another shipper holds station locked"));
  auto admin = test::lab_admin(dbname);
  CHECK(test::lab_count(admin, "SELECT count(*) FROM ledlab.runs") == 0);
  REQUIRE(holder.query("SELECT pg_advisory_unlock(hashtext('ledlab:' || $1))", {std::string("locked")}));
  const auto counts = ship_or_fail(lab, reader, options);
  CHECK(counts.runs == 1);
}

TEST_CASE("the database server killed mid-transfer and restarted gets every sample exactly once") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "crash");
  TempStore tmp;
  std::string uuid;
  std::int64_t total = 0;
  {
    auto store = db::Store::open(tmp.path);
    REQUIRE(store);
    auto run = (*store)->begin_run({.sequence = "crash", .script_text = "-- test"});
    REQUIRE(run);
    uuid = run->uuid;
    for (int lane = 1; lane <= 100; ++lane) {
      auto s = (*store)->declare_series(run->id, {.lane = lane, .quantity = "optical_power", .unit = "W"});
      REQUIRE(s);
      for (int i = 0; i < 30000; ++i) REQUIRE((*store)->append(*s, 1.7e9 + i, std::sin(i * 0.37 + lane) * 1e-3));
      total += 30000;
    }
    REQUIRE((*store)->end_run(run->id, db::RunStatus::finished));
  }
  auto shipped = [&] {
    auto admin = PgConnection::connect(lab_cluster().admin_url(dbname), 2);
    if (!admin) return std::int64_t{0};
    auto r = admin->query("SELECT coalesce(sum(n), 0) FROM ledlab.chunks");
    return r ? r->int64(0, 0).value_or(0) : 0;
  };
  auto shipper = Shipper::start({.url = st.url, .store = tmp.path, .station = "crash", .poll_s = 0.05,
                                 .retry_min_s = 0.05, .retry_max_s = 0.5, .max_rows_per_transaction = 100000});
  REQUIRE(shipper);
  REQUIRE(test::wait_until([&] { return shipped() > 0; }));
  lab_cluster().kill_server();
  lab_cluster().start();
  REQUIRE((*shipper)->drain(120));
  (*shipper)->stop();
  CHECK(shipped() == total);
  auto admin = test::lab_admin(dbname);
  auto reader = reader_of(tmp.path);
  test::require_lab_copy_equals_store(admin, reader, uuid);
}

TEST_CASE("each commit of the store notifies the shipper, which ships it without waiting for its next poll") {
  const auto dbname = lab_cluster().create_database();
  const auto st = test::add_lab_station(dbname, "prompt");
  TempStore tmp;
  // Set once the shipper runs; read on the store's writer thread.
  std::atomic<Shipper*> target{nullptr};
  db::StoreOptions store_options;
  store_options.on_commit = [&] {
    if (Shipper* s = target.load()) s->notify();
  };
  auto store = db::Store::open(tmp.path, store_options);
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "live", .script_text = "-- test"});
  REQUIRE(run);
  auto series = (*store)->declare_series(run->id, {.lane = 1, .quantity = "optical_power", .unit = "W"});
  REQUIRE(series);
  REQUIRE((*store)->flush());
  // A poll an hour apart: after its first pass at start, only a notify makes the shipper look.
  auto shipper = Shipper::start({.url = st.url, .store = tmp.path, .station = "prompt", .poll_s = 3600});
  REQUIRE(shipper);
  auto admin = test::lab_admin(dbname);
  const auto runs_arrived = [&] { return test::lab_count(admin, "SELECT count(*) FROM ledlab.series") == 1; };
  REQUIRE(test::wait_until(runs_arrived));
  target = shipper->get();
  for (int k = 1; k <= 3; ++k) {
    REQUIRE((*store)->append(*series, 1.7e9 + k, 1e-3 * k));
    REQUIRE((*store)->flush());
    const auto arrived = [&] { return test::lab_count(admin, "SELECT coalesce(sum(n), 0) FROM ledlab.chunks") == k; };
    CHECK(test::wait_until(arrived, std::chrono::seconds(60)));
  }
  // The store first: its writer thread calls the shipper until it is closed.
  REQUIRE((*store)->close());
  (*shipper)->stop();
}
