#pragma once
// A dashboard model as a weeks-long burn-in shows it: a 400-lane map, two 1,000,000-point
// histories, a BER curve, instruments and 200 events. For the frame benchmark and the pacing
// tests; built once, without a store.
#include "gui/core/model.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace ledlab::test {

// Chamber air (or power) every second for 1,000,000 s (11.6 days), with noise.
inline std::shared_ptr<const gui::MinMaxHistory> long_history(double base, double noise) {
  auto h = std::make_shared<gui::MinMaxHistory>();
  std::uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 1'000'000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    h->append(i / 3600.0, base + noise * (static_cast<double>(x % 10000) / 10000.0 - 0.5) + 0.5 * std::sin(i * 1e-4));
  }
  return h;
}

inline gui::Model burn_in_model() {
  using namespace ledlab::gui;
  Model m;
  m.station_name = "sim-bench";
  m.run = db::RunRecord{.id = 1, .uuid = "4f1c2a9e-0000-4000-8000-000000000000", .sequence = "burn_in"};
  m.live.attached = m.live.snapshot = true;
  m.live.engine.state = "running";
  m.live.engine.step = "stress at 85 C, 5 mA";
  m.live.engine.progress = 0.42;
  m.live.engine.eta_s = 3600 * 30;
  m.samples = 1'000'000;
  for (const char* name : {"opm", "chamber", "bert", "pg"})
    m.instruments.push_back({.name = name, .kind = "kind", .idn = "LEDLAB,SIM,0,1.0", .last_reading = "air 85.0 C"});
  for (int i = 0; i < 200; ++i) m.events.push_back({.id = i, .t_s = 1.7e9 + i, .source = "script", .message = fmt::format("event {}", i)});
  PlotData chamber{.title = "Chamber temperature", .x_label = "time", .x_unit = "h", .y_label = "temperature", .y_unit = "C"};
  chamber.histories.push_back({"chamber air", long_history(85, 0.4)});
  m.plots.push_back(std::move(chamber));
  PlotData power{.title = "Optical power", .x_label = "time", .x_unit = "h", .y_label = "power", .y_unit = "W"};
  power.histories.push_back({"array mean", long_history(2e-6, 1e-8)});
  m.plots.push_back(std::move(power));
  PlotData ber{.title = "BER vs temperature", .x_label = "chamber", .x_unit = "C", .y_label = "BER", .y_unit = "1", .y_log = true};
  Curve c{"array median"};
  for (int t = -40; t <= 125; t += 15) c.points.push_back({static_cast<double>(t), std::pow(10.0, -13 + (t + 40) / 30.0), std::pow(10.0, -12.5 + (t + 40) / 30.0)});
  ber.curves.push_back(std::move(c));
  m.plots.push_back(std::move(ber));
  m.lanes.rows = m.lanes.cols = 20;
  LaneMetric power_map{"optical power", "W"};
  for (int i = 0; i < 400; ++i) power_map.values.push_back(i % 97 == 0 ? std::nullopt : std::optional(1e-6 + 1e-8 * (i % 37)));
  power_map.lo = 1e-6, power_map.hi = 1e-6 + 36e-8;
  m.lanes.metrics.push_back(std::move(power_map));
  return m;
}

// The data thread's stand-in: every `period` it lets `step` change the model, publishes it as
// new (the next generation, as DataSource does at every poll) and calls `wake`, as DataSource
// calls its on_publish.
class ModelPublisher {
 public:
  ModelPublisher(gui::Model base, std::chrono::milliseconds period, std::function<void(gui::Model&)> step,
                 std::function<void()> wake)
      : base_(std::move(base)), model_(std::make_shared<const gui::Model>(base_)) {
    thread_ = std::jthread([this, period, step = std::move(step), wake = std::move(wake)](std::stop_token stop) {
      std::mutex m;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        std::unique_lock lock(m);
        cv.wait_for(lock, stop, period, [] { return false; });
        if (stop.stop_requested()) break;
        ++base_.generation;
        if (step) step(base_);
        {
          std::lock_guard l(mutex_);
          model_ = std::make_shared<const gui::Model>(base_);
        }
        if (wake) wake();
      }
    });
  }
  std::shared_ptr<const gui::Model> model() const {
    std::lock_guard l(mutex_);
    return model_;
  }

 private:
  gui::Model base_;
  mutable std::mutex mutex_;
  std::shared_ptr<const gui::Model> model_;
  std::jthread thread_;  // last: stops before the rest goes
};

}  // namespace ledlab::test
