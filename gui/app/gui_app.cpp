#include "gui/app/gui_app.hpp"

#include "gui/app/window.hpp"
#include "gui/core/data_source.hpp"
#include "gui/view/dashboard.hpp"

#include <GLFW/glfw3.h>
#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include <chrono>
#include <fstream>
#include <vector>

#include <unistd.h>

namespace ledlab::gui {

namespace {

bool write_png(const std::filesystem::path& path, int w, int h, std::ostream& err) {
  std::vector<unsigned char> pixels(static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 4);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadBuffer(GL_BACK);
  glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());
  // OpenGL's rows go bottom-up, PNG's top-down.
  const int stride = w * 4;
  if (stbi_write_png(path.c_str(), w, h, 4, pixels.data() + static_cast<std::ptrdiff_t>(stride) * (h - 1), -stride) == 0) {
    fmt::print(err, "error: writing screenshot {} failed\n", path.string());
    return false;
  }
  return true;
}

// Rewritten only when it changes, and through a rename, so that a test polling the file never
// reads half of it (rename(2) replaces the name atomically).
void publish_ui_map(const std::filesystem::path& path, const nlohmann::json& map, std::string& last, std::ostream& err) {
  std::string text = map.dump();
  if (text == last) return;
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << text << "\n";
    if (!out) {
      fmt::print(err, "error: writing ui map {} failed\n", tmp.string());
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) fmt::print(err, "error: ui map {}: {}\n", path.string(), ec.message());
  last = std::move(text);
}

}  // namespace

int run_gui(const GuiOptions& options, std::ostream& err) {
  const bool headless = !options.screenshot.empty();
  auto window = Window::open({.width = options.width, .height = options.height, .headless = headless, .scale = options.scale});
  if (!window) {
    fmt::print(err, "error: {}\n", window.error().message);
    return 1;
  }
  Window& win = **window;

  int code = 0;
  {
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    DataSource source({.db = options.db, .station = options.station, .sequences_dir = options.sequences_dir,
                       .ledlab = n > 0 ? std::string(self, static_cast<std::size_t>(n)) : std::string("ledlab"),
                       .attach = options.attach, .lab = options.lab, .lab_access = options.lab_access,
                       .lab_filter = options.lab_filter, .start = options.start, .on_publish = &Window::wake});
    Dashboard dashboard([&source](Command c) { source.push(std::move(c)); }, win.fonts());
    if (!options.metric.empty()) dashboard.select_metric(options.metric);
    if (!options.ui_map.empty()) dashboard.enable_ui_map();
    if (!options.tab.empty()) dashboard.show_tab(options.tab);
    if (!options.compare.empty()) dashboard.compare(options.compare);
    if (options.lane > 0) source.push(SelectLane{options.lane});

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(options.timeout_s);
    bool pause_sent = false;
    std::uint64_t settled_from = 0;  // model generation at which the wanted state was first seen
    int frames_after = 0;
    std::string ui_map_text;  // as last written
    auto headless_step = [&](const FrameInfo& f) {
      const Model& model = f.model;
      // Ready once the run is on screen with lane data (a run that has ended: with what it has),
      // the runs to compare and the lane asked for; with --pause, once the engine says paused;
      // then two more polls so the store's last batch is on screen too. With no run to follow
      // there is no run to wait for: the dashboard as the store is, after the first poll.
      const bool follows = options.attach || options.start;
      const bool run_shown = follows ? model.run && (!model.lanes.metrics.empty() || model.run->status != db::RunStatus::running)
                                     : model.generation > 0;
      const bool shown = run_shown && model.compared->size() == options.compare.size() && model.selected_lane == options.lane;
      if (options.pause && shown && !pause_sent && model.state() == "running") {
        dashboard.steer("pause");
        pause_sent = true;
      }
      const bool wanted = shown && (!options.pause || model.state() == "paused");
      if (wanted && settled_from == 0) settled_from = model.generation;
      if (settled_from && model.generation >= settled_from + 2) {
        if (++frames_after >= options.frames) {
          if (!write_png(options.screenshot, win.framebuffer_width(), win.framebuffer_height(), err)) code = 1;
          return LoopStep::stop;
        }
        return LoopStep::next_now;  // the remaining frames back to back
      }
      if (std::chrono::steady_clock::now() > deadline) {
        fmt::print(err, "error: gui: no {} within {} s (state '{}', {} lane metrics, store: {})\n",
                   options.pause ? "paused run with data" : "run with data", options.timeout_s, model.state(),
                   model.lanes.metrics.size(), model.store_error.empty() ? "ok" : model.store_error);
        write_png(options.screenshot, win.framebuffer_width(), win.framebuffer_height(), err);
        code = 1;
        return LoopStep::stop;
      }
      return LoopStep::go_on;  // sleep until the data thread publishes
    };
    const auto model = run_frames(win, [&source] { return source.model(); }, dashboard,
                                  [&](const FrameInfo& f) {
                                    if (!options.ui_map.empty()) {
                                      nlohmann::json map = dashboard.layout(f.model);
                                      const auto [wx, wy] = win.position();
                                      map["window"] = {wx, wy};  // widget rects are window pixels; this is where the window is
                                      publish_ui_map(options.ui_map, map, ui_map_text, err);
                                    }
                                    return headless ? headless_step(f) : LoopStep::go_on;
                                  });
    if (!options.layout.empty() && model) {
      std::ofstream out(options.layout);
      out << dashboard.layout(*model).dump(2) << "\n";
      if (!out) fmt::print(err, "error: writing layout {} failed\n", options.layout.string());
    }
  }  // the data thread stops here, before the window goes; a run it started keeps running
  return code;
}

}  // namespace ledlab::gui
