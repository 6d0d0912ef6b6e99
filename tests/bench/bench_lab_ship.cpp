// Shipping a station's results to the lab database (issue 19), against a private PostgreSQL 15
// cluster on loopback started by this program (tests/support/pg_cluster.hpp).
//   bench_lab_ship [--lanes L] [--samples-per-lane S] [--rounds R] [--live-s T] [--jitter-ms J]
//                  [--dir D] [--skip-live] [--max-rows-per-transaction N]
// Exits 1 when a throughput goal is missed.
// Method:
// - Data: one run of L lanes (default 400) read at a 1 s cadence, S readings each (default
//   10,000: 4e6 samples), written through the real db::Store as a run writes them (a sweep of
//   every lane per append; the writer batches, compacts and merges into chunks as it does
//   live). Each lane is an optical power meter reading: a lane-specific level with a slow
//   decay and 1e-3 relative noise, formatted as the meter replies ("%+.8E", IEEE 488.2 NR3)
//   and parsed back; time stamps are 1 s apart plus up to J ms (default 1) of timing jitter.
// - Throughput, in R interleaved rounds (default 3), each row in a database of its own,
//   created fresh in that round (connect and role set-up not timed):
//   (a) shipper: ship_pending() of the whole store as a station role, samples/s (ShipperOptions'
//       defaults; --max-rows-per-transaction N changes the one that bounds its transactions);
//   (b) bare COPY: the same chunk rows, read from the store beforehand (already encoded), sent
//       with one `COPY ledlab.chunks ... (FORMAT binary)` and COMMIT by the same station role,
//       samples/s;
//   (c) context: the same samples decoded, one row per sample (run_uuid, series_id, seq, t_s,
//       value, primary key (run_uuid, series_id, seq) as exactly-once would need), one binary
//       COPY and COMMIT.
//   Each figure is its median round; the ratio shipper/bare is the median of the per-round
//   ratios. Goals (issue 19): shipper >= 1e6 samples/s and >= 0.5 x bare COPY.
// - Lag: two live runs of L lanes for T seconds of real time each (default 20) at a real 1 s
//   cadence: each second one sweep is appended and flush()ed (it returns once committed) with
//   the background Shipper running, first polling only (it looks for new commits every
//   poll_s = 0.5 s), then as `ledlab run` runs it: the store's commit callback
//   (db::StoreOptions::on_commit) calls Shipper::notify() after each commit. A poller on its own connection
//   reads every series' shipped count max(first_seq + n) from PostgreSQL every 10 ms. A
//   reading's lag is from the return of the flush() that committed it to the start of the
//   first poll that saw it (an upper bound, at most one poll period late); median, p95, max.
#include "bench_checks.hpp"
#include "db/lab/lab_admin.hpp"
#include "db/lab/pg.hpp"
#include "db/lab/pg_copy.hpp"
#include "db/lab/shipper.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "support/pg_cluster.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace ledlab;
using namespace ledlab::bench;
namespace lab = ledlab::db::lab;

struct Options {
  int lanes = 400;
  std::int64_t samples_per_lane = 10'000;
  int rounds = 3;
  double live_s = 20;
  double jitter_ms = 1;
  std::filesystem::path dir;
  bool skip_live = false;
  std::size_t max_rows_per_transaction = lab::ShipperOptions{}.max_rows_per_transaction;
};


// A store file with its WAL, shared memory and the shipper's sidecar (db/lab/ship_state.hpp).
void remove_store(const std::filesystem::path& path) {
  for (const char* suffix : {"", "-wal", "-shm", ".lab"}) std::filesystem::remove(path.string() + suffix);
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::ranges::sort(v);
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The q-quantile (nearest rank) of v.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::ranges::sort(v);
  const auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(k, 1, v.size()) - 1];
}

