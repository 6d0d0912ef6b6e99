#pragma once
// The dashboard's window: GLFW + OpenGL 3 + Dear ImGui, set up and torn down in one place, with
// the frame pacing (gui/core/frame_pacer.hpp): the render loop sleeps in the event wait until
// input, a wake() from the data thread or the idle timeout, and draws a frame only when it
// differs from the one on screen. One window per process (GLFW and ImGui are process-wide).
#include "core/error.hpp"
#include "gui/core/frame_pacer.hpp"
#include "gui/core/model.hpp"
#include "gui/view/dashboard.hpp"

#include <functional>
#include <memory>
#include <utility>

struct GLFWwindow;

namespace ledlab::gui {

struct WindowOptions {
  int width = 1600, height = 1000;
  bool headless = false;  // fixed size, no vsync, no pointer, every frame drawn (screenshots)
  float scale = 0;        // UI scale (fonts and sizes); 0: the monitor's content scale
  PacingOptions pacing;
};

class Window {
 public:
  // Errc::unreachable: no display; Errc::io: no OpenGL 3 window of that size.
  static Result<std::unique_ptr<Window>> open(WindowOptions options);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  bool should_close() const;
  // Sleeps until input, a wake() or the pacer's timeout, then handles the events.
  void wait();
  // Builds one frame with `build` (between ImGui::NewFrame and ImGui::Render) and draws it into
  // the back buffer when the pacer says so; returns whether it was drawn. swap() shows it.
  bool render(const std::function<void()>& build);
  void swap();
  // Waits until OpenGL has drawn everything submitted (glFinish): for the frame benchmark.
  void finish();
  // Wakes wait() from any thread (glfwPostEmptyEvent is thread-safe, GLFW 3.3 "Thread safety").
  static void wake();

  // Sets the UI scale between frames: fonts reloaded at it, style sizes scaled. The window does
  // this itself when it moves to a monitor of another content scale, unless a scale was asked for.
  void rescale(float scale);

  FramePacer& pacer() { return pacer_; }
  DashboardFonts fonts() const { return fonts_; }
  float scale() const { return scale_; }
  int framebuffer_width() const { return fb_w_; }
  int framebuffer_height() const { return fb_h_; }
  // Where the window is on the screen (its client area's top left), for `ledlab gui --ui-map`.
  std::pair<int, int> position() const;

 private:
  explicit Window(WindowOptions options) : options_(options), pacer_(options.pacing) {}
  void load_fonts();
  void style();

  WindowOptions options_;
  FramePacer pacer_;
  GLFWwindow* window_ = nullptr;
  bool imgui_ = false;
  DashboardFonts fonts_;
  float scale_ = 1;
  float monitor_scale_ = 0;  // a content scale the window was moved to, applied between frames; 0: none
  int fb_w_ = 0, fb_h_ = 0;
};

// What the loop below hands its caller after each frame.
struct FrameInfo {
  const Model& model;
  bool drawn = false;  // drawn into the back buffer (not yet shown: a screenshot reads it now)
};
enum class LoopStep { go_on, next_now, stop };

// The render loop: wait, take the newest model, build the dashboard's frame, draw it when it
// changed, call `after` (before the frame is shown), show it. Ends when the window closes or
// `after` says stop. Returns the last model shown.
std::shared_ptr<const Model> run_frames(Window& window, const std::function<std::shared_ptr<const Model>()>& model,
                                        Dashboard& dashboard, const std::function<LoopStep(const FrameInfo&)>& after);

}  // namespace ledlab::gui
