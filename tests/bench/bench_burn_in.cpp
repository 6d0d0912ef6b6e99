// Wall time of a 1000 h burn-in of a 400-lane array on the simulated bench, reading all lanes
// every 10 simulated minutes through the real power meter driver over loopback TCP (6000
// block reads). Simulated time is jumped between readings (Clock::advance), so the figure is
// the cost of the model plus the I/O, not of waiting. Baseline in the same run: the same
// 6000 readings of the model called directly, without SCPI.
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "support/sim_station.hpp"

#include <fmt/format.h>

#include <chrono>

using namespace ledlab;
using namespace ledlab::instruments;
namespace asio = boost::asio;

namespace {
constexpr double kHours = 1000;
constexpr double kIntervalS = 600;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

InstrumentConfig config(std::string name, std::string kind) {
  InstrumentConfig c;
  c.name = std::move(name);
  c.kind = std::move(kind);
  c.session.timeout = io::Millis(10000);
  return c;
}
}  // namespace

int main() {
#ifndef NDEBUG
  fmt::print("warning: built without NDEBUG; build the benchmarks in Release for figures worth quoting\n");
#endif
  const int readings = static_cast<int>(kHours * 3600 / kIntervalS);
  double direct_s = 0, driver_s = 0, final_mean_ratio = 0;
  {
    // Baseline: the model alone.
    auto clock = std::make_shared<Clock>(1.0);
    sim::Bench bench({}, clock);
    (void)bench.set_drive({5e-3, 4e-3, 1e6, true});
    (void)bench.set_chamber_setpoint_c(85);
    const auto t0 = std::chrono::steady_clock::now();
    double sink = 0;
    for (int i = 0; i < readings; ++i) {
      clock->advance(kIntervalS);
      sink += bench.measure_optical_powers_w()[0];
    }
    direct_s = seconds_since(t0);
    if (sink == 0) fmt::print("(all dark)\n");
  }
  {
    test::SimStation station(sim::BenchConfig{}, std::make_shared<Clock>(1.0));
    asio::io_context io;
    auto opm = test::make_driver(io, config("opm", "power_meter"), station.serve_twin(config("opm", "power_meter")));
    auto pg = test::make_driver(io, config("pg", "pattern_generator"), station.serve_twin(config("pg", "pattern_generator")));
    auto ch = test::make_driver(io, config("chamber", "thermal_chamber"),
                                station.serve_twin(config("chamber", "thermal_chamber")));
    auto& meter = static_cast<PowerMeter&>(*opm);
    auto& gen = static_cast<PatternGenerator&>(*pg);
    auto& chamber = static_cast<ThermalChamber&>(*ch);
    const auto t0 = std::chrono::steady_clock::now();
    auto burn_in = [&]() -> asio::awaitable<Status> {
      for (auto* i : {opm.get(), pg.get(), ch.get()})
        if (auto st = co_await i->initialize(); !st) co_return st;
      if (auto st = co_await gen.set_drive_a(5e-3, 4e-3); !st) co_return st;
      if (auto st = co_await gen.set_output(true); !st) co_return st;
      if (auto st = co_await chamber.set_setpoint_c(85); !st) co_return st;
      std::vector<double> first;
      for (int i = 0; i < readings; ++i) {
        station.clock()->advance(kIntervalS);
        auto p = co_await meter.read_all_w();
        if (!p) co_return fail(p.error());
        if (first.empty()) first = *p;
        if (i == readings - 1) {
          double sum = 0;
          int n = 0;
          for (std::size_t k = 0; k < p->size(); ++k)
            if (first[k] > 1e-6) sum += (*p)[k] / first[k], ++n;
          final_mean_ratio = sum / n;
        }
      }
      co_return Status{};
    };
    auto st = test::run(io, burn_in());
    driver_s = seconds_since(t0);
    if (!st) {
      fmt::print("burn-in failed: {}\n", st.error().describe());
      return 1;
    }
  }
  fmt::print("1000 h burn-in, 400 lanes, all lanes read every 10 simulated minutes ({} readings)\n", readings);
  fmt::print("  through the drivers over TCP: {:.2f} s wall ({:.0f} us per 400-lane reading)\n", driver_s,
             driver_s / readings * 1e6);
  fmt::print("  model alone (baseline):       {:.2f} s wall; drivers + SCPI cost {:.1f}x the model\n", direct_s,
             driver_s / direct_s);
  fmt::print("  mean power after 1000 h at 85 C, 5 mA: {:.4f} of the first reading\n", final_mean_ratio);
  return 0;
}
