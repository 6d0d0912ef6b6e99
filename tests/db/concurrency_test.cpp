#include "db/reader.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace ledlab;
using namespace ledlab::db;

namespace {
RunProvenance soak() {
  RunProvenance p;
  p.sequence = "burn_in";
  p.script_text = "soak()";
  p.dut_serial = "MLA-1";
  return p;
}
}  // namespace

TEST_CASE("a reader sees a consistent, growing run while the writer ingests") {
  test::TempDb tmp;
  auto store = Store::open(tmp.path(), {.batch_samples = 4096, .max_latency = std::chrono::milliseconds(20)}).value();
  auto run = store->begin_run(soak()).value();
  std::vector<SeriesId> lanes;
  for (int lane = 0; lane < 16; ++lane)
    lanes.push_back(store->declare_series(run.id, {.lane = lane, .quantity = "optical_power", .unit = "W",
                                                   .conditions_json = "{}"})
                        .value());
  constexpr int kSweeps = 20000;
  std::atomic<bool> done{false};
  std::atomic<int> engine_errors{0};  // Catch2 assertions are not thread-safe: count, check later
  std::thread engine([&] {
    std::vector<Sample> sweep(lanes.size());
    for (int i = 0; i < kSweeps; ++i) {
      for (std::size_t k = 0; k < lanes.size(); ++k) sweep[k] = {lanes[k], double(i), double(i)};
      if (!store->append(sweep)) ++engine_errors;
      if (i % 5000 == 0 && !store->log_event(run.id, {.id = 0, .t_s = double(i), .kind = EventKind::info,
                                                      .source = "engine", .message = "sweep", .data_json = "{}"}))
        ++engine_errors;
    }
    if (!store->flush()) ++engine_errors;
    done = true;
  });

  auto reader = Reader::open(tmp.path()).value();
  std::int64_t last = 0;
  int reads = 0, grew = 0;
  while (!done.load()) {
    auto totals = reader.totals(run.id);
    REQUIRE(totals);  // never SQLITE_BUSY while the writer commits
    CHECK(totals->samples >= last);
    if (totals->samples > last) ++grew;
    last = totals->samples;
    auto tail = reader.latest_samples(lanes[3], 5);
    REQUIRE(tail);
    for (std::size_t i = 1; i < tail->size(); ++i) CHECK((*tail)[i].t_s == (*tail)[i - 1].t_s + 1);
    ++reads;
  }
  engine.join();
  CHECK(engine_errors == 0);
  CHECK(reads > 0);
  INFO("reads " << reads << ", saw growth " << grew << " times");
  CHECK(reader.totals(run.id).value().samples == std::int64_t(kSweeps) * 16);
  CHECK(reader.integrity_check().value() == "ok");
}

TEST_CASE("appended samples reach the disk within a second without a flush") {
  test::TempDb tmp;
  auto store = Store::open(tmp.path()).value();  // default batching: 65536 samples or 250 ms
  auto run = store->begin_run(soak()).value();
  auto s = store->declare_series(run.id, {.lane = 0, .quantity = "optical_power", .unit = "W", .conditions_json = "{}"})
               .value();
  auto reader = Reader::open(tmp.path()).value();
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(store->append(s, 1.0, 42.0));
  // Waits for the on-disk state, which only another connection can observe: poll it.
  while (reader.samples(s).value().empty()) {
    REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1000));
}

TEST_CASE("samples from several engine threads all arrive") {
  test::TempDb tmp;
  auto store = Store::open(tmp.path(), {.batch_samples = 512, .max_latency = std::chrono::milliseconds(5)}).value();
  auto run = store->begin_run(soak()).value();
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  std::vector<SeriesId> ids;
  for (int t = 0; t < 4; ++t)
    ids.push_back(
        store->declare_series(run.id, {.lane = t, .quantity = "ber", .unit = "1", .conditions_json = "{}"}).value());
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25000; ++i)
        if (!store->append(ids[t], double(i), double(t))) ++errors;
    });
  for (auto& th : threads) th.join();
  CHECK(errors == 0);
  REQUIRE(store->flush());
  auto reader = Reader::open(tmp.path()).value();
  for (int t = 0; t < 4; ++t) {
    auto samples = reader.samples(ids[t]).value();
    REQUIRE(samples.size() == 25000);
    for (int i = 0; i < 25000; ++i) REQUIRE(samples[i].t_s == double(i));  // per-thread order kept
  }
}
