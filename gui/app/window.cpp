#include "gui/app/window.hpp"

#include "gui/view/style.hpp"

#include <GLFW/glfw3.h>
#include <fmt/format.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <filesystem>
#include <string_view>

namespace ledlab::gui {

namespace {

// Stands for what a frame puts on screen: its vertices, indices and draw commands. Two frames
// with the same fingerprint draw the same pixels (the font atlas does not change once built).
std::uint64_t fingerprint(const ImDrawData& dd) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](const void* p, std::size_t n) {
    h ^= std::hash<std::string_view>{}(std::string_view(static_cast<const char*>(p), n)) + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  };
  mix(&dd.DisplaySize, sizeof dd.DisplaySize);
  mix(&dd.CmdListsCount, sizeof dd.CmdListsCount);
  for (int i = 0; i < dd.CmdListsCount; ++i) {
    const ImDrawList& l = *dd.CmdLists[i];
    mix(l.VtxBuffer.Data, static_cast<std::size_t>(l.VtxBuffer.Size) * sizeof(ImDrawVert));
    mix(l.IdxBuffer.Data, static_cast<std::size_t>(l.IdxBuffer.Size) * sizeof(ImDrawIdx));
    for (const ImDrawCmd& c : l.CmdBuffer) {
      mix(&c.ClipRect, sizeof c.ClipRect);
      mix(&c.TextureId, sizeof c.TextureId);
      mix(&c.VtxOffset, sizeof c.VtxOffset);
      mix(&c.IdxOffset, sizeof c.IdxOffset);
      mix(&c.ElemCount, sizeof c.ElemCount);
    }
  }
  return h;
}

FramePacer& pacer_of(GLFWwindow* w) { return static_cast<Window*>(glfwGetWindowUserPointer(w))->pacer(); }

// Input reaches ImGui through its backend's callbacks, which call these first ones on (they are
// installed before the backend's, and it chains them). Pointer motion and repaint requests are
// not the 1.86 backend's business, so those are ours alone.
void install_callbacks(GLFWwindow* w) {
  glfwSetMouseButtonCallback(w, [](GLFWwindow* w, int, int, int) { pacer_of(w).input(); });
  glfwSetScrollCallback(w, [](GLFWwindow* w, double, double) { pacer_of(w).input(); });
  glfwSetKeyCallback(w, [](GLFWwindow* w, int, int, int, int) { pacer_of(w).input(); });
  glfwSetCharCallback(w, [](GLFWwindow* w, unsigned int) { pacer_of(w).input(); });
  glfwSetWindowFocusCallback(w, [](GLFWwindow* w, int) { pacer_of(w).input(); });
  glfwSetCursorEnterCallback(w, [](GLFWwindow* w, int) { pacer_of(w).input(); });
  glfwSetCursorPosCallback(w, [](GLFWwindow* w, double, double) { pacer_of(w).input(); });
  glfwSetFramebufferSizeCallback(w, [](GLFWwindow* w, int, int) {
    pacer_of(w).expose();
    pacer_of(w).input();
  });
  glfwSetWindowRefreshCallback(w, [](GLFWwindow* w) {
    pacer_of(w).expose();
    pacer_of(w).request_frame();
  });
}

float content_scale(GLFWwindow* w) {
  float xs = 1, ys = 1;
  glfwGetWindowContentScale(w, &xs, &ys);
  return std::clamp(std::max(xs, ys), 1.0f, 4.0f);
}

}  // namespace

Result<std::unique_ptr<Window>> Window::open(WindowOptions options) {
  glfwSetErrorCallback([](int code, const char* text) { fmt::print(stderr, "glfw error {}: {}\n", code, text); });
  if (!glfwInit()) return fail(Errc::unreachable, "no display (is DISPLAY set? headless: run under xvfb-run -a)");
  // Headless: every frame is drawn (a screenshot reads the back buffer) and none is held back.
  if (options.headless) options.pacing.always_draw = true, options.pacing.min_frame_s = 0;
  std::unique_ptr<Window> self(new Window(options));
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
  glfwWindowHint(GLFW_RESIZABLE, options.headless ? GLFW_FALSE : GLFW_TRUE);
  // A window opened on a high-DPI monitor gets the monitor's content scale (GLFW 3.3 "Window
  // content scale"); a screenshot keeps the exact size it was asked for.
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, options.headless ? GLFW_FALSE : GLFW_TRUE);
  self->window_ = glfwCreateWindow(options.width, options.height, "ledlab dashboard", nullptr, nullptr);
  if (!self->window_)
    return fail(Errc::io, fmt::format("could not open a {}x{} OpenGL 3.0 window", options.width, options.height));
  glfwSetWindowUserPointer(self->window_, self.get());
  glfwMakeContextCurrent(self->window_);
  // The pacer, not the swap, sets the frame rate: vsync would block the thread that must answer
  // input, and Xvfb has none.
  glfwSwapInterval(0);
  self->scale_ = options.scale > 0 ? options.scale : content_scale(self->window_);
  set_ui_scale(self->scale_);

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  self->imgui_ = true;
  ImGui::GetIO().IniFilename = nullptr;  // the layout is fixed; nothing to remember
  self->style();
  self->load_fonts();
  install_callbacks(self->window_);
  if (options.scale <= 0)
    glfwSetWindowContentScaleCallback(self->window_, [](GLFWwindow* w, float, float) {
      auto* self = static_cast<Window*>(glfwGetWindowUserPointer(w));
      self->monitor_scale_ = content_scale(w);
      self->pacer_.expose();
      self->pacer_.request_frame();
    });
  ImGui_ImplGlfw_InitForOpenGL(self->window_, true);
  ImGui_ImplOpenGL3_Init("#version 130");
  glfwGetFramebufferSize(self->window_, &self->fb_w_, &self->fb_h_);
  return self;
}

