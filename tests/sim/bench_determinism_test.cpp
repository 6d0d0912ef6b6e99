#include "instruments/sim/bench.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <ctime>
#include <numeric>
#include <thread>

using namespace ledlab;
using namespace ledlab::sim;

namespace {

constexpr double kHour_s = 3600.0;

std::shared_ptr<Bench> make_bench(std::shared_ptr<Clock> clock, std::uint64_t seed = 11) {
  BenchConfig config;
  config.seed = seed;
  config.array.weak_probability = 0.05;
  auto bench = std::make_shared<Bench>(config, std::move(clock));
  REQUIRE(bench->set_drive({5e-3, 4e-3, 0.0, true}));
  REQUIRE(bench->set_bert(2e9, 31));
  return bench;
}

// A short scripted session: ramp, readings, error gates.
std::vector<double> session(Bench& bench, Clock& clock) {
  std::vector<double> out;
  REQUIRE(bench.set_chamber_setpoint_c(85.0));
  for (int i = 0; i < 20; ++i) {
    clock.advance(37.0);
    out.push_back(bench.chamber_air_temperature_c());
    for (const double p : bench.measure_optical_powers_w()) out.push_back(p);
    for (const auto k : bench.count_errors(std::uint64_t{2'000'000'000'000})) out.push_back(static_cast<double>(k));
  }
  REQUIRE(bench.fail_lane(3));
  clock.advance(500 * kHour_s);
  for (const double p : bench.measure_optical_powers_w()) out.push_back(p);
  return out;
}

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

}  // namespace

TEST_CASE("the same seed and the same calls give identical readings, another seed does not") {
  auto c1 = Clock::manual();
  auto c2 = Clock::manual();
  auto c3 = Clock::manual();
  auto b1 = make_bench(c1, 11);
  auto b2 = make_bench(c2, 11);
  auto b3 = make_bench(c3, 12);
  const auto r1 = session(*b1, *c1);
  const auto r2 = session(*b2, *c2);
  const auto r3 = session(*b3, *c3);
  CHECK(r1 == r2);
  CHECK(r1 != r3);
}

TEST_CASE("a lane's readings do not depend on calls for other lanes or on polling") {
  auto c1 = Clock::manual();
  auto c2 = Clock::manual();
  auto quiet = make_bench(c1);
  auto busy = make_bench(c2);
  REQUIRE(quiet->set_chamber_setpoint_c(85.0));
  REQUIRE(busy->set_chamber_setpoint_c(85.0));
  std::vector<double> quiet_w;
  std::vector<double> busy_w;
  std::vector<std::uint64_t> quiet_errors;
  std::vector<std::uint64_t> busy_errors;
  // A weak lane, so its error counts are not all zero and the draws are visible.
  std::size_t lane = 0;
  while (!quiet->array().lane(lane).weak) ++lane;
  REQUIRE(lane + 2 < quiet->lane_count());
  const auto bits = static_cast<std::uint64_t>(3.0 / quiet->ber(lane));
  (void)busy->ber(lane);
  for (int step = 0; step < 30; ++step) {
    // The busy bench is polled every 0.7 s by "other twins"; the quiet one only at the reading.
    for (int k = 0; k < 10; ++k) {
      c2->advance(0.7);
      (void)busy->chamber_status();
      (void)busy->measure_optical_power_w(lane + 1);
      (void)busy->count_errors(lane + 2, 1'000'000'000);
    }
    c1->advance(7.0);
    quiet_w.push_back(quiet->measure_optical_power_w(lane));
    busy_w.push_back(busy->measure_optical_power_w(lane));
    quiet_errors.push_back(quiet->count_errors(lane, bits));
    busy_errors.push_back(busy->count_errors(lane, bits));
  }
  // Same simulated times (up to rounding of the clock's sum), same draws per lane.
  for (std::size_t i = 0; i < quiet_w.size(); ++i) CHECK(busy_w[i] == Approx(quiet_w[i]).epsilon(1e-12));
  CHECK(busy_errors == quiet_errors);
  CHECK(std::accumulate(quiet_errors.begin(), quiet_errors.end(), std::uint64_t{0}) > 0);
}

TEST_CASE("a 1000 h burn-in of 400 lanes with 6000 readings takes well under a few CPU seconds") {
  auto clock = Clock::manual();
  auto bench = make_bench(clock);
  REQUIRE(bench->set_chamber_setpoint_c(85.0));
  const double start = cpu_seconds();
  double sum = 0;
  for (int reading = 0; reading < 6000; ++reading) {
    clock->advance(1000.0 * kHour_s / 6000.0);
    for (const double p : bench->measure_optical_powers_w()) sum += p;
  }
  const double cpu_s = cpu_seconds() - start;
  WARN("6000 x 400 readings over 1000 h: " << cpu_s << " s CPU");
  CHECK(sum > 0.0);
  CHECK(cpu_s < 3.0);
}

TEST_CASE("a burn-in's noisy readings recover each lane's decay rate within 10 %") {
  BenchConfig config;
  config.ageing.early_failure_probability = 0.0;
  auto clock = Clock::manual();
  auto bench = std::make_shared<Bench>(config, clock);
  REQUIRE(bench->set_drive({5e-3, 0.0, 0.0, true}));
  REQUIRE(bench->set_chamber_setpoint_c(85.0));
  clock->advance(kHour_s);
  const std::vector<std::size_t> lanes{0, 57, 199, 342};
  std::vector<double> alpha_true;
  for (const auto l : lanes) alpha_true.push_back(bench->ageing_rate_per_h(l));
  // Least-squares slope of ln(P) against t, 6000 readings over 1000 h.
  const int n = 6000;
  std::vector<double> st(lanes.size(), 0), sy(lanes.size(), 0), stt(lanes.size(), 0), sty(lanes.size(), 0);
  for (int r = 0; r < n; ++r) {
    clock->advance(1000.0 * kHour_s / n);
    const double t_h = (r + 1) * 1000.0 / n;
    for (std::size_t k = 0; k < lanes.size(); ++k) {
      const double y = std::log(bench->measure_optical_power_w(lanes[k]));
      st[k] += t_h;
      sy[k] += y;
      stt[k] += t_h * t_h;
      sty[k] += t_h * y;
    }
  }
  for (std::size_t k = 0; k < lanes.size(); ++k) {
    if (bench->array().lane(lanes[k]).dead) continue;
    const double slope = (n * sty[k] - st[k] * sy[k]) / (n * stt[k] - st[k] * st[k]);
    CAPTURE(lanes[k], alpha_true[k], slope);
    CHECK(-slope == Approx(alpha_true[k]).epsilon(0.10));
  }
}

TEST_CASE("twins on several threads can share one bench") {
  auto clock = Clock::manual();
  auto bench = make_bench(clock);
  std::vector<std::thread> twins;
  for (int t = 0; t < 4; ++t) {
    twins.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        if (t == 0) clock->advance(10.0);
        if (t == 1) (void)bench->set_chamber_setpoint_c(25.0 + i % 60);
        if (t == 2) (void)bench->measure_optical_powers_w();
        if (t == 3) (void)bench->count_errors(std::uint64_t{1'000'000});
      }
    });
  }
  for (auto& t : twins) t.join();
  CHECK(bench->time_s() == Approx(2000.0));
}

TEST_CASE("a manual clock moves only with advance") {
  auto clock = Clock::manual();
  CHECK(clock->is_manual());
  CHECK(clock->elapsed_s() == 0.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(clock->elapsed_s() == 0.0);
  clock->advance(12.5);
  CHECK(clock->elapsed_s() == 12.5);
}
