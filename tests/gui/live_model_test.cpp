// The dashboard's live model against the store while a run writes: at every refresh, what the
// model plots is what the store holds for the same readings (no partial reading, no reading
// twice, dead and catastrophic lanes as the run defines them).
#include "../db/temp_db.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "gui/core/run_data.hpp"
#include "store_means.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace ledlab;

namespace {

constexpr int kLanes = 40;
constexpr int kReadings = 240;
constexpr int kDarkLane = 3;          // dark at the first reading; its noise crosses dead_below_w later
constexpr int kSuddenLane = 7;        // fails catastrophically halfway; the result says so at the end
constexpr double kDeadBelowW = 1e-6;  // the run's parameter
constexpr double kStartedS = 1000, kIntervalS = 30;

double power_w(int lane, int k) {
  if (lane == kDarkLane) return k == 0 || k % 2 ? 5e-7 : 2e-6;
  if (lane == kSuddenLane && k >= kReadings / 2) return 1e-9;
  const double noise = 1e-3 * (((lane * 7919 + k * 104729) % 1000) / 1000.0 - 0.5);
  return 1e-3 * (1 + 0.01 * lane) * (1 - 2e-4 * k) * (1 + noise);
}

}  // namespace

TEST_CASE("at every refresh during a burn-in the dashboard plots the array mean the store holds for the same readings") {
  db::test::TempDb tmp;
  // Small batches and an early compaction: readings reach the store in pieces, a reading's
  // lanes split across commits, and samples move from hot rows into chunks while the model reads.
  db::StoreOptions options;
  options.batch_samples = 37;
  options.max_latency = std::chrono::milliseconds(1);
  options.chunks.hot_limit = 700;
  auto store = db::Store::open(tmp.path(), options);
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "burn_in", .parameters_json = R"({"dead_below_w":1e-6})",
                                  .dut_serial = "MLA-7", .started_s = kStartedS});
  REQUIRE(run);
  const std::string stress = R"({"drive_current_a":0.005,"stress_temperature_c":85})";
  std::vector<db::SeriesId> lanes;
  for (int lane = 1; lane <= kLanes; ++lane) {
    auto id = (*store)->declare_series(run->id, {lane, "optical_power", "W", stress});
    REQUIRE(id);
    lanes.push_back(*id);
  }
  auto chamber = (*store)->declare_series(run->id, {std::nullopt, "chamber_temperature", "C", stress});
  REQUIRE(chamber);

  // The model's refreshes, counted; the writer lets a few go by every few readings so that the
  // run is refreshed throughout, not only at its end.
  std::mutex mutex;
  std::condition_variable refreshed;
  int refreshes = 0;
  std::atomic<bool> done{false};
  std::string writer_error;
  std::thread writer([&] {
    for (int k = 0; k < kReadings; ++k) {
      const double t = kStartedS + kIntervalS * k;
      std::vector<db::Sample> reading;  // one record{values=...}: all lanes at one time
      for (int lane = 1; lane <= kLanes; ++lane) reading.push_back({lanes[static_cast<std::size_t>(lane - 1)], t, power_w(lane, k)});
      if (auto st = (*store)->append(reading); !st) writer_error = st.error().describe();
      if (auto st = (*store)->append(*chamber, t + 1, 85.0 + 0.01 * (k % 5)); !st) writer_error = st.error().describe();
      if (k % 6 == 5) {
        std::unique_lock lock(mutex);
        const int seen = refreshes;
        refreshed.wait_for(lock, std::chrono::seconds(30), [&] { return refreshes > seen; });
      }
    }
    // The run's judgement at its end: lane 7 failed catastrophically, out of the array figures.
    auto st = (*store)->post_result(run->id, {.name = "lane_failed", .lane = kSuddenLane, .value = 1,
                                              .extra_json = R"({"catastrophic":true})"});
    if (!st) writer_error = st.error().describe();
    if (auto e = (*store)->end_run(run->id, db::RunStatus::finished); !e) writer_error = e.error().describe();
    if (auto f = (*store)->flush(); !f) writer_error = f.error().describe();
    done = true;
  });

  auto reader = db::Reader::open(tmp.path());
  REQUIRE(reader);
  auto check = db::Reader::open(tmp.path());
  REQUIRE(check);
  gui::RunData data(*run);
  for (bool last = false; !last;) {
    last = done.load();  // one more refresh once everything is committed
    auto changed = data.refresh(*reader);
    REQUIRE(changed);
    test::check_against_store(data, *check, kDeadBelowW);
    {
      std::lock_guard lock(mutex);
      ++refreshes;
    }
    refreshed.notify_all();
  }
  writer.join();
  CHECK(writer_error.empty());
  CHECK(refreshes > kReadings / 6);
  // Every reading is on the plot at the end, the catastrophic lane out of all of them.
  const auto plots = data.plots(0);
  const auto* mean = test::first_history(plots, "Optical power");
  REQUIRE(mean);
  CHECK(mean->data->points() == kReadings);
  CHECK(data.dead_lane(kDarkLane));
  CHECK_FALSE(data.averaged(kSuddenLane));
}
