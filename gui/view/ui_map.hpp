#pragma once
// Where the dashboard's named widgets were drawn in the last frame, in window pixels: what a
// test that drives the real window with input events (xdotool under Xvfb) aims at, and what
// `ledlab gui --ui-map FILE` writes. Off (and free: no name is built) unless switched on.
#include <imgui.h>
#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <string>
#include <string_view>

namespace ledlab::gui {

class UiMap {
 public:
  void enable() { enabled_ = true; }
  void clear() {
    rects_.clear();
    active_.clear();
  }
  // The last ImGui item (button, field, checkbox) as `prefix` + `name`; noted as the active
  // one while it holds the keyboard or the mouse (a field being typed into, a button held).
  void item(std::string_view prefix, std::string_view name = {}) {
    if (!enabled_) return;
    const std::string key = std::string(prefix) + std::string(name);
    if (ImGui::IsItemActive()) active_ = key;
    rects_[key] = {ImGui::GetItemRectMin().x, ImGui::GetItemRectMin().y, ImGui::GetItemRectMax().x,
                   ImGui::GetItemRectMax().y};
  }
  void rect(std::string_view prefix, std::string_view name, ImVec2 min, ImVec2 max) {
    if (enabled_) rects_[std::string(prefix) + std::string(name)] = {min.x, min.y, max.x, max.y};
  }
  // {"name": [x0, y0, x1, y1], ...}
  nlohmann::json to_json() const { return nlohmann::json(rects_); }
  const std::string& active() const { return active_; }

 private:
  bool enabled_ = false;
  std::map<std::string, std::array<float, 4>> rects_;
  std::string active_;
};

}  // namespace ledlab::gui
