// Lane maps: one cell per lane, row-major like the array, coloured by value with a colour bar.
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace ledlab::report {
namespace {

// A perceptually ordered dark-blue -> green -> yellow ramp (stops in the spirit of viridis).
std::string ramp(double u) {
  static constexpr std::array<std::array<double, 3>, 5> stops{{{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
  u = std::clamp(u, 0.0, 1.0) * (stops.size() - 1);
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(u), stops.size() - 2);
  const double f = u - static_cast<double>(i);
  auto mix = [&](int c) { return static_cast<int>(std::lround(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]))); };
  return fmt::format("rgb({},{},{})", mix(0), mix(1), mix(2));
}

}  // namespace

std::string render_heatmap(const HeatmapSpec& spec) {
  const int cell = spec.cell_px;
  const int map_w = spec.cols * cell, map_h = spec.rows * cell;
  const int width = 40 + map_w + 110, height = 30 + map_h + 30;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" class="heatmap" font-family="sans-serif" font-size="11">)",
      width, height);
  svg += fmt::format(R"(<text x="{}" y="18" text-anchor="middle" font-weight="bold">{}</text>)", width / 2, escape(spec.title));

  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : spec.values)
    if (std::isfinite(v) && (spec.scale == ScaleKind::linear || v > 0)) lo = std::min(lo, v), hi = std::max(hi, v);
  std::optional<Scale> scale;
  if (lo <= hi) {
    if (lo == hi) {
      auto r = nice_range(spec.scale, lo, hi);
      if (r) lo = r->first, hi = r->second;
    }
    if (auto s = Scale::make(spec.scale, lo, hi, 0.0, 1.0)) scale = *s;
  }

  for (int r = 0; r < spec.rows; ++r) {
    for (int c = 0; c < spec.cols; ++c) {
      const auto i = static_cast<std::size_t>(r * spec.cols + c);
      const double v = i < spec.values.size() ? spec.values[i] : std::nan("");
      const bool has = scale && std::isfinite(v) && (spec.scale == ScaleKind::linear || v > 0);
      const int x = 40 + c * cell, y = 30 + r * cell;
      svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="#fff" stroke-width="0.5"><title>lane {}: {}</title></rect>)",
                         x, y, cell, cell, has ? ramp(scale->to_px(v)) : "#bbb", i + 1,
                         has ? si_label(v) + spec.unit : std::string("no value"));
      if (i < spec.flagged.size() && spec.flagged[i])
        svg += fmt::format(R"(<path d="M{0},{1}L{2},{3}M{2},{1}L{0},{3}" stroke="#d00" stroke-width="1.5"/>)", x + 2, y + 2,
                           x + cell - 2, y + cell - 2);
    }
  }
  for (int r = 0; r < spec.rows; r += std::max(1, spec.rows / 5))
    svg += fmt::format(R"(<text x="34" y="{}" text-anchor="end">{}</text>)", 30 + r * cell + cell * 0.75, r + 1);
  for (int c = 0; c < spec.cols; c += std::max(1, spec.cols / 5))
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">{}</text>)", 40 + c * cell + cell / 2, 30 + map_h + 14, c + 1);

  if (scale) {  // colour bar, value ticks from the same scale
    const int bx = 40 + map_w + 20, bw = 14;
    const int steps = 32;
    for (int k = 0; k < steps; ++k) {
      const double u0 = 1.0 - static_cast<double>(k + 1) / steps;
      svg += fmt::format(R"(<rect x="{}" y="{:.1f}" width="{}" height="{:.1f}" fill="{}"/>)", bx, 30 + k * map_h / double(steps), bw,
                         map_h / double(steps) + 0.5, ramp(u0 + 0.5 / steps));
    }
    auto bar = Scale::make(spec.scale, scale->lo(), scale->hi(), 30.0 + map_h, 30.0);
    for (const auto& t : bar->ticks(4)) {
      if (!t.major || t.label.empty()) continue;
      const double y = bar->to_px(t.value);
      svg += fmt::format(R"(<line x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}" stroke="#333"/><text x="{3}" y="{4:.1f}">{5}</text>)",
                         bx + bw, y, bx + bw + 4, bx + bw + 6, y + 4, escape(t.label + spec.unit));
    }
  }
  return svg + "</svg>";
}

}  // namespace ledlab::report