// Optical power meter readings of every lane, one sweep at a time, as the meter replies them.
class Readings {
 public:
  Readings(int lanes, double jitter_ms) : rng_(19), jitter_s_(jitter_ms * 1e-3) {
    std::uniform_real_distribution<double> level(0.6e-3, 1.4e-3);
    for (int i = 0; i < lanes; ++i) level_w_.push_back(level(rng_));
  }
  // The sweep taken `k` seconds into the run (started at t0_s): times and values per lane.
  void sweep(double t0_s, std::int64_t k, std::vector<double>& t, std::vector<double>& v) {
    std::normal_distribution<double> noise(0.0, 1e-3);
    std::uniform_real_distribution<double> jitter(0.0, jitter_s_);
    const double age = std::exp(-static_cast<double>(k) / 5e6);  // a slow decay, as under stress
    t.resize(level_w_.size());
    v.resize(level_w_.size());
    char text[32];
    for (std::size_t i = 0; i < level_w_.size(); ++i) {
      t[i] = t0_s + static_cast<double>(k) + (jitter_s_ > 0 ? jitter(rng_) : 0.0);
      *fmt::format_to_n(text, sizeof text - 1, "{:+.8E}", level_w_[i] * age * (1 + noise(rng_))).out = '\0';
      v[i] = std::strtod(text, nullptr);
    }
  }

 private:
  std::mt19937_64 rng_;
  double jitter_s_;
  std::vector<double> level_w_;
};

db::RunProvenance provenance(double started_s) {
  db::RunProvenance p;
  p.sequence = "burn_in";
  p.script_text = "-- bench_lab_ship";
  p.dut_serial = "MLA-BENCH";
  p.parameters_json = R"({"dut_type":"MLA-20x20"})";
  p.started_s = started_s;
  return p;
}

std::vector<db::SeriesId> declare_lanes(db::Store& store, db::RunId run, int lanes) {
  std::vector<db::SeriesId> ids;
  const std::string conditions = R"({"drive_current_a":0.005,"stress_temperature_c":85})";
  for (int lane = 1; lane <= lanes; ++lane)
    ids.push_back(check(store.declare_series(run, {lane, "optical_power", "W", conditions}), "declare_series"));
  return ids;
}

struct Built {
  db::RunRecord run;
  std::int64_t samples = 0;
};

// The finished run the throughput rows ship, written sweep by sweep through the store.
Built build_store(const std::filesystem::path& path, const Options& o) {
  auto store = check(db::Store::open(path), "open store");
  Built b;
  b.run = check(store->begin_run(provenance(1.8e9)), "begin_run");
  const auto lanes = declare_lanes(*store, b.run.id, o.lanes);
  Readings readings(o.lanes, o.jitter_ms);
  std::vector<double> t, v;
  std::vector<db::Sample> sweep(lanes.size());
  for (std::int64_t k = 0; k < o.samples_per_lane; ++k) {
    readings.sweep(b.run.started_s, k, t, v);
    for (std::size_t i = 0; i < lanes.size(); ++i) sweep[i] = {lanes[i], t[i], v[i]};
    check(store->append(sweep), "append");
    b.samples += static_cast<std::int64_t>(sweep.size());
  }
  check(store->end_run(b.run.id, db::RunStatus::finished), "end_run");
  check(store->close(), "close store");
  return b;
}

// One local chunk as PostgreSQL's ledlab.chunks holds it (the local series_id is kept).
struct ChunkRow {
  std::int64_t series_id = 0, first_seq = 0;
  std::int32_t n = 0;
  double t_min = 0, t_max = 0, v_min = 0, v_max = 0, v_sum = 0, v_first = 0, v_last = 0;
  std::vector<std::uint8_t> data;
};

std::vector<ChunkRow> read_chunk_rows(db::Reader& reader, db::RunId run) {
  auto st = check(reader.connection().prepare(
                      "SELECT c.series_id, c.first_seq, c.n, c.t_min, c.t_max, c.v_min, c.v_max, c.v_sum, c.v_first, "
                      "c.v_last, d.data FROM chunks c JOIN chunk_data d USING (chunk_id) JOIN series s USING (series_id) "
                      "WHERE s.run_id = ?1 ORDER BY c.series_id, c.first_seq"),
                  "prepare chunk read");
  st.bind(1, run);
  std::vector<ChunkRow> rows;
  while (check(st.step(), "read chunks")) {
    ChunkRow r;
    r.series_id = st.column_int(0);
    r.first_seq = st.column_int(1);
    r.n = static_cast<std::int32_t>(st.column_int(2));
    r.t_min = st.column_double(3), r.t_max = st.column_double(4);
    r.v_min = st.column_double(5), r.v_max = st.column_double(6), r.v_sum = st.column_double(7);
    r.v_first = st.column_double(8), r.v_last = st.column_double(9);
    const auto blob = st.column_blob(10);
    r.data.assign(blob.begin(), blob.end());
    rows.push_back(std::move(r));
  }
  return rows;
}

