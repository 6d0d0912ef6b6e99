#include "gui/view/lane_map.hpp"

#include "gui/core/colormap.hpp"
#include "gui/core/ticks.hpp"
#include "gui/view/style.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::gui {

namespace {

// The legend beside the cells (colour bar and tick labels), at the UI scale.
float legend_width() { return px(92); }

ImU32 packed(Rgb c) { return IM_COL32(c.r, c.g, c.b, 255); }

std::string describe(const LaneMetric& m, std::size_t i) {
  const auto& v = m.values[i];
  const LaneMark mark = i < m.marks.size() ? m.marks[i] : LaneMark::none;
  const db::Qualifier q = i < m.qualifiers.size() ? m.qualifiers[i] : db::Qualifier::exact;
  // An unresolved figure keeps the analysis' estimate in view, marked as not a value.
  if (mark == LaneMark::unresolved && v && *v > 0) return fmt::format("not resolved ({})", db::qualified(q, format_value(*v, m.unit)));
  if (mark == LaneMark::unresolved) return "not resolved";
  if (mark != LaneMark::none) return to_string(mark);
  if (!v) return "no data";
  if (m.verdict) return *v >= 0.5 ? (m.name == "failed lanes" ? "alive" : "pass") : (m.name == "failed lanes" ? "FAILED" : "FAIL");
  return db::qualified(q, format_value(*v, m.unit));
}

// A legend entry: a swatch, a name and how many lanes it stands for.
void swatch(ImDrawList* dl, ImVec2 at, Rgb colour, const std::string& text) {
  dl->AddRectFilled(at, ImVec2(at.x + px(16), at.y + px(16)), packed(colour));
  dl->AddText(ImVec2(at.x + px(22), at.y), colours::text, text.c_str());
}

void draw_legend(const LaneMetric& m, ImVec2 a, ImVec2 b) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const LaneCounts& c = m.counts;
  if (m.verdict) {
    const bool failed_lanes = m.name == "failed lanes";
    float y = a.y;
    auto entry = [&](Rgb colour, const std::string& text) {
      swatch(dl, ImVec2(a.x, y), colour, text);
      y += px(24);
    };
    entry(pass_colour, fmt::format("{} {}", failed_lanes ? "alive" : "pass", c.good));
    entry(fail_colour, fmt::format("{} {}", failed_lanes ? "failed" : "fail", c.failed));
    if (c.catastrophic > 0) entry(catastrophic_colour, fmt::format("catastr. {}", c.catastrophic));
    if (c.dead > 0) entry(dead_colour, fmt::format("dead {}", c.dead));
    entry(no_data_colour, "no data");
    return;
  }
  // Lanes off the scale (dead, unresolved, catastrophic) are listed under the colour bar.
  std::vector<std::pair<Rgb, std::string>> apart;
  if (c.dead > 0) apart.emplace_back(dead_colour, fmt::format("dead {}", c.dead));
  if (c.catastrophic > 0) apart.emplace_back(catastrophic_colour, fmt::format("catastr. {}", c.catastrophic));
  if (c.unresolved > 0) apart.emplace_back(unresolved_colour, fmt::format("unres. {}", c.unresolved));
  const float apart_h = px(22) * static_cast<float>(apart.size());
  for (std::size_t k = 0; k < apart.size(); ++k)
    swatch(dl, ImVec2(a.x, b.y - apart_h + px(22) * static_cast<float>(k)), apart[k].first, apart[k].second);
  b.y -= apart_h + (apart.empty() ? 0 : px(18));
  // A vertical colour bar, high at the top, with ticks in the metric's unit.
  const float bar = px(16), top = a.y + px(8), bottom = b.y - px(8);
  constexpr int steps = 64;
  for (int i = 0; i < steps; ++i) {
    const float y0 = bottom - (bottom - top) * static_cast<float>(i + 1) / steps;
    const float y1 = bottom - (bottom - top) * static_cast<float>(i) / steps;
    dl->AddRectFilled(ImVec2(a.x, y0), ImVec2(a.x + bar, y1 + 1), packed(colormap((i + 0.5) / steps)));
  }
  dl->AddRect(ImVec2(a.x, top), ImVec2(a.x + bar, bottom), colours::grid);
  if (c.good == 0 && c.dead + c.catastrophic + c.unresolved > 0) return;  // every lane off the scale
  const Prefix p = si_prefix(std::max(std::abs(m.lo), std::abs(m.hi)), m.unit);
  auto ticks = m.log_scale ? log_ticks(m.lo, m.hi, 5, log_tick_style(m.unit)) : linear_ticks(m.lo, m.hi, 5, p.scale);
  if (ticks.size() < 2)
    ticks = {{m.lo, format_value(m.lo, m.unit)}, {m.hi, format_value(m.hi, m.unit)}};
  for (const auto& t : ticks) {
    if (t.label.empty()) continue;
    const float y = bottom - static_cast<float>(normalise(t.value, m.lo, m.hi, m.log_scale)) * (bottom - top);
    dl->AddLine(ImVec2(a.x + bar, y), ImVec2(a.x + bar + px(4), y), colours::text);
    dl->AddText(ImVec2(a.x + bar + px(6), y - ImGui::GetFontSize() / 2), colours::text, t.label.c_str());
  }
  const std::string unit = m.unit.empty() || m.unit == "1" ? "" : p.symbol + m.unit;
  if (!m.log_scale && !unit.empty()) dl->AddText(ImVec2(a.x, bottom + px(4)), colours::dim, unit.c_str());
}

}  // namespace

