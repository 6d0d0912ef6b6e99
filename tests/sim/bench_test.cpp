#include "instruments/sim/bench.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <numeric>

using namespace ledlab;
using namespace ledlab::sim;

namespace {

constexpr double kHour_s = 3600.0;
const Drive kReferenceDrive{5e-3, 4e-3, 0.0, true};

struct Fixture {
  std::shared_ptr<Clock> clock = Clock::manual();
  std::shared_ptr<Bench> bench;
  explicit Fixture(BenchConfig config = {}) : bench(std::make_shared<Bench>(config, clock)) {
    REQUIRE(bench->set_drive(kReferenceDrive));
    REQUIRE(bench->set_bert(2e9, 31));
  }
  void soak_at(double setpoint_c, double hours = 1.0) {
    REQUIRE(bench->set_chamber_setpoint_c(setpoint_c));
    clock->advance(hours * kHour_s);
  }
};

std::size_t first_lane(const Bench& b, bool weak) {
  for (std::size_t i = 0; i < b.lane_count(); ++i) {
    const Lane& l = b.array().lane(i);
    if (!l.dead && l.weak == weak && !std::isfinite(b.lane_ageing(i).failure_stress_h)) return i;
  }
  FAIL("no such lane");
  return 0;
}

}  // namespace

TEST_CASE("raising the chamber temperature lowers every lane's power and raises BER") {
  BenchConfig config;
  config.array.weak_probability = 0.02;
  Fixture f(config);
  f.soak_at(25.0);
  const auto cold_w = f.bench->optical_powers_w();
  const auto cold_ber = f.bench->bers();
  const double cold_junction_c = f.bench->junction_temperature_c();
  f.soak_at(85.0);
  const auto hot_w = f.bench->optical_powers_w();
  const auto hot_ber = f.bench->bers();
  const double hot_junction_c = f.bench->junction_temperature_c();
  // The case is 60 K warmer; the junction a little less, since the diodes' V_f (and so the
  // self-heating) falls as they warm.
  const auto heating_c = [&](double dut_c) { return f.bench->array().self_heating_c(kReferenceDrive, config.array, dut_c); };
  CHECK(hot_junction_c - cold_junction_c == Approx(60.0 + heating_c(85.0) - heating_c(25.0)).margin(1e-4));
  CHECK(hot_junction_c - cold_junction_c < 60.0);
  const double droop = thermal_droop_factor(hot_junction_c, 0.9) / thermal_droop_factor(cold_junction_c, 0.9);
  CHECK(droop == Approx(std::exp(std::log(0.9) * (hot_junction_c - cold_junction_c) / 60.0)).epsilon(1e-9));
  int compared = 0;
  for (std::size_t i = 0; i < cold_w.size(); ++i) {
    if (f.bench->array().lane(i).dead) continue;
    CAPTURE(i);
    // Power: thermal droop, plus an hour of ageing (well below 1e-3 at these rates).
    CHECK(hot_w[i] / cold_w[i] == Approx(droop).epsilon(1e-3));
    CHECK(hot_ber[i] >= cold_ber[i]);
    ++compared;
  }
  CHECK(compared > 390);
  // A weak lane moves further into measurable BER.
  const std::size_t weak = first_lane(*f.bench, true);
  CHECK(hot_ber[weak] > 3.0 * cold_ber[weak]);
  CHECK(hot_ber[weak] > 1e-13);
}

TEST_CASE("at 25 C most healthy lanes are error-free, a few sit near the limit, and weak lanes show measurable BER") {
  BenchConfig config;
  config.array.weak_probability = 0.03;
  Fixture f(config);
  f.soak_at(25.0);
  int healthy_bad = 0;
  int weak_measurable = 0;
  int weak = 0;
  for (std::size_t i = 0; i < f.bench->lane_count(); ++i) {
    const Lane& l = f.bench->array().lane(i);
    if (l.dead) continue;
    const double ber = f.bench->ber(i);
    if (l.weak) {
      ++weak;
      weak_measurable += ber > 1e-12 && ber < 1e-3;
    } else {
      healthy_bad += ber > 1e-12;
    }
  }
  // As on real arrays, the spread puts a few healthy lanes near the limit (~5 %, bench_config.hpp).
  CHECK(healthy_bad >= 1);
  CHECK(healthy_bad <= 30);
  REQUIRE(weak > 3);
  CHECK(weak_measurable >= weak / 2);
}