struct SeriesSamples {
  std::int64_t series_id = 0;
  std::vector<double> t, v;
};

std::vector<SeriesSamples> read_samples(db::Reader& reader, db::RunId run) {
  std::vector<SeriesSamples> out;
  for (const auto& s : check(reader.series(run), "series")) {
    SeriesSamples x;
    x.series_id = s.id;
    check(reader.for_each_sample_run(s.id, -INFINITY, INFINITY,
                                     [&](std::span<const double> t, std::span<const double> v) {
                                       x.t.insert(x.t.end(), t.begin(), t.end());
                                       x.v.insert(x.v.end(), v.begin(), v.end());
                                     }),
          "read samples");
    out.push_back(std::move(x));
  }
  return out;
}

// The first day (UTC) of the month of `unix_s`, as days since 2000-01-01 (PostgreSQL's binary
// date, PostgreSQL docs "COPY", "Binary Format" via the date type's send function) and as text.
std::pair<int, std::string> run_month(double unix_s) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(sys_seconds{seconds{static_cast<std::int64_t>(unix_s)}})};
  const sys_days first{ymd.year() / ymd.month() / 1};
  const auto since_2000 = (first - sys_days{year{2000} / January / 1}).count();
  return {static_cast<int>(since_2000),
          fmt::format("{:04}-{:02}-01", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()))};
}

// A fresh lab database with one station ("bench"), its role and the connections to it;
// dropped at the end of its row, so the server's shutdown checkpoint has nothing left to write
// and one round's leftovers do not weigh on the next.
struct LabDb {
  test::PgCluster& cluster;
  std::string name;
  std::string station_url;
  lab::PgConnection admin;
  lab::PgConnection station;
  ~LabDb() {
    auto main_db = lab::PgConnection::connect(cluster.admin_url());
    if (main_db) (void)main_db->exec(fmt::format("DROP DATABASE {} WITH (FORCE)", name));
  }
};

LabDb fresh_lab_db(test::PgCluster& cluster, const std::string& month) {
  static int next_role = 0;
  const std::string role = fmt::format("ledlab_station_bench{}_{}", ::getpid(), ++next_role);
  const std::string password = "bench-password";
  const std::string name = cluster.create_database();
  auto admin = check(lab::PgConnection::connect(cluster.admin_url(name)), "connect admin");
  check(lab::add_station(admin, "bench", role, password), "add_station");
  // The run's month exists, as it does for every run but a lab's first of the month: every
  // row then measures the data, not the one-off creation of the month's partitions.
  check(admin.query("SELECT ledlab.ensure_month($1::date)", {month}), "ensure_month");
  std::string url = cluster.url(role, password, name);
  auto station = check(lab::PgConnection::connect(url), "connect station");
  return {cluster, name, std::move(url), std::move(admin), std::move(station)};
}

std::int64_t pg_samples(lab::PgConnection& conn, const std::string& table) {
  auto r = check(conn.query(fmt::format("SELECT coalesce(sum(n), 0) FROM {}", table)), "count samples");
  return r.int64(0, 0).value_or(-1);
}

// (a) The shipper, one pass over the whole store. Returns samples/s.
double measure_shipper(test::PgCluster& cluster, const std::filesystem::path& store, const Built& built,
                       const Options& o) {
  auto lab_db = fresh_lab_db(cluster, run_month(built.run.started_s).second);
  auto reader = check(db::Reader::open(store), "open reader");
  lab::ShipperOptions options;
  options.url = lab_db.station_url;
  options.store = store;
  options.station = "bench";
  options.max_rows_per_transaction = o.max_rows_per_transaction;
  const auto t0 = steady::now();
  const auto counts = check(lab::ship_pending(lab_db.station, reader, options), "ship_pending");
  const double s = seconds_since(t0);
  if (counts.samples != built.samples || pg_samples(lab_db.admin, "ledlab.chunks") != built.samples)
    die(fmt::format("the shipper reports {} samples shipped and the lab holds {}, of {}", counts.samples,
                    pg_samples(lab_db.admin, "ledlab.chunks"), built.samples));
  return static_cast<double>(built.samples) / s;
}

