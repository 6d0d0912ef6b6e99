// The operator prompt's modal, in process (ImGui's own input queue, no window, no GL): it
// shows while the engine says a prompt waits, takes the input from everything behind it, sends
// the clicked choice once, and keeps abort in reach behind a confirmation.
#include "gui/view/dashboard.hpp"

#include <catch2/catch.hpp>
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

namespace {

using namespace ledlab;
using nlohmann::json;

gui::Model waiting_model() {
  gui::Model m;
  m.run = db::RunRecord{};
  m.run->id = 1;
  m.run->uuid = "7d63a2c4-0000-4000-8000-000000000001";
  m.run->sequence = "fibre_swap";
  m.run->status = db::RunStatus::running;
  m.live.attached = m.live.snapshot = true;
  m.live.engine.state = "waiting for operator";
  m.live.engine.sim_time_s = 1000 + 200;
  m.live.engine.prompt = engine::PromptStatus{.id = 1, .text = "Move the fibre bundle to block B",
                                              .choices = {"OK", "Skip"}, .timeout_s = 600, .default_choice = "Skip",
                                              .asked_s = 1000};
  return m;
}

// A dashboard in an ImGui context of its own, fed input the way a platform backend feeds it.
class Screen {
 public:
  Screen() : dashboard_([this](gui::Command c) { sent.push_back(std::move(c)); }) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 1000);
    io.DeltaTime = 1.0f / 60;
    unsigned char* pixels = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
    dashboard_.enable_ui_map();
  }
  ~Screen() { ImGui::DestroyContext(); }
  Screen(const Screen&) = delete;
  Screen& operator=(const Screen&) = delete;

  const json& frame(const gui::Model& model) {
    ImGui::NewFrame();
    dashboard_.frame(model);
    ImGui::Render();
    layout_ = dashboard_.layout(model);
    return layout_;
  }

  // Presses and releases the left button over the named widget (where the last frame drew it).
  void click(const gui::Model& model, const std::string& widget) {
    INFO(layout_.at("widgets").dump());
    REQUIRE(layout_.at("widgets").contains(widget));
    const auto r = layout_.at("widgets").at(widget);
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = ImVec2((r[0].get<float>() + r[2].get<float>()) / 2, (r[1].get<float>() + r[3].get<float>()) / 2);
    frame(model);
    io.MouseDown[0] = true;
    frame(model);
    io.MouseDown[0] = false;
    frame(model);
    frame(model);  // what the click changed, drawn
  }

  std::vector<gui::Command> sent;

 private:
  gui::Dashboard dashboard_;
  json layout_;
};

std::vector<std::string> answers(const std::vector<gui::Command>& sent) {
  std::vector<std::string> out;
  for (const auto& c : sent)
    if (const auto* a = std::get_if<gui::Answer>(&c)) out.push_back(a->choice);
  return out;
}

std::vector<std::string> steers(const std::vector<gui::Command>& sent) {
  std::vector<std::string> out;
  for (const auto& c : sent)
    if (const auto* s = std::get_if<gui::Steer>(&c)) out.push_back(s->command);
  return out;
}

}  // namespace

TEST_CASE("a waiting prompt shows as a modal whose buttons send the choice once, and nothing behind it takes a click") {
  Screen screen;
  const gui::Model model = waiting_model();
  screen.frame(model);
  const json& map = screen.frame(model);  // a popup places itself on its second frame
  CHECK(map.at("prompt") == "Move the fibre bundle to block B");
  REQUIRE(map.at("widgets").contains("prompt:OK"));
  REQUIRE(map.at("widgets").contains("prompt:Skip"));
  // The top bar's Pause is drawn behind the modal: a click there does nothing.
  screen.click(model, "pause");
  CHECK(screen.sent.empty());
  screen.click(model, "prompt:Skip");
  CHECK(answers(screen.sent) == std::vector<std::string>{"Skip"});
  // Sent: the buttons wait for the engine to take it; a second click sends nothing.
  screen.click(model, "prompt:OK");
  CHECK(answers(screen.sent) == std::vector<std::string>{"Skip"});
  // The engine has taken it: the prompt is gone, and so is the modal.
  gui::Model answered = model;
  answered.live.engine.prompt.reset();
  answered.live.engine.state = "running";
  screen.frame(answered);
  const json& after = screen.frame(answered);
  CHECK(after.at("prompt").is_null());
  CHECK_FALSE(after.at("widgets").contains("prompt:OK"));
}

TEST_CASE("the prompt's modal keeps abort in reach, behind a confirmation") {
  Screen screen;
  const gui::Model model = waiting_model();
  screen.frame(model);
  screen.frame(model);
  screen.click(model, "prompt_abort");
  CHECK(steers(screen.sent).empty());
  screen.click(model, "prompt_abort_confirm");
  CHECK(steers(screen.sent) == std::vector<std::string>{"abort"});
  CHECK(answers(screen.sent).empty());
}
