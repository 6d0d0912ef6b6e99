// The results store at lab scale: a simulated burn-in of a 20 x 20 array read at 1 Hz, written
// through the real store, then read back the ways a lab reads it.
//   bench_store [--samples N] [--lanes L] [--noise R] [--jitter-ms J] [--dir D] [--keep]
//               [--bulk-samples M] [--skip-live] [--sweeps-per-commit K]
// Method:
// - Data: every sweep is the simulated bench's power meter reading of each lane (the physics
//   model of instruments/sim at 85 C and 5 mA, aged 1 s per sweep), formatted as the meter
//   twin replies ("%+.8E", 9 significant digits) and parsed back, as the driver does; plus the
//   chamber's air temperature. --noise sets the meter's relative noise (the bench default is
//   1e-3), --jitter-ms adds uniform timing jitter to each sweep's time stamp.
// - Live cadence: one sweep per commit (append the sweep, then flush(), which returns once
//   it is committed), as a live run writes. N samples in all (default 1.45e8, which is 4.2
//   days at 1 Hz; six weeks at 1 Hz is 1.45e9 and is extrapolated: size and per-lane read
//   time grow linearly with the samples, show does not).
// - --sweeps-per-commit K commits every K sweeps instead (the same hot rows, compactions and
//   merges, written faster): with --lanes 40 and 1.45e8 samples, each lane holds a full six
//   weeks at 1 Hz (3.6e6 readings), so its whole-history read is measured, not extrapolated.
// - Bulk: M samples (default 2e7) through a store with 1 Mi-sample batches, no flush, next to
//   raw SQLite: one prepared single-row INSERT per sample into a plain (series_id, t_s, value)
//   rowid table, one transaction, the same pragmas, measured in the same run.
// - Reads: one lane's whole history and a one-hour window of it, cold (the file's pages dropped
//   from the page cache with fdatasync + posix_fadvise(DONTNEED), and a new Reader) and warm;
//   a 1000-bucket decimated lane; the array mean over every lane at 500 buckets (the dashboard's
//   burn-in view); `ledlab show`, a CSV export of one lane and of the whole run (subprocesses).
#include "bench_checks.hpp"
#include "core/clock.hpp"
#include "db/reader.hpp"
#include "db/schema.hpp"
#include "db/sqlite.hpp"
#include "db/store.hpp"
#include "instruments/sim/bench.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace ledlab;
using namespace ledlab::bench;

struct Options {
  std::int64_t samples = 145'000'000;
  std::int64_t bulk_samples = 20'000'000;
  int lanes = 400;
  double noise = -1;  // the bench's default
  double jitter_ms = 0;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  bool keep = false;
  bool skip_live = false;
  int sweeps_per_commit = 1;
};


void remove_db(const std::filesystem::path& p) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
}

std::uintmax_t disk_bytes(const std::filesystem::path& p) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    auto n = std::filesystem::file_size(p.string() + suffix, ec);
    if (!ec) total += n;
  }
  return total;
}