// (b) The same chunk rows with one binary COPY and COMMIT by the same station role (ledlab.chunks
// has no row-level security, which would refuse COPY FROM, PostgreSQL docs, "COPY", Notes; its
// trigger checks each row's station). Returns samples/s: the bare cost of the data.
double measure_bare_copy(test::PgCluster& cluster, const std::vector<ChunkRow>& rows, const Built& built) {
  const auto [month_days, month_text] = run_month(built.run.started_s);
  auto lab_db = fresh_lab_db(cluster, month_text);
  const auto t0 = steady::now();
  {
    auto tx = check(lab::Transaction::begin(lab_db.station), "begin");
    check(lab_db.station.copy_in(
              "COPY ledlab.chunks(run_month, run_uuid, station, series_id, first_seq, n, t_min, t_max, v_min, "
              "v_max, v_sum, v_first, v_last, data) FROM STDIN (FORMAT binary)",
              [&](lab::CopyWriter& w) -> Status {
                for (const auto& r : rows) {
                  w.begin_row(14);
                  w.date(month_days);
                  w.uuid(built.run.uuid);
                  w.text("bench");
                  w.int64(r.series_id);
                  w.int64(r.first_seq);
                  w.int32(r.n);
                  for (double x : {r.t_min, r.t_max, r.v_min, r.v_max, r.v_sum, r.v_first, r.v_last}) w.float8(x);
                  w.bytes(r.data);
                }
                return {};
              }),
          "copy chunks");
    check(tx.commit(), "commit");
  }
  const double s = seconds_since(t0);
  if (pg_samples(lab_db.admin, "ledlab.chunks") != built.samples) die("the bare COPY lost samples");
  return static_cast<double>(built.samples) / s;
}

// (c) One row per sample, one binary COPY and COMMIT by the owner. Returns samples/s.
double measure_row_per_sample(test::PgCluster& cluster, const std::vector<SeriesSamples>& samples, const Built& built) {
  auto lab_db = fresh_lab_db(cluster, run_month(built.run.started_s).second);
  check(lab_db.admin.exec("CREATE TABLE public.bench_samples(run_uuid uuid, series_id bigint, seq bigint, t_s float8, "
                          "value float8, PRIMARY KEY (run_uuid, series_id, seq))"),
        "create bench_samples");
  const auto t0 = steady::now();
  {
    auto tx = check(lab::Transaction::begin(lab_db.admin), "begin");
    check(lab_db.admin.copy_in("COPY public.bench_samples(run_uuid, series_id, seq, t_s, value) FROM STDIN (FORMAT binary)",
                               [&](lab::CopyWriter& w) -> Status {
                                 for (const auto& s : samples)
                                   for (std::size_t i = 0; i < s.t.size(); ++i) {
                                     w.begin_row(5);
                                     w.uuid(built.run.uuid);
                                     w.int64(s.series_id);
                                     w.int64(static_cast<std::int64_t>(i));
                                     w.float8(s.t[i]);
                                     w.float8(s.v[i]);
                                   }
                                 return {};
                               }),
          "copy samples");
    check(tx.commit(), "commit");
  }
  return static_cast<double>(built.samples) / seconds_since(t0);
}