TEST_CASE("raising the drive current raises every lane's f3dB") {
  Fixture f;
  std::vector<double> previous(f.bench->lane_count(), 0.0);
  for (const double bias_a : {1e-3, 2e-3, 5e-3, 10e-3, 15e-3}) {
    REQUIRE(f.bench->set_drive({bias_a, 0.0, 0.0, true}));
    for (std::size_t i = 0; i < previous.size(); ++i) {
      if (f.bench->array().lane(i).dead) continue;
      const double f3db = f.bench->f3db_hz(i);
      CHECK(f3db > previous[i]);
      previous[i] = f3db;
    }
  }
}

TEST_CASE("the modulation amplitude follows |H(f)|: 1/sqrt2 at f3dB and 1/2 at the optical f3dB") {
  Fixture f;
  const std::size_t lane = first_lane(*f.bench, false);
  const double low_w = f.bench->lane_modulation_amplitude_w(lane);
  REQUIRE(low_w > 0.0);
  Drive d = kReferenceDrive;
  d.modulation_frequency_hz = f.bench->f3db_hz(lane);
  REQUIRE(f.bench->set_drive(d));
  CHECK(f.bench->lane_modulation_amplitude_w(lane) / low_w == Approx(1.0 / std::sqrt(2.0)).epsilon(1e-9));
  d.modulation_frequency_hz = f.bench->f3db_optical_hz(lane);
  REQUIRE(f.bench->set_drive(d));
  CHECK(f.bench->lane_modulation_amplitude_w(lane) / low_w == Approx(0.5).epsilon(1e-9));
  d.output_on = false;
  REQUIRE(f.bench->set_drive(d));
  CHECK(f.bench->lane_modulation_amplitude_w(lane) == 0.0);
  CHECK(f.bench->lane_optical_power_w(lane) == 0.0);
  CHECK(f.bench->ber(lane) == 0.5);
}

TEST_CASE("drive current heats the junction above the DUT case") {
  BenchConfig config;
  Fixture f(config);
  const double on_c = f.bench->junction_temperature_c();
  REQUIRE(f.bench->set_drive({}));
  const double off_c = f.bench->junction_temperature_c();
  CHECK(off_c == Approx(25.0));
  CHECK(on_c > off_c + 3.0);
}

TEST_CASE("a 1000 h stress lowers each lane's power by the analytic ageing") {
  BenchConfig config;
  config.ageing.early_failure_probability = 0.05;
  config.ageing.early_failure_mean_h = 3000.0;
  Fixture f(config);
  f.soak_at(85.0);  // settle first: stress during the ramp is small but not zero
  const double h0 = f.bench->stress_hours();
  const auto p0 = f.bench->optical_powers_w();
  const double junction_c = f.bench->junction_temperature_c();
  const double g = stress_acceleration(config.ageing, junction_c, kReferenceDrive.bias_current_a);
  CHECK(f.bench->ageing_rate_per_h(0) == Approx(f.bench->lane_ageing(0).alpha_ref_per_h * g));
  f.clock->advance(1000.0 * kHour_s);
  CHECK(f.bench->stress_hours() - h0 == Approx(1000.0 * g).epsilon(1e-9));
  const auto p1 = f.bench->optical_powers_w();
  int failed = 0;
  for (std::size_t i = 0; i < p0.size(); ++i) {
    if (f.bench->array().lane(i).dead) continue;
    const LaneAgeing& a = f.bench->lane_ageing(i);
    double expected = std::exp(-a.alpha_ref_per_h * 1000.0 * g);
    if (a.failure_stress_h > h0 && a.failure_stress_h <= h0 + 1000.0 * g) {
      expected *= a.failure_remaining;
      ++failed;
      CHECK(f.bench->lane_failed(i));
    }
    CAPTURE(i);
    CHECK(p1[i] / p0[i] == Approx(expected).epsilon(1e-9));
  }
  CHECK(failed > 0);
}

