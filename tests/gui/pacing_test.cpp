// The dashboard window's frame pacing, in the real window under Xvfb with the loop `ledlab gui`
// runs (gui/app/window.hpp): an idle dashboard builds a frame when the data thread publishes
// a model but draws nothing while the picture stays the same (issue 16: 70-140 % of a core
// spent redrawing an idle dashboard), and draws a changed model as soon as it is published.
#include "gui/app/window.hpp"
#include "support/cli_process.hpp"
#include "gui/view/style.hpp"
#include "support/dashboard_model.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <imgui.h>

#include <atomic>
#include <chrono>
#include <cstdlib>

#include <unistd.h>

namespace {

using namespace ledlab::gui;
using namespace std::chrono_literals;

// Each test case opens its window in a child process under its own Xvfb, which runs the same
// test case with LEDLAB_UNDER_XVFB set.
bool under_xvfb() { return std::getenv("LEDLAB_UNDER_XVFB") != nullptr; }

void rerun_under_xvfb() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  REQUIRE(n > 0);
  std::string name;  // a comma separates test specs in Catch, a quote ends the shell's word: both escaped
  for (char c : Catch::getResultCapture().getCurrentTestName())
    name += c == ',' ? std::string("\\,") : c == '\'' ? std::string("'\\''") : std::string(1, c);
  const auto ran = ledlab::test::run_shell("LEDLAB_UNDER_XVFB=1 " + ledlab::test::xvfb_run() +
                                           std::string(self, static_cast<std::size_t>(n)) + " -w NoTests '" + name + "'");
  INFO(ran.out);
  CHECK(ran.code == 0);
}

std::unique_ptr<Window> open_window(double idle_timeout_s) {
  auto w = Window::open({.width = 1280, .height = 800, .scale = 1, .pacing = {.idle_timeout_s = idle_timeout_s}});
  if (!w) FAIL(w.error().describe());
  return std::move(*w);
}

}  // namespace

TEST_CASE("an idle dashboard draws no frame while its model stays the same, however often it is republished", "[gui]") {
  if (!under_xvfb()) return rerun_under_xvfb();
  const auto window = open_window(30);  // only the publisher's wake-ups can build frames in time
  Dashboard dashboard([](Command&&) {}, window->fonts());
  ledlab::test::ModelPublisher publisher(ledlab::test::burn_in_model(), 20ms, nullptr, &Window::wake);
  FramePacer& pacer = window->pacer();
  // Measured from the first frame that had nothing new to draw (the start settled), however
  // late a loaded machine gets there, to 40 publications later.
  std::uint64_t settled_at = 0, built_settled = 0, drawn_settled = 0, last = 0;
  const auto deadline = std::chrono::steady_clock::now() + 60s;  // a safety net only
  run_frames(*window, [&] { return publisher.model(); }, dashboard, [&](const FrameInfo& f) {
    last = f.model.generation;
    if (settled_at == 0 && !f.drawn) settled_at = last, built_settled = pacer.frames_built(), drawn_settled = pacer.frames_drawn();
    return (settled_at && last >= settled_at + 40) || std::chrono::steady_clock::now() > deadline ? LoopStep::stop
                                                                                                 : LoopStep::go_on;
  });
  REQUIRE(settled_at > 0);
  REQUIRE(last >= settled_at + 40);
  INFO("built " << pacer.frames_built() << ", drawn " << pacer.frames_drawn() << " frames");
  CHECK(pacer.frames_built() - built_settled >= 5);  // the loop woke up for the publications...
  CHECK(pacer.frames_drawn() == drawn_settled);      // ...and drew none of them
}

TEST_CASE("a changed model is drawn as soon as the data thread publishes it, not at the idle timeout", "[gui]") {
  if (!under_xvfb()) return rerun_under_xvfb();
  const auto window = open_window(30);
  Dashboard dashboard([](Command&&) {}, window->fonts());
  // Once the window has settled, the next publication shows one more sample.
  std::atomic<bool> change{false};
  std::atomic<std::uint64_t> changed_at{0};
  ledlab::test::ModelPublisher publisher(ledlab::test::burn_in_model(), 20ms,
                                         [&](Model& m) {
                                           if (change && changed_at == 0) ++m.samples, changed_at = m.generation;
                                         },
                                         &Window::wake);
  FramePacer& pacer = window->pacer();
  std::uint64_t drawn_settled = 0, drawn_before_change = 0;
  bool changed_drawn = false;
  const auto deadline = std::chrono::steady_clock::now() + 20s;  // far below the 30 s idle timeout
  run_frames(*window, [&] { return publisher.model(); }, dashboard, [&](const FrameInfo& f) {
    const bool late = std::chrono::steady_clock::now() > deadline;
    if (!change) {
      if (!f.drawn && f.model.generation >= 10) change = true, drawn_settled = drawn_before_change = pacer.frames_drawn();
      return late ? LoopStep::stop : LoopStep::go_on;
    }
    if (changed_at == 0 || f.model.generation < changed_at) {
      drawn_before_change = pacer.frames_drawn();
      return late ? LoopStep::stop : LoopStep::go_on;
    }
    changed_drawn = f.drawn && !late;
    return LoopStep::stop;
  });
  REQUIRE(change);
  CHECK(drawn_before_change == drawn_settled);  // unchanged republications: nothing drawn
  CHECK(changed_drawn);                         // the first frame of the changed model is drawn
}