// Prints the figures; false when a goal is missed.
bool throughput(test::PgCluster& cluster, const Options& o) {
  const auto store = o.dir / "bench_lab_ship.sqlite";
  remove_store(store);
  auto t0 = steady::now();
  const Built built = build_store(store, o);
  fmt::print("local store: {} lanes x {} readings = {} samples, written in {:.1f} s\n", o.lanes, o.samples_per_lane,
             built.samples, seconds_since(t0));
  auto reader = check(db::Reader::open(store), "open reader");
  const auto rows = read_chunk_rows(reader, built.run.id);
  const auto samples = read_samples(reader, built.run.id);
  std::int64_t in_chunks = 0;
  std::size_t bytes = 0;
  for (const auto& r : rows) in_chunks += r.n, bytes += r.data.size();
  if (in_chunks != built.samples) die(fmt::format("the store's chunks hold {} of {} samples", in_chunks, built.samples));
  fmt::print("  {} chunks ({:.1f} per lane), {:.1f} MB encoded ({:.2f} bytes per sample)\n", rows.size(),
             static_cast<double>(rows.size()) / o.lanes, static_cast<double>(bytes) / 1e6,
             static_cast<double>(bytes) / static_cast<double>(built.samples));

  std::vector<double> ship, bare, per_row, ratio;
  for (int round = 0; round < o.rounds; ++round) {
    // Alternate which of the two compared rows goes first, so neither always meets a warmer server.
    double s = 0, b = 0;
    if (round % 2 == 0) s = measure_shipper(cluster, store, built, o), b = measure_bare_copy(cluster, rows, built);
    else b = measure_bare_copy(cluster, rows, built), s = measure_shipper(cluster, store, built, o);
    const double r = measure_row_per_sample(cluster, samples, built);
    fmt::print("  round {}: shipper {:.3g}/s, bare COPY {:.3g}/s, row per sample {:.3g}/s\n", round + 1, s, b, r);
    std::fflush(stdout);
    ship.push_back(s), bare.push_back(b), per_row.push_back(r), ratio.push_back(s / b);
  }
  const auto row = [](std::string_view label, const std::vector<double>& v) {
    const auto [lo, hi] = std::ranges::minmax(v);
    fmt::print("  {:<44} {:>6.2f} M samples/s (rounds {:.2f}..{:.2f})\n", label, median(v) / 1e6, lo / 1e6, hi / 1e6);
  };
  fmt::print("shipping throughput over loopback, median of {} rounds:\n", o.rounds);
  row("shipper (ship_pending, whole store)", ship);
  row("bare COPY of the same chunk rows (baseline)", bare);
  row("one row per sample, binary COPY (context)", per_row);
  const double m_ship = median(ship), m_ratio = median(ratio);
  fmt::print("  shipper / bare COPY: {:.2f} (goal >= 0.50) {}\n", m_ratio, m_ratio >= 0.5 ? "met" : "MISSED");
  fmt::print("  shipper absolute: {:.2f} M samples/s (goal >= 1.00) {}\n", m_ship / 1e6, m_ship >= 1e6 ? "met" : "MISSED");
  remove_store(store);
  return m_ratio >= 0.5 && m_ship >= 1e6;
}