int draw_lane_map(const LaneMap& map, std::size_t metric, ImVec2 size, std::vector<LaneCell>& cells) {
  cells.clear();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (map.rows <= 0 || map.cols <= 0 || metric >= map.metrics.size()) {
    ImGui::Dummy(size);
    dl->AddRectFilled(origin, ImVec2(origin.x + size.x, origin.y + size.y), colours::panel_bg, px(4));
    const char* text = "no data";
    const ImVec2 ts = ImGui::CalcTextSize(text);
    dl->AddText(ImVec2(origin.x + (size.x - ts.x) / 2, origin.y + (size.y - ts.y) / 2), colours::dim, text);
    return 0;
  }
  const LaneMetric& m = map.metrics[metric];
  // Square cells, as large as fit beside the legend, with a one-pixel gap; never under two
  // pixels, so that a small window still shows every lane.
  const float cell = std::max(2.0f, std::floor(std::min((size.x - legend_width()) / static_cast<float>(map.cols),
                                                        size.y / static_cast<float>(map.rows))));
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
      const auto i = static_cast<std::size_t>(lane - 1);
      const auto& value = m.values[i];
      const LaneMark mark = i < m.marks.size() ? m.marks[i] : LaneMark::none;
      const ImVec2 a(origin.x + static_cast<float>(c) * cell, origin.y + static_cast<float>(r) * cell);
      const ImVec2 b(a.x + cell - gap, a.y + cell - gap);
      dl->AddRectFilled(a, b, packed(lane_colour(value, mark, m.lo, m.hi, m.log_scale, m.verdict)));
      cells.push_back({lane, a, b, value, mark});
      if (hovered && mouse.x >= a.x && mouse.x < a.x + cell && mouse.y >= a.y && mouse.y < a.y + cell) hovered_lane = lane;
    }
  draw_legend(m, ImVec2(origin.x + grid_size.x + px(10), origin.y), ImVec2(origin.x + size.x, origin.y + grid_size.y));
  if (hovered_lane > 0) {
    const auto& h = cells[static_cast<std::size_t>(hovered_lane - 1)];
    dl->AddRect(h.min, ImVec2(h.min.x + cell, h.min.y + cell), colours::hover_cell, 0, 0, px(2));
    ImGui::BeginTooltip();
    ImGui::Text("lane %d  (row %d, column %d)", hovered_lane, (hovered_lane - 1) / map.cols + 1, (hovered_lane - 1) % map.cols + 1);
    for (const auto& other : map.metrics)
      ImGui::Text("%-16s %s", other.name.c_str(), describe(other, static_cast<std::size_t>(hovered_lane - 1)).c_str());
    ImGui::TextDisabled("click: plots for this lane");
    ImGui::EndTooltip();
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + grid_size.y + px(4)));
  return clicked ? hovered_lane : 0;
}

}  // namespace ledlab::gui