// Fonts from Debian's fonts-dejavu-core when present; ImGui's built-in font otherwise; both at
// the UI scale, so that text keeps its physical size on a high-DPI monitor.
void Window::load_fonts() {
  ImGuiIO& io = ImGui::GetIO();
  const std::filesystem::path dir = "/usr/share/fonts/truetype/dejavu";
  if (std::filesystem::exists(dir / "DejaVuSans.ttf")) {
    io.Fonts->AddFontFromFileTTF((dir / "DejaVuSans.ttf").c_str(), std::round(16.0f * scale_));
    const auto bold = std::filesystem::exists(dir / "DejaVuSans-Bold.ttf") ? dir / "DejaVuSans-Bold.ttf" : dir / "DejaVuSans.ttf";
    fonts_.large = io.Fonts->AddFontFromFileTTF(bold.c_str(), std::round(30.0f * scale_));
  } else {
    ImFontConfig config;
    config.SizePixels = std::round(13.0f * scale_);
    io.Fonts->AddFontDefault(&config);
  }
}

void Window::style() {
  ImGuiStyle& style = ImGui::GetStyle();
  style = ImGuiStyle();
  ImGui::StyleColorsDark();
  style.FrameRounding = 3;
  style.ScaleAllSizes(scale_);
}

void Window::rescale(float scale) {
  scale_ = scale;
  set_ui_scale(scale);
  style();
  ImGui::GetIO().Fonts->Clear();
  fonts_ = {};
  load_fonts();
  // The OpenGL 3 backend uploads the atlas once; a new one is uploaded now.
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  pacer_.expose();
  pacer_.request_frame();
}

Window::~Window() {
  if (imgui_) {
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
  }
  if (window_) glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::should_close() const { return glfwWindowShouldClose(window_); }

void Window::wait() {
  const double s = pacer_.wait_s(glfwGetTime());
  if (s > 0) {
    glfwWaitEventsTimeout(s);
  } else {
    glfwPollEvents();
  }
  // Fonts change between frames only (ImGui reads the atlas during a frame).
  if (monitor_scale_ > 0 && monitor_scale_ != scale_) rescale(monitor_scale_);
  monitor_scale_ = 0;
}

void Window::wake() { glfwPostEmptyEvent(); }

bool Window::render(const std::function<void()>& build) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  // Headless: no pointer, so no tooltip or hover outline lands in the screenshot.
  if (options_.headless) ImGui::GetIO().MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
  ImGui::NewFrame();
  build();
  ImGui::Render();
  ImDrawData* dd = ImGui::GetDrawData();
  if (!pacer_.built(glfwGetTime(), fingerprint(*dd))) return false;
  glfwGetFramebufferSize(window_, &fb_w_, &fb_h_);
  glViewport(0, 0, fb_w_, fb_h_);
  glClearColor(0.08f, 0.08f, 0.1f, 1);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(dd);
  return true;
}

void Window::swap() { glfwSwapBuffers(window_); }

void Window::finish() { glFinish(); }

std::shared_ptr<const Model> run_frames(Window& window, const std::function<std::shared_ptr<const Model>()>& model,
                                        Dashboard& dashboard, const std::function<LoopStep(const FrameInfo&)>& after) {
  std::shared_ptr<const Model> shown;
  while (!window.should_close()) {
    window.wait();
    shown = model();
    dashboard.set_fonts(window.fonts());
    const bool drawn = window.render([&] { dashboard.frame(*shown); });
    const LoopStep step = after(FrameInfo{*shown, drawn});
    if (drawn) window.swap();
    if (step == LoopStep::stop) break;
    if (step == LoopStep::next_now) window.pacer().request_frame();
  }
  return shown;
}

std::pair<int, int> Window::position() const {
  int x = 0, y = 0;
  glfwGetWindowPos(window_, &x, &y);
  return {x, y};
}

}  // namespace ledlab::gui
