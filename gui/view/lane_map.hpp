#pragma once
// The array map: one cell per lane coloured by a metric, a colour legend, and per-lane
// details on hover. Lane i (1-based) sits at row (i-1) / cols, column (i-1) % cols.
#include "gui/core/model.hpp"

#include <imgui.h>

#include <vector>

namespace ledlab::gui {

struct LaneCell {
  int lane = 0;
  ImVec2 min, max;  // screen pixels
  std::optional<double> value;
  LaneMark mark = LaneMark::none;
};

// Draws the map of `metric` in a `size` area; fills `cells` (for --layout and the tests).
// Returns the lane clicked this frame, or 0.
int draw_lane_map(const LaneMap& map, std::size_t metric, ImVec2 size, std::vector<LaneCell>& cells);

}  // namespace ledlab::gui
