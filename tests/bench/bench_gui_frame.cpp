// The dashboard's cost with a 400-lane map and two 1,000,000-point histories on screen:
//  1. CPU to build one frame (ImGui::NewFrame .. ImGui::Render, no GL). Goal: under 4 ms.
//  2. With a display (run it under `xvfb-run -a -s '-screen 0 1920x1200x24'`), in the window
//     `ledlab gui` opens and through its render loop:
//     - a whole frame drawn: build, OpenGL draw, buffer swap and glFinish (wall time);
//     - idle CPU: the model republished unchanged at the data thread's 4 Hz, as after a run
//       has ended; the process's own CPU time over a wall interval, as % of one core.
//       Goal: under 3 %.
//     - a running run: the same, with the clock and progress changing at every publication.
// `bench_gui_frame [seconds]`: the length of each CPU interval (default 10).
#include "gui/app/window.hpp"
#include "gui/view/dashboard.hpp"
#include "support/dashboard_model.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

using namespace ledlab::gui;
using namespace std::chrono_literals;

namespace {

double cpu_ms(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}
double wall_ms() { return cpu_ms(CLOCK_MONOTONIC); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool frame_build(const Model& model) {
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1600, 1000);
  io.DeltaTime = 1.0f / 60;
  unsigned char* pixels = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);  // builds the font atlas; no GPU needed
  Dashboard dashboard([](Command&&) {});

  std::vector<double> ms;
  constexpr int warmup = 20, frames = 300;
  for (int i = 0; i < warmup + frames; ++i) {
    io.MousePos = ImVec2(700, 300 + static_cast<float>(i % 50));  // hover read-out on the chamber plot
    const double t0 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
    ImGui::NewFrame();
    dashboard.frame(model);
    ImGui::Render();
    const double t1 = cpu_ms(CLOCK_THREAD_CPUTIME_ID);
    if (i >= warmup) ms.push_back(t1 - t0);
  }
  const ImDrawData* dd = ImGui::GetDrawData();
  std::sort(ms.begin(), ms.end());
  fmt::print("bench_gui_frame: 1600x1000, 400-lane map, 2 x 1,000,000-point histories ({} buckets each, {} KiB)\n",
             model.plots[0].histories[0].data->buckets(), model.plots[0].histories[0].data->memory_bytes() / 1024);
  fmt::print("  CPU per frame (NewFrame..Render): median {:.3f} ms, p95 {:.3f} ms, max {:.3f} ms over {} frames; "
             "{} vertices\n",
             ms[ms.size() / 2], ms[ms.size() * 95 / 100], ms.back(), ms.size(), dd ? dd->TotalVtxCount : 0);
  ImGui::DestroyContext();
  return ms[ms.size() / 2] < 4.0;
}

// Whole frames drawn back to back in the window (each one forced to be drawn).
double drawn_frame_ms(Window& window, Dashboard& dashboard, const Model& model) {
  std::vector<double> ms;
  for (int i = 0; i < 120; ++i) {
    window.pacer().expose();
    const double t0 = wall_ms();
    if (window.render([&] { dashboard.frame(model); })) window.swap();
    window.finish();
    if (i >= 20) ms.push_back(wall_ms() - t0);
  }
  return median(ms);
}

// The process's CPU over `seconds` of the render loop fed by a publisher at 4 Hz; % of a core.
struct Idle {
  double cpu_percent;
  std::uint64_t built, drawn;
};
Idle loop_cpu(Window& window, Dashboard& dashboard, const Model& model, double seconds, bool running) {
  ledlab::test::ModelPublisher publisher(
      model, 250ms,
      [running](Model& m) {
        if (!running) return;
        m.live.engine.elapsed_s += 0.25;
        m.live.engine.progress = std::min(1.0, m.live.engine.progress + 1e-4);
      },
      &Window::wake);
  // Settle first: the first publications draw the frame once.
  const auto settle = std::chrono::steady_clock::now() + 1s;
  run_frames(window, [&] { return publisher.model(); }, dashboard,
             [&](const FrameInfo&) { return std::chrono::steady_clock::now() > settle ? LoopStep::stop : LoopStep::go_on; });
  const std::uint64_t built0 = window.pacer().frames_built(), drawn0 = window.pacer().frames_drawn();
  const double cpu0 = cpu_ms(CLOCK_PROCESS_CPUTIME_ID), wall0 = wall_ms();
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  run_frames(window, [&] { return publisher.model(); }, dashboard,
             [&](const FrameInfo&) { return std::chrono::steady_clock::now() > end ? LoopStep::stop : LoopStep::go_on; });
  const double cpu = cpu_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = wall_ms() - wall0;
  return {100 * cpu / wall, window.pacer().frames_built() - built0, window.pacer().frames_drawn() - drawn0};
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 10;
  if (!(seconds > 0)) {
    fmt::print(stderr, "usage: bench_gui_frame [seconds per CPU interval, > 0]\n");
    return 2;
  }
  Model model = ledlab::test::burn_in_model();
  const bool build_ok = frame_build(model);
  fmt::print("  goal < 4 ms: {}\n", build_ok ? "met" : "NOT met");

  if (!std::getenv("DISPLAY")) {
    fmt::print("  window: no display; run under xvfb-run -a -s '-screen 0 1920x1200x24' for drawn frames and idle CPU\n");
    return 0;
  }
  auto window = Window::open({.width = 1600, .height = 1000, .scale = 1});
  if (!window) {
    fmt::print(stderr, "error: {}\n", window.error().message);
    return 1;
  }
  Dashboard dashboard([](Command&&) {}, (*window)->fonts());
  const double frame = drawn_frame_ms(**window, dashboard, model);
  fmt::print("  window 1600x1000: a whole frame drawn (build, GL, swap, glFinish): median {:.2f} ms wall\n", frame);
  const Idle idle = loop_cpu(**window, dashboard, model, seconds, false);
  fmt::print("  idle (model republished unchanged at 4 Hz): {:.2f} % of a core over {:.0f} s; {} frames built, {} drawn\n",
             idle.cpu_percent, seconds, idle.built, idle.drawn);
  const Idle running = loop_cpu(**window, dashboard, model, seconds, true);
  fmt::print("  running (clock and progress change at 4 Hz): {:.2f} % of a core; {} frames built, {} drawn\n",
             running.cpu_percent, running.built, running.drawn);
  fmt::print("  goal idle < 3 %: {}\n", idle.cpu_percent < 3 ? "met" : "NOT met");
  return 0;
}
