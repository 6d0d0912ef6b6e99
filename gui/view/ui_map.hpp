#pragma once
// Where the dashboard's named widgets were drawn in the last frame, in window pixels: what a
// test that drives the real window with input events (xdotool under Xvfb) aims at, and what
// `ledlab gui --ui-map FILE` writes. Costs one map insert per named widget per frame.
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <string>

namespace ledlab::gui {

class UiMap {
 public:
  void clear() {
    rects_.clear();
    active_.clear();
  }
  // The last ImGui item (button, field, checkbox) under `name`; noted as the active one while
  // it holds the keyboard or the mouse (a field being typed into, a button held down).
  void item(const std::string& name) {
    rect(name, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    if (ImGui::IsItemActive()) active_ = name;
  }
  void rect(const std::string& name, ImVec2 min, ImVec2 max) { rects_[name] = {min.x, min.y, max.x, max.y}; }
  // {"name": [x0, y0, x1, y1], ...}
  nlohmann::json to_json() const { return nlohmann::json(rects_); }
  const std::string& active() const { return active_; }

 private:
  std::map<std::string, std::array<float, 4>> rects_;
  std::string active_;
};

}  // namespace ledlab::gui