TEST_CASE("input is answered at once: the pointer moved over a plot draws its read-out", "[gui]") {
  if (!under_xvfb()) return rerun_under_xvfb();
  const auto window = open_window(30);  // only the input can build a frame in time
  Dashboard dashboard([](Command&&) {}, window->fonts());
  const auto model = std::make_shared<const Model>(ledlab::test::burn_in_model());
  FramePacer& pacer = window->pacer();
  std::jthread pointer;
  std::uint64_t drawn_before = 0;
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + 20s;  // far below the 30 s idle timeout
  run_frames(*window, [&] { return model; }, dashboard, [&](const FrameInfo& f) {
    const bool late = std::chrono::steady_clock::now() > deadline;
    if (!pointer.joinable() && !f.drawn) {
      // Settled: nothing left to draw. Move the real pointer (X11 XTEST through xdotool) to the
      // middle of the chamber plot, from another thread while this one sleeps.
      const auto plots = dashboard.layout(f.model).at("plots");
      REQUIRE(!plots.empty());
      const auto& p = plots.at(0);
      const int x = static_cast<int>((p.at("x0").get<double>() + p.at("x1").get<double>()) / 2);
      const int y = static_cast<int>((p.at("y0").get<double>() + p.at("y1").get<double>()) / 2);
      drawn_before = pacer.frames_drawn();
      pointer = std::jthread([x, y] {
        const auto ran = ledlab::test::run_shell(fmt::format(
            "timeout 20 xdotool search --sync --name 'ledlab dashboard' mousemove --window %1 {} {}", x, y));
        if (ran.code != 0) fmt::print(stderr, "xdotool (Debian package xdotool) failed: {}\n", ran.out);
      });
      return LoopStep::go_on;
    }
    answered = pointer.joinable() && pacer.frames_drawn() > drawn_before && !late;
    return answered || late ? LoopStep::stop : LoopStep::go_on;
  });
  CHECK(answered);
}

// One window per process: GLFW and Mesa do not always take a second glfwInit well.
void check_scale(float asked) {
  auto w = Window::open({.width = 640, .height = 480, .scale = asked});
  if (!w) FAIL(w.error().describe());
  const float want = asked > 0 ? asked : 1.0f;  // Xvfb's content scale is 1 (96 dpi)
  CHECK((*w)->scale() == want);
  CHECK(ui_scale() == want);
  const float font = ImGui::GetIO().Fonts->ConfigData[0].SizePixels;
  CHECK((font == Approx(16 * want) || font == Approx(13 * want)));  // DejaVu Sans, or ImGui's own font
}

TEST_CASE("without --scale the fonts follow the monitor's content scale", "[gui]") {
  if (!under_xvfb()) return rerun_under_xvfb();
  check_scale(0);
}

TEST_CASE("a UI scale of 2 asked for (--scale 2) loads the fonts at twice their size", "[gui]") {
  if (!under_xvfb()) return rerun_under_xvfb();
  check_scale(2);
}

TEST_CASE("a window rescaled between frames (moved to a monitor of another content scale) draws with fonts at the new scale", "[gui]") {
  if (!under_xvfb()) return rerun_under_xvfb();
  const auto window = open_window(30);
  Dashboard dashboard([](Command&&) {}, window->fonts());
  const auto model = std::make_shared<const Model>(ledlab::test::burn_in_model());
  double font_before = 0, font_after = 0;
  int frames = 0;
  run_frames(*window, [&] { return model; }, dashboard, [&](const FrameInfo& f) {
    const double font = dashboard.layout(f.model).at("font_px").get<double>();
    if (++frames == 1) {
      font_before = font;
      window->rescale(2);  // what the content-scale callback does between frames
      return LoopStep::next_now;
    }
    font_after = font;
    return LoopStep::stop;
  });
  CHECK(window->scale() == 2);
  CHECK(ui_scale() == 2);
  CHECK(font_after == Approx(2 * font_before));
}
