#include "gui/view/plot.hpp"

#include "gui/core/ticks.hpp"
#include "gui/view/style.hpp"
#include "viz/clip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

namespace ledlab::gui {

namespace {

constexpr float kLeft = 64, kRight = 12, kTop = 24, kBottom = 36;

// Maps data to pixels on one axis (log10 when asked).
struct Axis {
  double d0, d1;  // data range, already log10 on a log axis
  float p0, p1;   // pixels
  bool log;
  double to_axis(double v) const { return log ? std::log10(std::max(v, 1e-300)) : v; }
  double pxd(double v) const { return p0 + (to_axis(v) - d0) / (d1 - d0) * (p1 - p0); }  // far outside the view too
  float px(double v) const { return static_cast<float>(pxd(v)); }
  double value(float p) const {
    const double a = d0 + (p - p0) / static_cast<double>(p1 - p0) * (d1 - d0);
    return log ? std::pow(10.0, a) : a;
  }
};

void include(double v, bool log, double& lo, double& hi) {
  if (!std::isfinite(v) || (log && !(v > 0))) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

std::vector<Tick> axis_ticks(const AxisUnit& unit, double lo, double hi, bool log, const std::string& data_unit, int count) {
  return log ? log_ticks(lo, hi, count, log_tick_style(data_unit)) : linear_ticks(lo, hi, count, unit.tick_scale());
}

}  // namespace

PlotAxes plot_axes(const PlotData& data, const PlotView& view, float width, float height) {
  PlotAxes p{.x = axis_unit(view.x0, view.x1, data.x_unit, data.x_log), .y = axis_unit(view.y0, view.y1, data.y_unit, data.y_log)};
  p.x_ticks = axis_ticks(p.x, view.x0, view.x1, data.x_log, data.x_unit, std::max(2, static_cast<int>(width / 55)));
  p.y_ticks = axis_ticks(p.y, view.y0, view.y1, data.y_log, data.y_unit, std::max(2, static_cast<int>(height / 40)));
  p.x_title = p.x.title(data.x_label);
  p.y_title = p.y.title(data.y_label);
  return p;
}

void fit_view(const PlotData& data, PlotView& view) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double x0 = inf, x1 = -inf, y0 = inf, y1 = -inf;
  for (const auto& h : data.histories) {
    if (!h.data || h.data->empty()) continue;
    include(h.data->t_first(), data.x_log, x0, x1);
    include(h.data->t_last(), data.x_log, x0, x1);
    include(h.data->min(), data.y_log, y0, y1);
    include(h.data->max(), data.y_log, y0, y1);
  }
  for (const auto& c : data.curves)
    for (const auto& p : c.points) {
      include(p.x, data.x_log, x0, x1);
      include(p.y, data.y_log, y0, y1);
      if (p.y_hi) include(*p.y_hi, data.y_log, y0, y1);
    }
  for (const auto& m : data.markers) include(m.x, data.x_log, x0, x1);
  if (!(x1 >= x0)) x0 = 0, x1 = 1;
  if (!(y1 >= y0)) y0 = data.y_log ? 1e-12 : 0, y1 = data.y_log ? 1 : 1;
  auto pad = [](double& lo, double& hi, bool log, double fraction) {
    if (log) {
      const double a = std::log10(lo), b = std::log10(hi), m = std::max((b - a) * fraction, 0.4);
      lo = std::pow(10.0, a - m), hi = std::pow(10.0, b + m);
    } else {
      const double m = hi > lo ? (hi - lo) * fraction : std::max(std::abs(hi) * 0.05, 1e-12);
      lo -= m, hi += m;
    }
  };
  pad(x0, x1, data.x_log, 0.02);
  pad(y0, y1, data.y_log, 0.08);
  view.x0 = x0, view.x1 = x1, view.y0 = y0, view.y1 = y1;
}

bool draw_plot(const char* id, const PlotData& data, PlotView& view, ImVec2 size, PlotScratch& scratch) {
  ImGui::PushID(id);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("plot", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 end{origin.x + size.x, origin.y + size.y};
  dl->AddRectFilled(origin, end, colours::panel_bg, 4.0f);
  dl->AddText(ImVec2(origin.x + 8, origin.y + 4), colours::title, data.title.c_str());
  // Margins for the tick labels, in the UI's scale (the fonts are).
  const float s = ui_scale();
  const ImVec2 a{origin.x + kLeft * s, origin.y + kTop * s}, b{end.x - kRight * s, end.y - kBottom * s};
  if (data.empty() || b.x - a.x < 20 || b.y - a.y < 20) {
    const char* text = data.empty() ? "no data" : "too small to draw";
    const ImVec2 ts = ImGui::CalcTextSize(text);
    dl->AddText(ImVec2((origin.x + end.x - ts.x) / 2, (origin.y + end.y - ts.y) / 2), colours::dim, text);
    ImGui::PopID();
    return false;
  }
  if (view.auto_fit) fit_view(data, view);

  // Interaction: wheel zooms x about the cursor (Ctrl: y), drag pans, double-click refits.
  const ImGuiIO& io = ImGui::GetIO();
  Axis x{0, 1, a.x, b.x, data.x_log}, y{0, 1, b.y, a.y, data.y_log};
  auto set_axes = [&] {
    x.d0 = x.to_axis(view.x0), x.d1 = x.to_axis(view.x1);
    y.d0 = y.to_axis(view.y0), y.d1 = y.to_axis(view.y1);
    if (!(x.d1 > x.d0)) x.d1 = x.d0 + 1;
    if (!(y.d1 > y.d0)) y.d1 = y.d0 + 1;
  };
  set_axes();
  if (hovered) {
    if (io.MouseWheel != 0) {
      const double k = std::pow(0.85, io.MouseWheel);
      Axis& ax = io.KeyCtrl ? y : x;
      const double c = ax.to_axis(ax.value(io.KeyCtrl ? io.MousePos.y : io.MousePos.x));
      const double lo = c + (ax.d0 - c) * k, hi = c + (ax.d1 - c) * k;
      auto from = [&](double v) { return ax.log ? std::pow(10.0, v) : v; };
      (io.KeyCtrl ? view.y0 : view.x0) = from(lo);
      (io.KeyCtrl ? view.y1 : view.x1) = from(hi);
      view.auto_fit = false;
    }
    if (ImGui::IsMouseDragging(ImGuiMouseButton_Left) && ImGui::IsItemActive()) {
      const double dx = -io.MouseDelta.x / (b.x - a.x) * (x.d1 - x.d0);
      const double dy = io.MouseDelta.y / (b.y - a.y) * (y.d1 - y.d0);
      auto shift = [](double v, double d, bool log) { return log ? v * std::pow(10.0, d) : v + d; };
      view.x0 = shift(view.x0, dx, x.log), view.x1 = shift(view.x1, dx, x.log);
      view.y0 = shift(view.y0, dy, y.log), view.y1 = shift(view.y1, dy, y.log);
      view.auto_fit = false;
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) view.auto_fit = true;
    set_axes();
  }

  // Axes, grid and tick labels.
  dl->AddRectFilled(a, b, colours::plot_bg);
  const PlotAxes axes = plot_axes(data, view, (b.x - a.x) / s, (b.y - a.y) / s);  // tick spacing grows with the UI scale
  for (const auto& t : axes.x_ticks) {
    const float px = x.px(t.value);
    dl->AddLine(ImVec2(px, a.y), ImVec2(px, b.y), t.label.empty() ? colours::grid_minor : colours::grid);
    if (t.label.empty()) continue;
    const ImVec2 ts = ImGui::CalcTextSize(t.label.c_str());
    dl->AddText(ImVec2(px - ts.x / 2, b.y + 3), colours::text, t.label.c_str());
  }
  for (const auto& t : axes.y_ticks) {
    const float py = y.px(t.value);
    dl->AddLine(ImVec2(a.x, py), ImVec2(b.x, py), t.label.empty() ? colours::grid_minor : colours::grid);
    if (t.label.empty()) continue;
    const ImVec2 ts = ImGui::CalcTextSize(t.label.c_str());
    dl->AddText(ImVec2(a.x - ts.x - 5, py - ts.y / 2), colours::text, t.label.c_str());
  }
  const std::string& xtitle = axes.x_title;
  const std::string& ytitle = axes.y_title;
  const ImVec2 xs = ImGui::CalcTextSize(xtitle.c_str());
  dl->AddText(ImVec2((a.x + b.x - xs.x) / 2, end.y - xs.y - 2), colours::dim, xtitle.c_str());
  // No rotated text in ImGui 1.86: the y title sits after the plot title.
  const ImVec2 title_size = ImGui::CalcTextSize(data.title.c_str());
  dl->AddText(ImVec2(origin.x + 16 + title_size.x, origin.y + 4), colours::dim, ("· " + ytitle).c_str());

  // Data, clipped to the plot area; interlock excursions shaded behind it.
  dl->PushClipRect(a, b, true);
  for (const auto& s : data.spans) {
    const float s0 = x.px(s.x0), s1 = std::max(x.px(s.x1), s0 + 2.0f);
    dl->AddRectFilled(ImVec2(s0, a.y), ImVec2(s1, b.y), IM_COL32(220, 70, 50, 48));
    dl->AddText(ImVec2(s0 + 3, b.y - 20), colours::marker, s.label.c_str());
  }
  int series_index = 0;
  float legend_x = b.x - 6 * s, legend_y = a.y + 3 * s;
  auto legend = [&](const std::string& label, ImU32 colour) {  // right-aligned rows, wrapping leftwards
    const ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    const float entry = ts.x + 22 * s;  // swatch, gap, text: all grow with the UI scale
    if (legend_x - entry < a.x + 8 * s && legend_x < b.x - 6 * s) legend_x = b.x - 6 * s, legend_y += ts.y + 4 * s;
    legend_x -= entry;
    dl->AddRectFilled(ImVec2(legend_x, legend_y + 3 * s), ImVec2(legend_x + 12 * s, legend_y + 15 * s), colour);
    dl->AddText(ImVec2(legend_x + 16 * s, legend_y), colours::text, label.c_str());
  };
  const int width = std::max(1, static_cast<int>(b.x - a.x));
  const viz::Box data_box{a.x, a.y, b.x, b.y};
  std::string hover_text;
  for (const auto& h : data.histories) {
    const ImU32 colour = colours::series(series_index++);
    if (!h.data || h.data->empty()) continue;
    h.data->decimate(view.x0, view.x1, width, scratch.columns);
    const bool sparse = h.data->points() * 6 < static_cast<std::size_t>(width);  // few points: mark each one
    // Lines are clipped to the data area here rather than left to the clip rectangle: a plot
    // zoomed in between two samples joins the sample before the view to the one after it, and
    // those may lie millions of pixels away.
    auto segment = [&](viz::Point p, viz::Point q, float thickness) {
      if (auto s = viz::clip({p, q}, data_box))
        dl->AddLine(ImVec2(static_cast<float>(s->a.x), static_cast<float>(s->a.y)),
                    ImVec2(static_cast<float>(s->b.x), static_cast<float>(s->b.y)), colour, thickness);
    };
    auto join = [&](viz::Point p, viz::Point q) {
      if (!h.step) return segment(p, q, 1.5f);
      segment(p, {q.x, p.y}, 2.0f);
      segment({q.x, p.y}, q, 2.0f);
    };
    std::optional<viz::Point> prev;
    if (auto before = h.data->last_before(view.x0)) prev = viz::Point{x.pxd(before->t), y.pxd(before->value)};
    for (std::size_t c = 0; c < scratch.columns.size(); ++c) {
      const auto& col = scratch.columns[c];
      if (!col.filled) continue;
      const float px = x.px(col.t);
      const viz::Point here{px, y.pxd(col.first)};
      if (prev) join(*prev, here);
      if (col.hi > col.lo) dl->AddLine(ImVec2(px, y.px(col.lo)), ImVec2(px, y.px(col.hi)), colour, 1.5f);
      if (sparse && !h.step) dl->AddCircleFilled(ImVec2(px, static_cast<float>(here.y)), 3.0f, colour);
      prev = viz::Point{px, y.pxd(col.last)};
      if (hovered && std::abs(io.MousePos.x - px) < 1.0f && hover_text.size() < 400)
        hover_text += fmt::format("{}: {}{}\n", h.label, axes.y.format(col.lo), col.hi > col.lo ? " .. " + axes.y.format(col.hi) : "");
    }
    if (auto after = h.data->first_after(view.x1); prev && after) join(*prev, {x.pxd(after->t), y.pxd(after->value)});
    else if (prev && h.step) segment(*prev, {b.x, prev->y}, 2.0f);  // the setpoint holds to the end
    legend(h.label, colour);
  }
  for (const auto& c : data.curves) {
    const ImU32 colour = colours::series(series_index++);
    scratch.points.clear();
    for (const auto& p : c.points) {
      if ((data.x_log && !(p.x > 0)) || (data.y_log && !(p.y > 0))) continue;
      const ImVec2 pt(x.px(p.x), y.px(p.y));
      scratch.points.push_back(pt);
      if (p.y_hi) {  // confidence bar from the estimate up to the upper bound
        const float top = y.px(*p.y_hi);
        dl->AddLine(pt, ImVec2(pt.x, top), colour, 1.5f);
        dl->AddLine(ImVec2(pt.x - 4, top), ImVec2(pt.x + 4, top), colour, 1.5f);
      }
      if (c.markers) dl->AddCircleFilled(pt, 3.5f, colour);
      if (hovered && std::abs(io.MousePos.x - pt.x) < 6 && std::abs(io.MousePos.y - pt.y) < 6)
        hover_text += fmt::format("{}: {} = {}, {} = {}{}\n", c.label, data.x_label, axes.x.format(p.x), data.y_label, axes.y.format(p.y),
                                  p.y_hi ? fmt::format(" (upper {})", axes.y.format(*p.y_hi)) : "");
    }
    if (scratch.points.size() > 1)
      dl->AddPolyline(scratch.points.data(), static_cast<int>(scratch.points.size()), colour, ImDrawFlags_None, 1.5f);
    legend(c.label, colour);
  }
  for (const auto& m : data.markers) {
    const float px = x.px(m.x);
    for (float py = a.y; py < b.y; py += 8) dl->AddLine(ImVec2(px, py), ImVec2(px, std::min(py + 4, b.y)), colours::marker, 1.5f);
    dl->AddText(ImVec2(px + 4, b.y - 20 - 16 * static_cast<float>(&m - data.markers.data())), colours::marker, m.label.c_str());
  }
  if (hovered) {
    dl->AddLine(ImVec2(io.MousePos.x, a.y), ImVec2(io.MousePos.x, b.y), colours::crosshair);
    ImGui::BeginTooltip();
    ImGui::Text("%s = %s", data.x_label.c_str(), axes.x.format(x.value(io.MousePos.x)).c_str());
    if (!hover_text.empty()) ImGui::TextUnformatted(hover_text.c_str());
    ImGui::TextDisabled("wheel: zoom x, Ctrl+wheel: zoom y, drag: pan, double-click: fit");
    ImGui::EndTooltip();
  }
  dl->PopClipRect();
  dl->AddRect(a, b, colours::grid);
  ImGui::PopID();
  return true;
}

}  // namespace ledlab::gui
