#pragma once
// The dashboard's colours, in one place: a dark theme with state colours a lab engineer reads
// from across the bench (green running, amber paused, orange suspended, red failed or alarm).
#include <imgui.h>

#include <string_view>

namespace ledlab::gui::colours {

inline constexpr ImU32 panel_bg = IM_COL32(28, 30, 36, 255);
inline constexpr ImU32 plot_bg = IM_COL32(18, 19, 23, 255);
inline constexpr ImU32 grid = IM_COL32(70, 74, 84, 255);
inline constexpr ImU32 grid_minor = IM_COL32(42, 45, 52, 255);
inline constexpr ImU32 text = IM_COL32(215, 218, 224, 255);
inline constexpr ImU32 title = IM_COL32(240, 242, 246, 255);
inline constexpr ImU32 dim = IM_COL32(140, 145, 155, 255);
inline constexpr ImU32 marker = IM_COL32(255, 120, 200, 255);
inline constexpr ImU32 crosshair = IM_COL32(200, 200, 200, 90);
inline constexpr ImU32 hover_cell = IM_COL32(255, 255, 255, 255);

// Series colours, distinct on a dark background.
ImU32 series(int index);
// The badge colour of a run state.
ImU32 state(std::string_view state);
inline ImVec4 vec(ImU32 c) { return ImGui::ColorConvertU32ToFloat4(c); }

}  // namespace ledlab::gui::colours

namespace ledlab::gui {

// The UI scale: 1 on a 96 dpi monitor, the monitor's content scale (or `ledlab gui --scale`)
// elsewhere. Fonts are loaded at it; fixed sizes in the panels go through px().
void set_ui_scale(float scale);
float ui_scale();
inline float px(float at_scale_1) { return at_scale_1 * ui_scale(); }

}  // namespace ledlab::gui