// Drops the file's pages from the page cache (written back first: dirty pages stay).
void drop_cache(const std::filesystem::path& p) {
  for (const char* suffix : {"", "-wal"}) {
    int fd = ::open((p.string() + suffix).c_str(), O_RDONLY);
    if (fd < 0) continue;
    (void)::fdatasync(fd);
    (void)::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
}

// The simulated array's meter readings, sweep by sweep, as the meter twin reports them.
class Sweeps {
 public:
  Sweeps(const Options& o) : clock_(Clock::manual()), rng_(7) {
    sim::BenchConfig config;
    config.array.rows = 1;
    config.array.cols = o.lanes;
    if (o.lanes == 400) config.array.rows = 20, config.array.cols = 20;
    if (o.noise >= 0) config.meter.relative_noise = o.noise;
    bench_ = std::make_unique<sim::Bench>(config, clock_);
    check(bench_->set_chamber_setpoint_c(85), "chamber");
    check(bench_->set_drive({.bias_current_a = 5e-3, .modulation_current_a = 0, .modulation_frequency_hz = 0, .output_on = true}), "drive");
    jitter_s_ = o.jitter_ms * 1e-3;
    t0_ = 1.8e9;
  }
  std::size_t lanes() const { return bench_->lane_count(); }
  // The next sweep: time stamp, per-lane powers, chamber temperature.
  void next(double& t, std::vector<double>& powers, double& chamber_c) {
    clock_->advance(1.0);
    ++k_;
    t = t0_ + static_cast<double>(k_) +
        (jitter_s_ > 0 ? std::uniform_real_distribution<double>(0, jitter_s_)(rng_) : 0.0);
    powers = bench_->measure_optical_powers_w();
    char text[32];
    for (double& p : powers) {
      *fmt::format_to_n(text, sizeof text - 1, "{:+.8E}", p).out = '\0';
      p = std::strtod(text, nullptr);
    }
    *fmt::format_to_n(text, sizeof text - 1, "{:+.3f}", bench_->chamber_air_temperature_c()).out = '\0';
    chamber_c = std::strtod(text, nullptr);
  }

 private:
  std::shared_ptr<Clock> clock_;
  std::unique_ptr<sim::Bench> bench_;
  std::mt19937_64 rng_;
  double jitter_s_ = 0, t0_ = 0;
  std::int64_t k_ = 0;
};

struct Written {
  db::RunRecord run;
  std::vector<db::SeriesId> lanes;
  std::int64_t samples = 0;
  double store_s = 0;  // time spent in store calls
};

Written write_run(const std::filesystem::path& path, const Options& o, std::int64_t samples, bool live,
                  const db::StoreOptions& options) {
  auto store = check(db::Store::open(path, options), "open");
  db::RunProvenance p;
  p.sequence = "burn_in";
  p.script_text = "-- bench_store";
  p.dut_serial = "MLA-BENCH";
  p.started_s = 1.8e9;
  Written w;
  w.run = check(store->begin_run(p), "begin_run");
  Sweeps sweeps(o);
  const std::string conditions = R"({"drive_current_a":0.005,"stress_temperature_c":85})";
  for (std::size_t lane = 1; lane <= sweeps.lanes(); ++lane)
    w.lanes.push_back(check(store->declare_series(w.run.id, {static_cast<int>(lane), "optical_power", "W", conditions}), "series"));
  const auto chamber = check(store->declare_series(w.run.id, {std::nullopt, "chamber_temperature", "C", conditions}), "series");
  std::vector<db::Sample> batch;
  std::vector<double> powers;
  double t = 0, chamber_c = 0;
  const auto per_sweep = static_cast<std::int64_t>(sweeps.lanes() + 1);
  std::int64_t next_report = samples / 10;
  while (w.samples + per_sweep <= samples) {
    sweeps.next(t, powers, chamber_c);
    batch.clear();
    for (std::size_t i = 0; i < powers.size(); ++i) batch.push_back({w.lanes[i], t, powers[i]});
    batch.push_back({chamber, t, chamber_c});
    const auto t0 = steady::now();
    check(store->append(batch), "append");
    if (live && (w.samples / per_sweep) % o.sweeps_per_commit == 0) check(store->flush(), "flush");
    w.store_s += seconds_since(t0);
    w.samples += per_sweep;
    if (live && w.samples >= next_report) {
      fmt::print(stderr, "  ... {:.0f} % ({:.3g} samples, {:.0f} s in the store)\n", 100.0 * w.samples / samples,
                 static_cast<double>(w.samples), w.store_s);
      next_report += samples / 10;
    }
  }
  const auto t0 = steady::now();
  check(store->end_run(w.run.id, db::RunStatus::finished), "end_run");
  check(store->close(), "close");
  w.store_s += seconds_since(t0);
  return w;
}

double raw_rate(const std::filesystem::path& path, std::int64_t n, int lanes) {
  remove_db(path);
  auto conn = check(db::Connection::open(path.string(), db::Connection::Mode::read_write_create), "raw open");
  check(db::configure_writer(conn), "raw configure");
  check(conn.exec("CREATE TABLE raw(sample_id INTEGER PRIMARY KEY, series_id INTEGER NOT NULL, t_s REAL NOT NULL, "
                  "value REAL NOT NULL)"),
        "raw table");
  sqlite3* h = conn.handle();
  auto t0 = steady::now();
  check(conn.exec("BEGIN"), "raw begin");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "INSERT INTO raw(series_id, t_s, value) VALUES (?1, ?2, ?3)", -1, &st, nullptr);
  for (std::int64_t i = 0; i < n; ++i) {
    sqlite3_bind_int64(st, 1, 1 + i % lanes);
    sqlite3_bind_double(st, 2, 1.8e9 + static_cast<double>(i / lanes));
    sqlite3_bind_double(st, 3, 1e-3 * (1 + 1e-3 * static_cast<double>(i % 977)));
    if (sqlite3_step(st) != SQLITE_DONE) die("raw insert failed");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  check(conn.exec("COMMIT"), "raw commit");
  const double rate = static_cast<double>(n) / seconds_since(t0);
  remove_db(path);
  return rate;
}

// Runs a shell command, returns its wall time; output to /dev/null (or counted).
double timed_command(const std::string& cmd, bool& ok) {
  const auto t0 = steady::now();
  const int rc = std::system(cmd.c_str());
  const double s = seconds_since(t0);
  ok = rc == 0;
  return s;
}

void read_figures(const std::filesystem::path& path, const Written& w) {
  const db::SeriesId lane = w.lanes.front();
  const auto read_lane = [&](bool cold, double from, double to) {
    if (cold) drop_cache(path);
    const auto t0 = steady::now();
    auto reader = check(db::Reader::open(path), "reader");
    std::int64_t n = 0;
    check(reader.for_each_sample_run(lane, from, to, [&](std::span<const double> t, std::span<const double>) {
      n += static_cast<std::int64_t>(t.size());
    }), "read lane");
    return std::pair{seconds_since(t0), n};
  };
  const double inf = std::numeric_limits<double>::infinity();
  auto [cold_s, n] = read_lane(true, -inf, inf);
  auto [warm_s, n2] = read_lane(false, -inf, inf);
  const double mid = 1.8e9 + static_cast<double>(n) / 2;
  auto [wcold_s, wn] = read_lane(true, mid, mid + 3600);
  auto [wwarm_s, wn2] = read_lane(false, mid, mid + 3600);
  fmt::print("read one lane's whole history ({} samples): cold {:.1f} ms, warm {:.1f} ms\n", n, cold_s * 1e3, warm_s * 1e3);
  fmt::print("read a one-hour window of it ({} samples): cold {:.1f} ms, warm {:.1f} ms\n", wn, wcold_s * 1e3, wwarm_s * 1e3);
  fmt::print("  six weeks at 1 Hz: {:.3g} samples per lane; whole-history read extrapolated (linear): cold {:.0f} ms, "
             "warm {:.0f} ms\n",
             3.6288e6, cold_s * 1e3 * 3.6288e6 / static_cast<double>(n), warm_s * 1e3 * 3.6288e6 / static_cast<double>(n));
  (void)n2, (void)wn2;
  for (bool cold : {true, false}) {
    if (cold) drop_cache(path);
    auto t0 = steady::now();
    auto reader = check(db::Reader::open(path), "reader");
    auto one = check(reader.decimate(lane, 1000), "decimate");
    const double lane_s = seconds_since(t0);
    t0 = steady::now();
    std::vector<double> mean(500, 0.0);
    std::vector<int> count(500, 0);
    auto span = check(reader.series(w.run.id), "series");
    double lo = inf, hi = -inf;
    for (const auto& s : span)
      if (s.first_t_s) lo = std::min(lo, *s.first_t_s), hi = std::max(hi, *s.last_t_s);
    for (db::SeriesId id : w.lanes) {
      auto b = check(reader.decimate(id, 500, lo, hi), "decimate");
      for (const auto& x : b) {
        auto k = std::min<std::size_t>(499, static_cast<std::size_t>((x.t_first - lo) / ((hi - lo) / 500)));
        mean[k] += x.mean, ++count[k];
      }
    }
    fmt::print("{}: one lane decimated to {} buckets {:.1f} ms; array mean of {} lanes at 500 buckets {:.1f} ms\n",
               cold ? "cold" : "warm", one.size(), lane_s * 1e3, w.lanes.size(), seconds_since(t0) * 1e3);
  }
  const std::string ledlab = LEDLAB_BINARY_DIR "/ledlab";
  const std::string db_arg = fmt::format("--db '{}'", path.string());
  struct Cmd { const char* what; std::string args; };
  const Cmd cmds[] = {
      {"ledlab show", fmt::format("show {} {} > /dev/null", db_arg, w.run.uuid)},
      {"CSV export of one lane", fmt::format("export {} {} --table samples --lane 1 --quantity optical_power > /dev/null", db_arg, w.run.uuid)},
      {"CSV export of the whole run", fmt::format("export {} {} --table samples > /dev/null", db_arg, w.run.uuid)},
  };
  for (const Cmd& c : cmds) {
    for (bool cold : {true, false}) {
      if (cold) drop_cache(path);
      bool ok = false;
      const double s = timed_command(ledlab + " " + c.args, ok);
      fmt::print("{} ({}): {:.2f} s{}\n", c.what, cold ? "cold" : "warm", s, ok ? "" : "  [command FAILED]");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--samples") o.samples = static_cast<std::int64_t>(std::stod(value()));
    else if (a == "--bulk-samples") o.bulk_samples = static_cast<std::int64_t>(std::stod(value()));
    else if (a == "--lanes") o.lanes = std::stoi(value());
    else if (a == "--noise") o.noise = std::stod(value());
    else if (a == "--jitter-ms") o.jitter_ms = std::stod(value());
    else if (a == "--dir") o.dir = value();
    else if (a == "--keep") o.keep = true;
    else if (a == "--skip-live") o.skip_live = true;
    else if (a == "--sweeps-per-commit") o.sweeps_per_commit = std::stoi(value());
    else die("unknown option " + a);
  }
  if (o.lanes < 1 || o.lanes > 4096 || o.samples < 1 || o.bulk_samples < 0 || o.sweeps_per_commit < 1)
    die("options out of range");
  const auto path = o.dir / "bench_store.sqlite";
  fmt::print("bench_store: {} lanes, meter noise {}, jitter {} ms\n", o.lanes,
             o.noise >= 0 ? fmt::format("{:g}", o.noise) : std::string("bench default (1e-3)"), o.jitter_ms);

  if (o.bulk_samples > 0) {
    const double raw = raw_rate(o.dir / "bench_store_raw.sqlite", o.bulk_samples, o.lanes);
    remove_db(path);
    db::StoreOptions bulk;
    bulk.batch_samples = std::size_t{1} << 20;
    Written w = write_run(path, o, o.bulk_samples, false, bulk);
    const double rate = static_cast<double>(w.samples) / w.store_s;
    fmt::print("bulk ingest: {:.2f} M samples/s (store), raw SQLite prepared inserts {:.2f} M samples/s: ratio {:.2f}\n",
               rate / 1e6, raw / 1e6, rate / raw);
    fmt::print("  bulk store size: {:.2f} bytes/sample\n", static_cast<double>(disk_bytes(path)) / static_cast<double>(w.samples));
    remove_db(path);
  }
  if (o.skip_live) return 0;

  remove_db(path);
  Written w = write_run(path, o, o.samples, true, {});
  const double bytes = static_cast<double>(disk_bytes(path));
  fmt::print("live cadence ({} sweep(s) of {} lanes + chamber per commit): {:.3g} samples in {:.1f} s in store calls: "
             "{:.0f} k samples/s, {:.0f} sweeps/s\n",
             o.sweeps_per_commit, w.lanes.size(), static_cast<double>(w.samples), w.store_s, w.samples / w.store_s / 1e3,
             w.samples / w.store_s / static_cast<double>(w.lanes.size() + 1));
  {
    auto reader = check(db::Reader::open(path), "reader");
    auto& c = reader.connection();
    const auto chunk_bytes = check(c.query_int("SELECT coalesce(sum(bytes), 0) FROM chunks"), "sum");
    const auto chunks = check(c.query_int("SELECT count(*) FROM chunks"), "count");
    const auto hot = check(c.query_int("SELECT count(*) FROM hot_samples"), "hot");
    const auto pages = check(c.query_int("PRAGMA page_count"), "pages");
    const auto free_pages = check(c.query_int("PRAGMA freelist_count"), "free");
    fmt::print("on disk: {:.3f} bytes/sample ({:.0f} MB for {:.3g} samples; compressed data {:.3f} bytes/sample in {} "
               "chunks; {} hot rows; {} of {} pages free)\n",
               bytes / static_cast<double>(w.samples), bytes / 1e6, static_cast<double>(w.samples),
               static_cast<double>(chunk_bytes) / static_cast<double>(w.samples), chunks, hot, free_pages, pages);
    fmt::print("  six weeks at 1 Hz (1.45e9 samples) extrapolated: {:.1f} GB\n",
               bytes / static_cast<double>(w.samples) * 1.4515e9 / 1e9);
  }
  read_figures(path, w);
  if (!o.keep) remove_db(path);
  else fmt::print("kept {} (run {})\n", path.string(), w.run.uuid);
  return 0;
}
