// Reader::decimate on the v4 layout: exact below kExactDecimateSamples, from the chunks' plot
// summaries above, and the same figures either way for what they both can say.
#include "db/reader.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab;
using namespace ledlab::db;

namespace {

struct Written {
  SeriesId series = 0;
  double sum = 0, min = 0, max = 0;
  std::int64_t n = 0;
};

// One series of n readings 1 s apart, a slow ramp plus a wobble; half of them in one bulk
// batch, the rest appended a few at a time (hot rows, compactions, merges).
Written write(const test::TempDb& tmp, std::int64_t n) {
  auto store = Store::open(tmp.path(), {.batch_samples = std::size_t{1} << 20}).value();
  RunProvenance p;
  p.sequence = "burn_in";
  p.script_text = "--";
  auto run = store->begin_run(p).value();
  Written w;
  w.series = store->declare_series(run.id, {1, "optical_power", "W", "{}"}).value();
  w.min = INFINITY, w.max = -INFINITY;
  std::vector<Sample> batch;
  for (std::int64_t i = 0; i < n; ++i) {
    const double v = 1e-3 * (1 - 1e-8 * static_cast<double>(i)) + 1e-6 * std::sin(0.001 * static_cast<double>(i));
    batch.push_back({w.series, 1.8e9 + static_cast<double>(i), v});
    w.sum += v, w.min = std::min(w.min, v), w.max = std::max(w.max, v), ++w.n;
    if (i >= n / 2 && batch.size() >= 50) {
      REQUIRE(store->append(batch));
      REQUIRE(store->flush());
      batch.clear();
    }
  }
  REQUIRE(store->append(batch));
  REQUIRE(store->end_run(run.id, RunStatus::finished));
  REQUIRE(store->close());
  return w;
}

void check_totals(const std::vector<SampleBucket>& buckets, const Written& w) {
  std::int64_t n = 0;
  double sum = 0, mn = INFINITY, mx = -INFINITY;
  for (const auto& b : buckets) {
    n += b.n, sum += b.mean * static_cast<double>(b.n), mn = std::min(mn, b.min), mx = std::max(mx, b.max);
    CHECK(b.t_first <= b.t_last);
  }
  CHECK(n == w.n);
  CHECK(sum == Approx(w.sum).epsilon(1e-12));
  CHECK(mn == w.min);
  CHECK(mx == w.max);
}

}  // namespace

TEST_CASE("decimating a series over 2^20 samples reads chunk summaries and still counts every sample once") {
  test::TempDb tmp;
  const Written w = write(tmp, Reader::kExactDecimateSamples + 300'000);
  auto reader = Reader::open(tmp.path()).value();
  auto buckets = reader.decimate(w.series, 1000).value();
  CHECK(buckets.size() <= 1000);
  CHECK(buckets.size() > 100);
  check_totals(buckets, w);
  // The first bucket starts with the first reading, the last ends with the last.
  CHECK(buckets.front().t_first == 1.8e9);
  CHECK(buckets.back().t_last == 1.8e9 + static_cast<double>(w.n - 1));
  // Bucket means follow the ramp: each within the wobble of the ramp at its middle.
  for (const auto& b : buckets) {
    const double mid = 0.5 * (b.t_first + b.t_last) - 1.8e9;
    CHECK(std::abs(b.mean - 1e-3 * (1 - 1e-8 * mid)) < 1.1e-6);
  }
}

TEST_CASE("decimating a window below 2^20 samples is exact, bucket by bucket") {
  test::TempDb tmp;
  const Written w = write(tmp, 200'000);
  auto reader = Reader::open(tmp.path()).value();
  auto buckets = reader.decimate(w.series, 64).value();
  REQUIRE(buckets.size() == 64);
  check_totals(buckets, w);
  auto samples = reader.samples(w.series).value();
  const double width = (samples.back().t_s - samples.front().t_s) / 64;
  for (std::size_t k = 0; k < buckets.size(); ++k) {
    double sum = 0;
    std::int64_t n = 0;
    for (const auto& s : samples) {
      auto at = std::min<std::size_t>(63, static_cast<std::size_t>((s.t_s - samples.front().t_s) / width));
      if (at == k) sum += s.value, ++n;
    }
    INFO("bucket " << k);
    CHECK(buckets[k].n == n);
    CHECK(buckets[k].mean == Approx(sum / static_cast<double>(n)).epsilon(1e-12));
  }
}

TEST_CASE("lanes due a chunk merge together are merged a few per commit, and nothing is lost on the way") {
  test::TempDb tmp;
  StoreOptions options;
  options.chunks = {.hot_limit = 40, .chunk_samples = 1000, .merge_count = 3, .direct_min = 100000, .merges_per_batch = 2};
  auto store = Store::open(tmp.path(), options).value();
  RunProvenance p;
  p.sequence = "burn_in";
  p.script_text = "--";
  auto run = store->begin_run(p).value();
  std::vector<SeriesId> lanes;
  for (int lane = 1; lane <= 8; ++lane) lanes.push_back(store->declare_series(run.id, {lane, "optical_power", "W", "{}"}).value());
  auto reader = Reader::open(tmp.path()).value();
  const auto partials = [&](SeriesId id) {
    return reader.connection().query_int("SELECT count(*) FROM chunks WHERE series_id = " + std::to_string(id)).value();
  };
  std::int64_t most_merged_at_once = 0;
  for (int sweep = 0; sweep < 200; ++sweep) {
    std::vector<std::int64_t> before;
    for (SeriesId id : lanes) before.push_back(partials(id));
    for (SeriesId id : lanes) REQUIRE(store->append(Sample{id, 1.8e9 + sweep, 1e-3 + 1e-9 * sweep}));
    REQUIRE(store->flush());  // one sweep per commit
    std::int64_t merged = 0;
    for (std::size_t i = 0; i < lanes.size(); ++i) merged += partials(lanes[i]) < before[i] ? 1 : 0;
    most_merged_at_once = std::max(most_merged_at_once, merged);
  }
  CHECK(most_merged_at_once >= 1);  // merges happened
  CHECK(most_merged_at_once <= 2);  // never all eight lanes in one commit
  REQUIRE(store->end_run(run.id, RunStatus::finished));
  for (SeriesId id : lanes) {
    auto samples = reader.samples(id).value();
    REQUIRE(samples.size() == 200);
    for (int k = 0; k < 200; ++k) CHECK(samples[static_cast<std::size_t>(k)].t_s == 1.8e9 + k);
  }
}