TEST_CASE("a forced lane failure drops its power to the given fraction at once") {
  Fixture f;
  const std::size_t lane = first_lane(*f.bench, false);
  const double before_w = f.bench->lane_optical_power_w(lane);
  REQUIRE(f.bench->fail_lane(lane, 0.3));
  CHECK(f.bench->lane_optical_power_w(lane) / before_w == Approx(0.3));
  CHECK(f.bench->lane_failed(lane));
  REQUIRE(f.bench->fail_lane(lane + 1));
  CHECK(f.bench->lane_failed(lane + 1));
  CHECK_FALSE(f.bench->fail_lane(f.bench->lane_count()));
  CHECK_FALSE(f.bench->fail_lane(lane, 1.5));
}

TEST_CASE("BERT error counts are Poisson with the lane's BER: mean and zero fraction") {
  BenchConfig config;
  config.array.weak_probability = 0.05;
  Fixture f(config);
  f.soak_at(55.0);
  const std::size_t lane = first_lane(*f.bench, true);
  const double ber = f.bench->ber(lane);
  REQUIRE(ber > 1e-12);
  REQUIRE(ber < 1e-2);
  const auto bits = static_cast<std::uint64_t>(std::llround(1.0 / ber));  // mean 1 per gate
  const double mean = ber * static_cast<double>(bits);
  const int gates = 20000;
  double sum = 0;
  int zeros = 0;
  for (int i = 0; i < gates; ++i) {
    const auto k = f.bench->count_errors(lane, bits);
    sum += static_cast<double>(k);
    zeros += k == 0;
  }
  CHECK(sum / gates == Approx(mean).epsilon(0.03));
  CHECK(static_cast<double>(zeros) / gates == Approx(std::exp(-mean)).margin(0.012));
}

TEST_CASE("setters refuse values outside the instrument's range") {
  Fixture f;
  CHECK(f.bench->set_chamber_setpoint_c(300.0).error().code == Errc::limit);
  CHECK(f.bench->set_chamber_ramp_c_per_min(-1.0).error().code == Errc::invalid_argument);
  CHECK(f.bench->set_chamber_ramp_c_per_min(1000.0).error().code == Errc::limit);
  CHECK_FALSE(f.bench->set_drive({-1e-3, 0, 0, true}));
  CHECK_FALSE(f.bench->set_bert(2e9, 9));
  CHECK_FALSE(f.bench->set_bert(0.0, 7));
  CHECK(f.bench->set_bert(1e9, 7));
  CHECK(f.bench->bert().prbs_order == 7);
  CHECK_THROWS_AS(f.bench->lane_optical_power_w(400), std::out_of_range);
}

TEST_CASE("chamber faults: stuck, saturated and over-temperature through the bench") {
  Fixture f;
  f.bench->set_chamber_stuck_hold();
  f.soak_at(85.0);
  auto s = f.bench->chamber_status();
  CHECK(s.stuck == ChamberStuck::hold);
  CHECK(s.air_c == Approx(25.0));
  CHECK_FALSE(s.in_window);
  f.bench->clear_chamber_stuck();
  f.clock->advance(kHour_s);
  s = f.bench->chamber_status();
  CHECK(s.in_window);
  CHECK(s.in_window_for_s > 1000.0);
  f.bench->trip_over_temperature_alarm();
  f.clock->advance(2 * kHour_s);
  CHECK(f.bench->over_temperature_alarm());
  CHECK(f.bench->chamber_status().air_c < 40.0);  // heater off: back towards ambient
  f.bench->clear_over_temperature_alarm();
  CHECK_FALSE(f.bench->over_temperature_alarm());
  f.bench->set_chamber_enabled(false);
  f.clock->advance(6 * kHour_s);
  CHECK(f.bench->chamber_status().air_c == Approx(f.bench->config().chamber.ambient_c).margin(0.01));
}

TEST_CASE("the chamber sensor reads the air with the configured noise") {
  Fixture f;
  double sum = 0;
  double sum2 = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    const double e = f.bench->chamber_air_temperature_c() - 25.0;
    sum += e;
    sum2 += e * e;
  }
  CHECK(std::fabs(sum / n) < 0.005);
  CHECK(std::sqrt(sum2 / n) == Approx(f.bench->config().chamber.sensor_noise_c).epsilon(0.05));
}