// Lag of a live 1 Hz run (see the top of the file).
void live_lag(test::PgCluster& cluster, const Options& o, bool notify) {
  const auto path = o.dir / "bench_lab_ship_live.sqlite";
  remove_store(path);
  const double started_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  auto lab_db = fresh_lab_db(cluster, run_month(started_s).second);
  // As `ledlab run` does it: the store's commit callback notifies the shipper (set once it runs).
  std::atomic<lab::Shipper*> target{nullptr};
  db::StoreOptions store_options;
  if (notify)
    store_options.on_commit = [&] {
      if (lab::Shipper* s = target.load()) s->notify();
    };
  auto store = check(db::Store::open(path, store_options), "open live store");
  const auto run = check(store->begin_run(provenance(started_s)), "begin_run");
  const auto lanes = declare_lanes(*store, run.id, o.lanes);
  check(store->flush(), "flush");
  lab::ShipperOptions options;
  options.url = lab_db.station_url;
  options.store = path;
  options.station = "bench";
  auto shipper = check(lab::Shipper::start(options), "start shipper");
  target = shipper.get();

  const auto readings_n = static_cast<std::size_t>(std::max(1.0, o.live_s));
  const auto zero = steady::now();
  const auto at = [&](steady::time_point t) { return std::chrono::duration<double>(t - zero).count(); };
  std::vector<double> committed(readings_n, -1);
  // arrived[series index][k]: when the poller first saw reading k of that lane in PostgreSQL.
  std::vector<std::vector<double>> arrived(lanes.size(), std::vector<double>(readings_n, -1));
  std::map<std::int64_t, std::size_t> index;  // series_id -> lane index; the store's ids are positive here
  for (std::size_t i = 0; i < lanes.size(); ++i) index[lanes[i]] = i;

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> polls{0};
  std::atomic<std::size_t> complete{0};  // lanes whose every reading arrived
  std::atomic<bool> poll_failed{false};
  std::string poll_error;                // read after the poller is joined
  std::thread poller([&] {
    auto conn = lab::PgConnection::connect(cluster.admin_url(lab_db.name));
    if (!conn) {
      poll_error = conn.error().describe();
      poll_failed = true;
      return;
    }
    std::vector<std::int64_t> seen(lanes.size(), 0);
    const std::string sql = fmt::format(
        "SELECT series_id, max(first_seq + n) FROM ledlab.chunks WHERE run_uuid = '{}' GROUP BY series_id", run.uuid);
    while (!stop.load()) {
      const double asked = at(steady::now());
      auto r = conn->query(sql);
      ++polls;
      if (!r) {
        poll_error = r.error().describe();
        poll_failed = true;
        return;
      }
      for (int row = 0; row < r->rows(); ++row) {
        const auto it = index.find(r->int64(row, 0).value_or(0));
        if (it == index.end()) continue;
        const std::size_t i = it->second;
        const auto mark = std::min<std::int64_t>(r->int64(row, 1).value_or(0), static_cast<std::int64_t>(readings_n));
        if (seen[i] == mark) continue;
        for (; seen[i] < mark; ++seen[i]) arrived[i][static_cast<std::size_t>(seen[i])] = asked;
        if (mark == static_cast<std::int64_t>(readings_n)) ++complete;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  Readings readings(o.lanes, o.jitter_ms);
  std::vector<double> t, v;
  std::vector<db::Sample> sweep(lanes.size());
  for (std::size_t k = 0; k < readings_n; ++k) {
    std::this_thread::sleep_until(zero + std::chrono::seconds(k));  // a real 1 s cadence
    readings.sweep(started_s, static_cast<std::int64_t>(k), t, v);
    for (std::size_t i = 0; i < lanes.size(); ++i) sweep[i] = {lanes[i], t[i], v[i]};
    check(store->append(sweep), "append");
    check(store->flush(), "flush");
    committed[k] = at(steady::now());
  }
  const bool drained = shipper->drain(30);
  // drain() returns once the shipper has committed everything; give the poller its next look.
  const auto deadline = steady::now() + std::chrono::seconds(5);
  while (complete.load() < lanes.size() && steady::now() < deadline && !poll_failed.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  poller.join();
  const auto status = shipper->status();
  check(store->end_run(run.id, db::RunStatus::finished), "end_run");
  check(store->close(), "close live store");  // before the shipper: its writer thread notifies it
  shipper->stop();
  remove_store(path);
  if (!poll_error.empty()) die("poller: " + poll_error);

  std::vector<double> lags;
  std::size_t missing = 0;
  for (const auto& a : arrived)
    for (std::size_t k = 0; k < readings_n; ++k)
      if (a[k] < 0) ++missing;
      else lags.push_back(std::max(0.0, a[k] - committed[k]));
  fmt::print("lag from local commit to PostgreSQL, live run of {} lanes at 1 Hz for {} s (real time), {}:\n", o.lanes,
             readings_n,
             notify ? "as `ledlab run` ships (the store's on_commit calls Shipper::notify())"
                    : "polling only (no notify, poll_s 0.5)");
  fmt::print("  median {:.0f} ms, p95 {:.0f} ms, max {:.0f} ms over {} readings ({} polls){}\n", median(lags) * 1e3,
             quantile(lags, 0.95) * 1e3, lags.empty() ? 0.0 : *std::ranges::max_element(lags) * 1e3, lags.size(),
             polls.load(), missing ? fmt::format("   !! {} readings never arrived", missing) : "");
  if (!drained) fmt::print("  !! drain(30 s) returned false; shipper's last error: {}\n", status.last_error);
}

Options parse(int argc, char** argv) {
  Options o;
  o.dir = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--lanes") o.lanes = std::max(1, std::atoi(value().c_str()));
    else if (a == "--samples-per-lane") o.samples_per_lane = std::max<std::int64_t>(1, std::atoll(value().c_str()));
    else if (a == "--rounds") o.rounds = std::clamp(std::atoi(value().c_str()), 1, 99);
    else if (a == "--live-s") o.live_s = std::max(1.0, std::atof(value().c_str()));
    else if (a == "--jitter-ms") o.jitter_ms = std::max(0.0, std::atof(value().c_str()));
    else if (a == "--dir") o.dir = value();
    else if (a == "--skip-live") o.skip_live = true;
    else if (a == "--max-rows-per-transaction")
      o.max_rows_per_transaction = static_cast<std::size_t>(std::max(1LL, std::atoll(value().c_str())));
    else die("unknown option " + a + " (see the top of tests/bench/bench_lab_ship.cpp)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  const Options o = parse(argc, argv);
  const auto t0 = steady::now();
  test::PgCluster cluster;
  check(lab::PgConnection::connect(cluster.admin_url()), "connect");
  fmt::print("private PostgreSQL cluster on 127.0.0.1:{} (started in {:.1f} s)\n", cluster.port(), seconds_since(t0));
  const bool met = throughput(cluster, o);
  if (!o.skip_live)
    for (bool notify : {false, true}) live_lag(cluster, o, notify);
  fmt::print("total {:.0f} s\n", seconds_since(t0));
  return met ? 0 : 1;
}
