// Sustained sample ingest through the results store, next to raw SQLite prepared inserts
// into the same samples table in one transaction, measured in the same process.
//   bench_store [samples_per_round=4000000] [rounds=3] [dir=/tmp]
// Rounds alternate raw and store so background load hits both alike; medians are printed.
// The raw baseline is one single-row prepared INSERT stepped per sample; the store's writer
// steps 64-row INSERTs, which is why it can beat the baseline on a quiet machine. Both write
// the same table with the same pragmas; the store also queues, groups by series, commits
// every batch and records sample_blocks.
#include "db/schema.hpp"
#include "db/sqlite.hpp"
#include "db/store.hpp"

#include <sqlite3.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

using namespace ledlab;
using clock_type = std::chrono::steady_clock;
constexpr int kLanes = 400;  // a 20 x 20 array, one series per lane

void remove_db(const std::filesystem::path& p) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
}

[[noreturn]] void die(const Error& e) {
  fmt::print(stderr, "bench_store: {}\n", e.describe());
  std::exit(1);
}

// Raw SQLite: one prepared INSERT, one transaction, same schema and pragmas as the store.
double raw_rate(const std::filesystem::path& path, std::int64_t n) {
  remove_db(path);
  auto conn = db::Connection::open(path.string(), db::Connection::Mode::read_write_create);
  if (!conn) die(conn.error());
  if (auto s = db::configure_writer(*conn); !s) die(s.error());
  if (auto s = db::migrate(*conn); !s) die(s.error());
  sqlite3* h = conn->handle();
  auto t0 = clock_type::now();
  sqlite3_exec(h, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "INSERT INTO samples(series_id, t_s, value) VALUES (?1, ?2, ?3)", -1, &st, nullptr);
  double t = 1.7e9;
  for (std::int64_t i = 0; i < n; ++i) {
    sqlite3_bind_int64(st, 1, 1 + i % kLanes);
    sqlite3_bind_double(st, 2, t + static_cast<double>(i / kLanes) * 1e-3);
    sqlite3_bind_double(st, 3, static_cast<double>(i) * 1e-6);
    if (sqlite3_step(st) != SQLITE_DONE) die(db::storage_error(h, "raw insert"));
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) die(db::storage_error(h, "commit"));
  return static_cast<double>(n) / std::chrono::duration<double>(clock_type::now() - t0).count();
}

// The store: a run with one series per lane, samples appended one lane sweep at a time
// (or one by one), timed from the first append until flush() says all is committed.
double store_rate(const std::filesystem::path& path, std::int64_t n, std::size_t chunk) {
  remove_db(path);
  auto store = db::Store::open(path);
  if (!store) die(store.error());
  db::RunProvenance provenance;
  provenance.sequence = "bench";
  provenance.script_text = "-- bench";
  provenance.dut_serial = "BENCH-1";
  auto run = (*store)->begin_run(provenance);
  if (!run) die(run.error());
  std::vector<db::SeriesId> ids;
  db::SeriesSpec spec{.lane = 0, .quantity = std::string("optical_power"), .unit = std::string("W"),
                      .conditions_json = std::string("{}")};
  for (int lane = 0; lane < kLanes; ++lane) {
    spec.lane = lane;
    auto id = (*store)->declare_series(run->id, spec);
    if (!id) die(id.error());
    ids.push_back(*id);
  }
  std::vector<db::Sample> sweep(chunk);
  double t = 1.7e9;
  auto t0 = clock_type::now();
  for (std::int64_t i = 0; i < n;) {
    std::size_t k = 0;
    for (; k < chunk && i < n; ++k, ++i)
      sweep[k] = {ids[static_cast<std::size_t>(i % kLanes)], t + static_cast<double>(i / kLanes) * 1e-3,
                  static_cast<double>(i) * 1e-6};
    if (auto s = (*store)->append(std::span<const db::Sample>(sweep.data(), k)); !s) die(s.error());
  }
  if (auto s = (*store)->flush(); !s) die(s.error());
  double rate = static_cast<double>(n) / std::chrono::duration<double>(clock_type::now() - t0).count();
  auto stats = (*store)->stats();
  if (stats.committed_samples != static_cast<std::uint64_t>(n)) {
    fmt::print(stderr, "bench_store: committed {} of {} samples\n", stats.committed_samples, n);
    std::exit(1);
  }
  (void)(*store)->end_run(run->id, db::RunStatus::finished);
  return rate;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
#ifndef NDEBUG
  fmt::print("WARNING: bench_store built without NDEBUG (not a Release build); figures are not representative\n");
#endif
  std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 4'000'000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  std::filesystem::path dir = argc > 3 ? argv[3] : std::filesystem::temp_directory_path();
  auto raw_path = dir / "ledlab_bench_raw.sqlite";
  auto store_path = dir / "ledlab_bench_store.sqlite";

  std::vector<double> raw, sweep, single, sweep_ratio, single_ratio;
  for (int r = 0; r < rounds; ++r) {
    raw.push_back(raw_rate(raw_path, n));
    sweep.push_back(store_rate(store_path, n, kLanes));
    single.push_back(store_rate(store_path, n / 4, 1));
    sweep_ratio.push_back(sweep.back() / raw.back());
    single_ratio.push_back(single.back() / raw.back());
    fmt::print("round {}: raw {:.0f}/s  store (sweeps of {}) {:.0f}/s ({:.2f})  store (one by one) {:.0f}/s ({:.2f})\n",
               r + 1, raw.back(), kLanes, sweep.back(), sweep_ratio.back(), single.back(), single_ratio.back());
  }
  double raw_m = median(raw), sweep_m = median(sweep), single_m = median(single);
  double sweep_r = median(sweep_ratio), single_r = median(single_ratio);  // per-round ratios: same load on both
  fmt::print("\nsamples per round {}, rounds {}, SQLite {}, medians (ratio: median of per-round store/raw):\n", n,
             rounds, sqlite3_libversion());
  fmt::print("  raw SQLite prepared inserts, one transaction : {:>12.0f} samples/s\n", raw_m);
  fmt::print("  store, append(span) of {} lanes            : {:>12.0f} samples/s  ratio {:.2f}\n", kLanes, sweep_m,
             sweep_r);
  fmt::print("  store, append() one sample at a time         : {:>12.0f} samples/s  ratio {:.2f}\n", single_m,
             single_r);
  fmt::print("  goal: >= 1000000 samples/s and ratio >= 0.50 -> {}\n",
             sweep_m >= 1e6 && sweep_r >= 0.5 ? "met" : "NOT met");
  remove_db(raw_path);
  remove_db(store_path);
  return 0;
}
