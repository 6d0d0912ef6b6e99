// The dashboard's live model against the store while a run writes: at every refresh, what the
// model plots is what the store holds for the same readings (no partial reading, no reading
// twice, dead and catastrophic lanes as the run defines them).
#include "../db/temp_db.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "gui/core/run_data.hpp"

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

// A plotted history as (hours, value) points; each point of these short histories is a bucket
// of its own, so one column per few milliseconds of run time holds at most one.
std::vector<std::pair<double, double>> points_of(const gui::MinMaxHistory& h) {
  std::vector<gui::MinMaxHistory::Column> columns;
  h.decimate(h.t_first() - 1e-3, h.t_last() + 1e-3, static_cast<int>(h.points()) * 64 + 64, columns);
  std::vector<std::pair<double, double>> out;
  for (const auto& c : columns)
    if (c.filled) {
      CHECK(c.lo == c.hi);
      out.emplace_back(c.t, c.lo);
    }
  return out;
}

const gui::History* history(const std::vector<gui::PlotData>& plots, const std::string& title) {
  for (const auto& p : plots)
    if (p.title == title && !p.histories.empty()) return &p.histories.front();
  return nullptr;
}

// The store's array mean per reading time, read on its own connection: the mean over the lanes
// the run counts (first reading at or above dead_below_w, no catastrophic failure among
// `results`), for the readings every lane has reached the store.
std::map<double, double> store_means(db::Reader& reader, db::RunId run, const std::vector<db::ResultRecord>& results) {
  std::set<int> catastrophic;
  for (const auto& r : results)
    if (r.lane && r.name == "lane_failed" && nlohmann::json::parse(r.extra_json).value("catastrophic", false))
      catastrophic.insert(*r.lane);
  auto series = reader.series(run);
  REQUIRE(series);
  std::map<double, std::pair<double, int>> sums;  // t -> (sum over counted lanes, lanes read)
  for (const auto& s : *series) {
    if (!s.spec.lane || s.spec.quantity != "optical_power") continue;
    auto samples = reader.samples(s.id);
    REQUIRE(samples);
    if (samples->empty()) continue;
    const bool counted = samples->front().value >= kDeadBelowW && !catastrophic.contains(*s.spec.lane);
    for (const auto& x : *samples) {
      auto& [sum, n] = sums[x.t_s];
      if (counted) sum += x.value;
      ++n;
    }
  }
  const int counted_lanes = kLanes - 1 - (catastrophic.contains(kSuddenLane) ? 1 : 0);
  std::map<double, double> means;
  for (const auto& [t, acc] : sums)
    if (acc.second == kLanes) means[t] = acc.first / counted_lanes;
  return means;
}

// What the model plots against the store: every point one reading's array mean, the readings
// in order from the first, none left out between them, none twice.
void check_against_store(const gui::RunData& data, db::Reader& check, db::RunId run) {
  const auto expected = store_means(check, run, data.results());
  const auto plots = data.plots(0);
  const auto* mean = history(plots, "Optical power");
  if (!mean) return;  // nothing complete yet
  const auto points = points_of(*mean->data);
  REQUIRE(points.size() <= expected.size());
  auto it = expected.begin();
  for (const auto& [h, value] : points) {
    INFO("reading at " << h << " h");
    CHECK(h == Approx((it->first - kStartedS) / 3600).margin(1e-9));
    CHECK(value == Approx(it->second).epsilon(1e-12));
    ++it;
  }
  // The burn-in decay: the same means as % of the first reading's.
  const auto* decay = history(plots, "Burn-in power decay");
  REQUIRE(decay);
  const auto percent = points_of(*decay->data);
  REQUIRE(percent.size() <= points.size());
  for (std::size_t i = 0; i < percent.size(); ++i)
    CHECK(percent[i].second == Approx(100 * points[i].second / expected.begin()->second).epsilon(1e-12));
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
    check_against_store(data, *check, run->id);
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
  const auto* mean = history(plots, "Optical power");
  REQUIRE(mean);
  CHECK(mean->data->points() == kReadings);
  CHECK(data.dead_lane(kDarkLane));
  CHECK_FALSE(data.averaged(kSuddenLane));
}
