#include "gui/view/style.hpp"

#include <array>

namespace ledlab::gui::colours {

ImU32 series(int index) {
  static constexpr std::array<ImU32, 6> palette{IM_COL32(86, 180, 233, 255), IM_COL32(230, 159, 0, 255),
                                                IM_COL32(0, 200, 140, 255),  IM_COL32(240, 228, 66, 255),
                                                IM_COL32(204, 121, 167, 255), IM_COL32(213, 94, 0, 255)};
  return palette[static_cast<std::size_t>(index) % palette.size()];
}

ImU32 state(std::string_view s) {
  if (s == "running") return IM_COL32(34, 160, 70, 255);
  if (s == "paused") return IM_COL32(220, 160, 0, 255);
  if (s == "waiting for operator") return IM_COL32(150, 80, 220, 255);  // apart from paused: a person is asked
  if (s == "suspended" || s == "aborting") return IM_COL32(235, 110, 20, 255);
  if (s == "failed" || s == "aborted" || s == "interrupted") return IM_COL32(200, 40, 40, 255);
  if (s == "finished") return IM_COL32(40, 110, 200, 255);
  return IM_COL32(90, 94, 104, 255);
}

}  // namespace ledlab::gui::colours

namespace ledlab::gui {

namespace {
float scale_ = 1;  // set once by the window before the first frame; read by the render thread only
}  // namespace

void set_ui_scale(float scale) { scale_ = scale; }
float ui_scale() { return scale_; }

}  // namespace ledlab::gui
