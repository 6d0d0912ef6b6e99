// CPU time to build one dashboard frame (ImGui::NewFrame .. ImGui::Render, no GL) with a
// 400-lane map and a 1,000,000-point history on screen. Goal: under 4 ms.
#include "gui/core/colormap.hpp"
#include "gui/view/dashboard.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <memory>
#include <vector>

using namespace ledlab::gui;

namespace {

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

// A weeks-long burn-in: chamber air every second for 1,000,000 s (11.6 days), with noise.
std::shared_ptr<const MinMaxHistory> long_history(double base, double noise) {
  auto h = std::make_shared<MinMaxHistory>();
  std::uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 1'000'000; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    h->append(i / 3600.0, base + noise * (static_cast<double>(x % 10000) / 10000.0 - 0.5) + 0.5 * std::sin(i * 1e-4));
  }
  return h;
}

Model bench_model() {
  Model m;
  m.station_name = "sim-bench";
  m.run = ledlab::db::RunRecord{.id = 1, .uuid = "4f1c2a9e-0000-4000-8000-000000000000", .sequence = "burn_in"};
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

}  // namespace

int main() {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1600, 1000);
  io.DeltaTime = 1.0f / 60;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the font atlas; no GPU needed
  const Model model = bench_model();
  Dashboard dashboard([](Command) {});

  std::vector<double> ms;
  constexpr int warmup = 20, frames = 300;
  for (int i = 0; i < warmup + frames; ++i) {
    io.MousePos = ImVec2(700, 300 + static_cast<float>(i % 50));  // hover read-out on the chamber plot
    const double t0 = thread_cpu_ms();
    ImGui::NewFrame();
    dashboard.frame(model);
    ImGui::Render();
    const double t1 = thread_cpu_ms();
    if (i >= warmup) ms.push_back(t1 - t0);
  }
  std::sort(ms.begin(), ms.end());
  const ImDrawData* dd = ImGui::GetDrawData();
  fmt::print("bench_gui_frame: 1600x1000, 400-lane map, 2 x 1,000,000-point histories ({} buckets each, {} KiB)\n",
             model.plots[0].histories[0].data->buckets(), model.plots[0].histories[0].data->memory_bytes() / 1024);
  fmt::print("  CPU per frame (NewFrame..Render): median {:.3f} ms, p95 {:.3f} ms, max {:.3f} ms over {} frames; "
             "{} vertices\n",
             ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back(), ms.size(), dd ? dd->TotalVtxCount : 0);
  fmt::print("  goal < 4 ms: {}\n", ms[ms.size() / 2] < 4.0 ? "met" : "NOT met");
  ImGui::DestroyContext();
  return 0;
}
