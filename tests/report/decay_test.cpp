// The burn-in report reads power decay decimated: a bounded number of points however long the
// lanes' series, each the mean of the live lanes' P/P0 over its bucket.
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "report/decay.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab;

namespace {

constexpr double kT0 = 1700000000.0;
constexpr double kStep_s = 3.6;       // 500000 readings: 500 h
constexpr int kReadings = 500000;     // per lane; two live lanes make 1e6 samples
constexpr double kSlope1 = 2e-7, kSlope2 = 6e-7;  // per reading, of P/P0

struct Burn {
  db::test::TempDb tmp;
  db::RunRecord recorded;

  Burn() {
    auto store = db::Store::open(tmp.path()).value();
    recorded = store->begin_run({.sequence = "burn_in", .script_text = "soak()", .started_s = kT0}).value();
    const std::string stress = R"({"stress_temperature_c":85,"drive_current_a":0.01})";
    std::vector<db::SeriesId> lanes;
    for (int lane = 1; lane <= 4; ++lane)
      lanes.push_back(store->declare_series(recorded.id, {.lane = lane, .quantity = "optical_power", .unit = "W",
                                                          .conditions_json = stress})
                          .value());
    std::vector<db::Sample> batch;
    for (int k = 0; k < kReadings; ++k) {
      const double t = kT0 + kStep_s * k;
      batch.push_back({lanes[0], t, 1e-4 * (1 - kSlope1 * k)});
      batch.push_back({lanes[1], t, 3e-4 * (1 - kSlope2 * k)});
      if (k % 100 == 0) batch.push_back({lanes[2], t, 2e-4 * (1 - 1e-4 * (k / 100))});  // failed: decays fast
      if (k % 1000 == 0) batch.push_back({lanes[3], t, 1e-12});                          // dead
      if (batch.size() >= 8192) {
        REQUIRE(store->append(batch));
        batch.clear();
      }
    }
    REQUIRE(store->append(batch));
    REQUIRE(store->record_result(recorded.id, {.name = "lane_failed", .lane = 3, .value = 1, .upper_limit = 0}));
    REQUIRE(store->record_result(recorded.id, {.name = "lane_failed", .lane = 4, .value = 1, .extra_json = R"({"dead":true})"}));
    REQUIRE(store->end_run(recorded.id, db::RunStatus::finished, kT0 + kStep_s * kReadings));
  }
};

}  // namespace

TEST_CASE_METHOD(Burn, "a burn-in of 1e6 samples loads as at most one point per bucket, each the mean P/P0 of its bucket") {
  auto reader = db::Reader::open(tmp.path()).value();
  auto run = report::load_run(reader, recorded.uuid).value();
  const std::vector<bool> failed{false, false, true, false}, dead{false, false, false, true};
  constexpr std::size_t kBuckets = 640;
  const auto decay = report::load_decay(run, reader, dead, failed, kBuckets).value();

  REQUIRE(!decay.t_h.empty());
  CHECK(decay.t_h.size() <= kBuckets);
  CHECK(decay.t_h.size() >= kBuckets - 1);  // readings every 3.6 s fill every bucket of 47 min
  REQUIRE(decay.mean.size() == decay.t_h.size());
  CHECK(decay.duration_h == Approx(kStep_s * (kReadings - 1) / 3600.0));
  // Both live lanes fall linearly, so a bucket's mean is their value at the bucket's middle,
  // which is the time the bucket is plotted at.
  for (std::size_t i = 0; i < decay.t_h.size(); ++i) {
    const double k = decay.t_h[i] * 3600.0 / kStep_s;
    const double expected = 1 - 0.5 * (kSlope1 + kSlope2) * k;
    INFO("point " << i << " at " << decay.t_h[i] << " h");
    CHECK(decay.mean[i] == Approx(expected).epsilon(1e-9));
  }
  CHECK(decay.t_h.front() == Approx(decay.duration_h / kBuckets / 2).margin(kStep_s / 3600));
  // The failed lane has its own curve, the dead lane none.
  REQUIRE(decay.failed.size() == 1);
  CHECK(decay.failed[0].lane == 3);
  REQUIRE(decay.failed[0].ratio.size() == decay.t_h.size());
  CHECK(decay.failed[0].ratio.front() == Approx(1.0).margin(0.01));
  CHECK(decay.failed[0].ratio.back() < 0.6);
}
