// Lane maps: one cell per lane, row-major like the array, coloured by value with a colour bar.
#include "report/svg_plot.hpp"
#include "viz/colormap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace ledlab::report {
namespace {

// The dashboard's viridis (src/viz/colormap.hpp), as an SVG fill.
std::string ramp(double u) { return viz::css(viz::colormap(u)); }

// Every k-th of n labels, k in 1, 2, 5, 10, ... so that labels are at least `min_px` apart.
int label_stride(int cell_px, int min_px) {
  for (int k : {1, 2, 5, 10, 20, 50, 100})
    if (k * cell_px >= min_px) return k;
  return 200;
}

}  // namespace

std::string render_heatmap(const HeatmapSpec& spec) {
  const int cell = spec.cell_px;
  const viz::LaneLayout layout = spec.layout ? *spec.layout : viz::LaneLayout::grid(static_cast<int>(spec.values.size()), spec.rows, spec.cols);
  const int rows = layout.rows(), cols = layout.cols();
  // Margins: row numbers and the "row" title on the left; column numbers, the "column" title
  // and the marked lane's name under the map.
  constexpr int kLeft = 56, kTop = 30;
  const int map_w = cols * cell, map_h = rows * cell;
  const auto count = [&](const std::vector<bool>& v) { return std::ranges::count(v, true); };
  const auto n_flagged = count(spec.flagged), n_catastrophic = count(spec.catastrophic), n_dead = count(spec.dead);
  // The key names every kind of mark the map shows, with how many lanes carry it.
  std::string key;
  const auto add_key = [&](std::ptrdiff_t n, const std::string& text) {
    if (n > 0) key += (key.empty() ? "" : "    ") + fmt::format("{} ({})", text, n);
  };
  if (!spec.flagged_meaning.empty()) add_key(n_flagged, "red ×: " + spec.flagged_meaning);
  add_key(n_catastrophic, "black dot: catastrophic failure");
  add_key(n_dead, "dark grey: dead");
  const int marked_y = kTop + rows * cell + 44;
  const int bottom = 44 + (spec.marked_label.empty() ? 0 : 16) + (key.empty() ? 0 : 16);
  const int width = kLeft + map_w + 130, height = kTop + map_h + bottom;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" class="heatmap" font-family="sans-serif" font-size="11">)",
      width, height);
  svg += fmt::format(R"(<text x="{}" y="18" text-anchor="middle" font-weight="bold">{}</text>)", width / 2, escape(spec.title));

  // The colour scale spans the live lanes: a dead lane's zero f3dB would stretch it to 0 and
  // crush the live lanes' differences into one colour.
  const auto is_dead = [&](std::size_t i) { return i < spec.dead.size() && spec.dead[i]; };
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t i = 0; i < spec.values.size(); ++i) {
    const double v = spec.values[i];
    if (!is_dead(i) && std::isfinite(v) && (spec.scale == ScaleKind::linear || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  std::optional<Scale> scale;
  if (lo <= hi) {
    if (lo == hi) {
      auto r = nice_range(spec.scale, lo, hi);
      if (r) lo = r->first, hi = r->second;
    }
    if (auto s = Scale::make(spec.scale, lo, hi, 0.0, 1.0)) scale = *s;
  }

  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const int lane = layout.lane_at(r, c);
      if (lane == 0) continue;  // no lane in this cell
      const auto i = static_cast<std::size_t>(lane - 1);
      const double v = i < spec.values.size() ? spec.values[i] : std::nan("");
      const bool dead = is_dead(i);
      const bool has = !dead && scale && std::isfinite(v) && (spec.scale == ScaleKind::linear || v > 0);
      const int x = kLeft + c * cell, y = kTop + r * cell;
      svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#fff" stroke-width="0.5"><title>lane {} (row {}, column {}): {}</title></rect>)",
                         x, y, cell, cell, dead ? "#444" : has ? ramp(scale->to_px(v)) : "#bbb", i + 1, r + 1, c + 1,
                         escape(dead ? std::string("dead") : has ? tick_label(v, spec.ticks) + spec.unit : std::string("no value")));
      if (i < spec.flagged.size() && spec.flagged[i])
        svg += fmt::format(R"(<path d="M{0},{1}L{2},{3}M{2},{1}L{0},{3}" stroke="#d00" stroke-width="1.5"/>)", x + 2, y + 2,
                           x + cell - 2, y + cell - 2);
      if (i < spec.catastrophic.size() && spec.catastrophic[i])
        svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" fill="#000" stroke="#fff" stroke-width="0.8"/>)",
                           x + cell / 2.0, y + cell / 2.0, cell / 4.0);
    }
  }
  // Row and column numbers (1-based, as the lanes), every one when the cells leave room.
  const int row_every = label_stride(cell, 12), col_every = label_stride(cell, 22);
  for (int r = 0; r < rows; ++r)
    if (r % row_every == 0 || r + 1 == rows)
      svg += fmt::format(R"(<text x="{}" y="{:.1f}" text-anchor="end">{}</text>)", kLeft - 4, kTop + r * cell + cell * 0.75, r + 1);
  for (int c = 0; c < cols; ++c)
    if (c % col_every == 0 || (c + 1 == cols && (c % col_every) * cell >= 22))
      svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", kLeft + c * cell + cell / 2, kTop + map_h + 13, c + 1);
  svg += fmt::format(R"~(<text x="14" y="{0:.1f}" text-anchor="middle" transform="rotate(-90 14 {0:.1f})">row</text>)~",
                     kTop + map_h / 2.0);
  svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">column</text>)", kLeft + map_w / 2.0, kTop + map_h + 28);
  if (const auto at = spec.marked_lane ? layout.cell(*spec.marked_lane) : std::nullopt) {
    const int x = kLeft + at->col * cell, y = kTop + at->row * cell;
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#000" stroke-width="2.5"/>)", x - 1, y - 1,
                       cell + 2, cell + 2);
    if (!spec.marked_label.empty())
      svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="start">{}</text>)", kLeft, marked_y, escape(spec.marked_label));
  }
  if (!key.empty())
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="start" class="key">{}</text>)", kLeft,
                       marked_y + (spec.marked_label.empty() ? 0 : 16), escape(key));

  if (scale) {  // colour bar, value ticks from the same scale
    const int bx = kLeft + map_w + 20, bw = 14;
    const int steps = 32;
    for (int k = 0; k < steps; ++k) {
      const double u0 = 1.0 - static_cast<double>(k + 1) / steps;
      svg += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{}" height="{:.1f}" fill="{}"/>)", bx, kTop + k * map_h / double(steps), bw,
                         map_h / double(steps) + 0.5, ramp(u0 + 0.5 / steps));
    }
    auto bar = Scale::make(spec.scale, scale->lo(), scale->hi(), kTop + map_h, kTop);
    for (const auto& t : bar->ticks(4, spec.ticks)) {
      if (!t.major || t.label.empty()) continue;
      const double y = bar->to_px(t.value);
      svg += fmt::format(R"(<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" stroke="#333"/><text x="{3}" y="{4:.1f}">{5}</text>)",
                         bx + bw, y, bx + bw + 4, bx + bw + 6, y + 4, escape(t.label + spec.unit));
    }
    if (spec.limit && bar->contains(*spec.limit) && (spec.scale == ScaleKind::linear || *spec.limit > 0)) {
      const double y = bar->to_px(*spec.limit);
      svg += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="#b00" stroke-width="2"><title>limit {}</title></line>)",
                         bx - 4, y, bx + bw + 4, y, escape(tick_label(*spec.limit, spec.ticks) + spec.unit));
    }
  }
  return svg + "</svg>";
}

}  // namespace ledlab::report
