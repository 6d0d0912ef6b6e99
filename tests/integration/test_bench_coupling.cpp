// The simulated bench through the real drivers over TCP: the twins agree with each other
// because they share one physics model.
#include "analysis/f3db_estimate.hpp"
#include "instruments/bert/bert.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "support/sim_station.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>

using namespace ledlab;
using namespace ledlab::instruments;
using ledlab::test::run;
namespace asio = boost::asio;

namespace {

struct Bench {
  test::SimStation station;
  asio::io_context io;
  std::unique_ptr<Instrument> opm_, chamber_, bert_, pg_;

  explicit Bench(double scale) : station(sim::BenchConfig{}, std::make_shared<Clock>(scale)) {
    opm_ = connect("opm", "power_meter");
    chamber_ = connect("chamber", "thermal_chamber", {{"min_c", -40}, {"max_c", 125}});
    bert_ = connect("bert", "bert");
    pg_ = connect("pg", "pattern_generator", {{"max_current_a", 0.03}});
  }
  std::unique_ptr<Instrument> connect(std::string name, std::string kind, std::map<std::string, double> limits = {}) {
    InstrumentConfig cfg;
    cfg.name = std::move(name);
    cfg.kind = std::move(kind);
    cfg.limits = std::move(limits);
    cfg.session.timeout = io::Millis(5000);
    auto driver = test::make_driver(io, cfg, station.serve_twin(cfg));
    auto st = run(io, driver->initialize());
    if (!st) FAIL(st.error().describe());
    return driver;
  }
  PowerMeter& opm() { return static_cast<PowerMeter&>(*opm_); }
  ThermalChamber& chamber() { return static_cast<ThermalChamber&>(*chamber_); }
  Bert& bert() { return static_cast<Bert&>(*bert_); }
  PatternGenerator& pg() { return static_cast<PatternGenerator&>(*pg_); }
  bool dead(std::size_t lane) { return station.bench()->array().lane(lane).dead; }

  void drive(double bias_a, double modulation_a, double frequency_hz = 1e6) {
    REQUIRE(run(io, pg().set_frequency_hz(frequency_hz)));
    REQUIRE(run(io, pg().set_drive_a(bias_a, modulation_a)));
    REQUIRE(run(io, pg().set_output(true)));
  }
  // Waits (in wall time, the clock running fast) until the DUT is within 0.2 C of `target_c`.
  void soak_at(double target_c) {
    REQUIRE(run(io, chamber().set_setpoint_c(target_c)));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
      auto t = run(io, chamber().read_temperature_c(ChamberProbe::dut));
      REQUIRE(t);
      if (std::abs(*t - target_c) < 0.2) break;
      REQUIRE(std::chrono::steady_clock::now() < deadline);
    }
    station.clock()->advance(600);  // and a soak, so the junction has settled too
  }
  double mean_live_power_w() {
    auto p = run(io, opm().read_all_w());
    REQUIRE(p);
    double sum = 0;
    int n = 0;
    for (std::size_t i = 0; i < p->size(); ++i)
      if (!dead(i)) sum += (*p)[i], ++n;
    return sum / n;
  }
  std::uint64_t live_errors_in_gate(std::uint64_t bits) {
    REQUIRE(run(io, bert().set_gate_bits(bits)));
    REQUIRE(run(io, bert().start_gate()));
    REQUIRE(run(io, bert().wait_gate()));
    auto counts = run(io, bert().read_all());
    REQUIRE(counts);
    std::uint64_t errors = 0;
    for (std::size_t i = 0; i < counts->size(); ++i) {
      REQUIRE((*counts)[i].bits == bits);
      if (!dead(i)) errors += (*counts)[i].errors;
    }
    return errors;
  }
};

}  // namespace

TEST_CASE("raising the chamber setpoint lowers the power meter's reading and raises the BERT's errors") {
  Bench b(1e5);
  b.drive(5e-3, 4e-3);
  b.soak_at(25);
  const double power_25 = b.mean_live_power_w();
  const auto errors_25 = b.live_errors_in_gate(20'000'000'000ULL);
  b.soak_at(85);
  const double power_85 = b.mean_live_power_w();
  const auto errors_85 = b.live_errors_in_gate(20'000'000'000ULL);
  // Thermal droop: ~0.9 of the 25 C output at 85 C (the default), seen through the meter.
  CHECK(power_85 / power_25 == Approx(0.90).margin(0.02));
  CHECK(errors_85 > errors_25);
}

TEST_CASE("raising the drive current raises f3dB as the BERT's amplitudes show it, matching the truth") {
  Bench b(1e5);
  std::vector<double> freqs;
  for (double f = 10e6; f < 6e9; f *= 1.25) freqs.push_back(f);
  const std::size_t lanes[] = {0, 57, 199, 311};
  std::map<std::size_t, std::vector<double>> f3db;  // per lane, per bias
  for (double bias : {2e-3, 10e-3}) {
    std::map<std::size_t, std::vector<double>> curves;
    for (double f : freqs) {
      b.drive(bias, 1e-3, f);
      auto amps = run(b.io, b.bert().read_amplitudes_w());
      REQUIRE(amps);
      for (auto lane : lanes) curves[lane].push_back((*amps)[lane]);
    }
    for (auto lane : lanes) {
      if (b.dead(lane)) continue;
      auto r = analysis::estimate_f3db(freqs, curves[lane]);
      REQUIRE(r);
      CHECK(r->resolved);
      const double truth = b.station.bench()->f3db_hz(lane);
      CHECK(r->f3db_hz == Approx(truth).epsilon(0.03));
      f3db[lane].push_back(r->f3db_hz);
    }
  }
  for (auto& [lane, values] : f3db) CHECK(values[1] > 1.5 * values[0]);
}

TEST_CASE("1000 simulated hours of stress lower each lane's power by its ageing") {
  Bench b(1e5);
  b.drive(5e-3, 4e-3);
  b.soak_at(85);
  auto before = run(b.io, b.opm().read_all_w());
  REQUIRE(before);
  const auto bench = b.station.bench();
  std::vector<double> alpha(bench->lane_count());
  for (std::size_t i = 0; i < alpha.size(); ++i) alpha[i] = bench->ageing_rate_per_h(i);
  const double h0 = bench->stress_hours();
  b.station.clock()->advance(1000 * 3600.0);
  auto after = run(b.io, b.opm().read_all_w());
  REQUIRE(after);
  const double stress_h = bench->stress_hours() - h0;
  CHECK(stress_h > 900);
  int checked = 0, failed = 0;
  double ratio_sum = 0;
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    if (b.dead(i)) continue;
    if (bench->lane_failed(i)) {
      ++failed;
      CHECK((*after)[i] < 0.6 * (*before)[i]);
      continue;
    }
    // alpha is the rate at these conditions; stress hours count reference-stress hours, so the
    // expected loss uses wall-simulated hours at the present (constant) stress.
    // The meter's reading noise is 0.1 % per reading: each lane within 6 sigma of its ratio,
    // and the array mean of measured/expected within 0.05 %.
    const double expected = std::exp(-alpha[i] * 1000.0);
    const double measured = (*after)[i] / (*before)[i];
    CHECK(measured == Approx(expected).margin(0.0085));
    ratio_sum += measured / expected;
    ++checked;
  }
  CHECK(checked > 350);
  CHECK(ratio_sum / checked == Approx(1.0).margin(5e-4));
  INFO("lanes that failed early: " << failed);
}
