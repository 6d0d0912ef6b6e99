#include "gui/view/lane_map.hpp"

#include "gui/core/colormap.hpp"
#include "gui/core/ticks.hpp"
#include "gui/view/style.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::gui {

namespace {

constexpr float kLegendWidth = 92;

ImU32 packed(Rgb c) { return IM_COL32(c.r, c.g, c.b, 255); }

std::string describe(const LaneMetric& m, std::optional<double> v) {
  if (!v) return "no data";
  if (m.verdict) return *v >= 0.5 ? (m.name == "failed lanes" ? "alive" : "pass") : (m.name == "failed lanes" ? "FAILED" : "FAIL");
  return format_value(*v, m.unit);
}

void draw_legend(const LaneMetric& m, ImVec2 a, ImVec2 b) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (m.verdict) {
    const bool failed_lanes = m.name == "failed lanes";
    dl->AddRectFilled(a, ImVec2(a.x + 16, a.y + 16), packed(pass_colour));
    dl->AddText(ImVec2(a.x + 22, a.y), colours::text, failed_lanes ? "alive" : "pass");
    dl->AddRectFilled(ImVec2(a.x, a.y + 24), ImVec2(a.x + 16, a.y + 40), packed(fail_colour));
    dl->AddText(ImVec2(a.x + 22, a.y + 24), colours::text, failed_lanes ? "failed" : "fail");
    dl->AddRectFilled(ImVec2(a.x, a.y + 48), ImVec2(a.x + 16, a.y + 64), packed(no_data_colour));
    dl->AddText(ImVec2(a.x + 22, a.y + 48), colours::text, "no data");
    return;
  }
  // A vertical colour bar, high at the top, with ticks in the metric's unit.
  const float bar = 16, top = a.y + 8, bottom = b.y - 8;
  constexpr int steps = 64;
  for (int i = 0; i < steps; ++i) {
    const float y0 = bottom - (bottom - top) * static_cast<float>(i + 1) / steps;
    const float y1 = bottom - (bottom - top) * static_cast<float>(i) / steps;
    dl->AddRectFilled(ImVec2(a.x, y0), ImVec2(a.x + bar, y1 + 1), packed(colormap((i + 0.5) / steps)));
  }
  dl->AddRect(ImVec2(a.x, top), ImVec2(a.x + bar, bottom), colours::grid);
  const Prefix p = si_prefix(std::max(std::abs(m.lo), std::abs(m.hi)), m.unit);
  auto ticks = m.log_scale ? log_ticks(m.lo, m.hi, 5) : linear_ticks(m.lo, m.hi, 5, p.scale);
  if (ticks.size() < 2)
    ticks = {{m.lo, format_value(m.lo, m.unit)}, {m.hi, format_value(m.hi, m.unit)}};
  for (const auto& t : ticks) {
    if (t.label.empty()) continue;
    const float y = bottom - static_cast<float>(normalise(t.value, m.lo, m.hi, m.log_scale)) * (bottom - top);
    dl->AddLine(ImVec2(a.x + bar, y), ImVec2(a.x + bar + 4, y), colours::text);
    dl->AddText(ImVec2(a.x + bar + 6, y - 7), colours::text, t.label.c_str());
  }
  const std::string unit = m.unit.empty() || m.unit == "1" ? "" : p.symbol + m.unit;
  if (!m.log_scale && !unit.empty()) dl->AddText(ImVec2(a.x, bottom + 4), colours::dim, unit.c_str());
}

}  // namespace

int draw_lane_map(const LaneMap& map, std::size_t metric, ImVec2 size, std::vector<LaneCell>& cells) {
  cells.clear();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (map.rows <= 0 || map.cols <= 0 || metric >= map.metrics.size()) {
    ImGui::Dummy(size);
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), colours::panel_bg, 4);
    const char* text = "no data";
    const ImVec2 ts = ImGui::CalcTextSize(text);
    dl->AddText(ImVec2(origin.x + (size.x - ts.x) / 2, origin.y + (size.y - ts.y) / 2), colours::dim, text);
    return 0;
  }
  const LaneMetric& m = map.metrics[metric];
  // Square cells, as large as fit, with a one-pixel gap.
  const float cell = std::floor(std::min((size.x - kLegendWidth) / static_cast<float>(map.cols), size.y / static_cast<float>(map.rows)));
  const ImVec2 grid_size(cell * static_cast<float>(map.cols), cell * static_cast<float>(map.rows));
  ImGui::InvisibleButton("lane_map", grid_size);
  const bool hovered = ImGui::IsItemHovered();
  const bool clicked = ImGui::IsItemClicked();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  int hovered_lane = 0;
  const float gap = cell >= 6 ? 1.0f : 0.0f;
  for (int r = 0; r < map.rows; ++r)
    for (int c = 0; c < map.cols; ++c) {
      const int lane = r * map.cols + c + 1;
      const auto& value = m.values[static_cast<std::size_t>(lane - 1)];
      const ImVec2 a(origin.x + static_cast<float>(c) * cell, origin.y + static_cast<float>(r) * cell);
      const ImVec2 b(a.x + cell - gap, a.y + cell - gap);
      dl->AddRectFilled(a, b, packed(lane_colour(value, m.lo, m.hi, m.log_scale, m.verdict)));
      cells.push_back({lane, a, b, value});
      if (hovered && mouse.x >= a.x && mouse.x < a.x + cell && mouse.y >= a.y && mouse.y < a.y + cell) hovered_lane = lane;
    }
  draw_legend(m, ImVec2(origin.x + grid_size.x + 10, origin.y), ImVec2(origin.x + size.x, origin.y + grid_size.y));
  if (hovered_lane > 0) {
    const auto& h = cells[static_cast<std::size_t>(hovered_lane - 1)];
    dl->AddRect(h.min, ImVec2(h.min.x + cell, h.min.y + cell), colours::hover_cell, 0, 0, 2);
    ImGui::BeginTooltip();
    ImGui::Text("lane %d  (row %d, column %d)", hovered_lane, (hovered_lane - 1) / map.cols + 1, (hovered_lane - 1) % map.cols + 1);
    for (const auto& other : map.metrics)
      ImGui::Text("%-16s %s", other.name.c_str(), describe(other, other.values[static_cast<std::size_t>(hovered_lane - 1)]).c_str());
    ImGui::TextDisabled("click: plots for this lane");
    ImGui::EndTooltip();
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + grid_size.y + 4));
  return clicked ? hovered_lane : 0;
}

}  // namespace ledlab::gui
