#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>

namespace ledlab::report {
namespace {

constexpr std::array<const char*, 8> kPalette{"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                              "#9467bd", "#8c564b", "#e377c2", "#17becf"};
constexpr const char* kLimitColor = "#b00";
std::atomic<int> clip_ids{0};  // clip paths must have ids unique in the page
constexpr int kLeft = 72, kRight = 16, kTop = 30, kBottom = 48;

bool drawable(ScaleKind kind, double v) { return std::isfinite(v) && (kind == ScaleKind::linear || v > 0.0); }

// Data extent over the drawable values of every series (error bars included).
std::optional<std::pair<double, double>> extent(const PlotSpec& spec, bool x_axis) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const ScaleKind kind = x_axis ? spec.x_scale : spec.y_scale;
  auto take = [&](double v) {
    if (!drawable(kind, v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  };
  for (const auto& s : spec.series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!drawable(spec.x_scale, s.x[i]) || !drawable(spec.y_scale, s.y[i])) continue;
      if (x_axis) {
        take(s.x[i]);
        continue;
      }
      take(s.y[i]);
      if (i < s.y_low.size()) take(s.y_low[i]);
      if (i < s.y_high.size()) take(s.y_high[i]);
    }
  }
  if (!x_axis)
    for (const auto& l : spec.limits) take(l.y);
  if (!(lo <= hi)) return std::nullopt;
  return std::pair{lo, hi};
}

// Characters, not bytes, of UTF-8 text: for the width a legend needs.
std::size_t glyphs(std::string_view s) {
  return static_cast<std::size_t>(std::ranges::count_if(s, [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string text(double x, double y, std::string_view anchor, std::string_view content, std::string_view extra = "") {
  return fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="{}" {}>{}</text>)", x, y, anchor, extra, escape(content));
}

std::string frame_only(const PlotSpec& spec, std::string_view message) {
  return fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" class="plot">)"
                     R"(<rect x="0.5" y="0.5" width="{2}" height="{3}" fill="none" stroke="#999"/>{4}{5}</svg>)",
                     spec.width, spec.height, spec.width - 1, spec.height - 1,
                     text(spec.width / 2.0, 18, "middle", spec.title, R"(font-weight="bold")"),
                     text(spec.width / 2.0, spec.height / 2.0, "middle", message, R"(fill="#666")"));
}

void axes(std::string& svg, const PlotSpec& spec, const Scale& xs, const Scale& ys) {
  const double x0 = kLeft, x1 = spec.width - kRight, y0 = spec.height - kBottom, y1 = kTop;
  for (const auto& t : xs.ticks(5, spec.x_ticks)) {
    const double x = xs.to_px(t.value);
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="{3}"/>)", x, y0, y1,
                       t.major ? "#ddd" : "#f0f0f0");
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#333"/>)", x, y0, y0 + (t.major ? 5 : 3));
    if (!t.label.empty()) svg += text(x, y0 + 17, "middle", t.label);
  }
  for (const auto& t : ys.ticks(5, spec.y_ticks)) {
    const double y = ys.to_px(t.value);
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="{3}"/>)", x0, y, x1,
                       t.major ? "#ddd" : "#f0f0f0");
    svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="#333"/>)", x0 - (t.major ? 5 : 3), y, x0);
    if (!t.label.empty()) svg += text(x0 - 8, y + 4, "end", t.label);
  }
  svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#333"/>)", x0, y1, x1 - x0, y0 - y1);
  svg += text((x0 + x1) / 2, spec.height - 10, "middle", spec.x_label);
  svg += text(16, (y0 + y1) / 2, "middle", spec.y_label, fmt::format(R"~(transform="rotate(-90 16 {:.1f})")~", (y0 + y1) / 2));
  svg += text(spec.width / 2.0, 18, "middle", spec.title, R"(font-weight="bold")");
}

void draw_series(std::string& svg, const PlotSeries& s, const std::string& color, const PlotSpec& spec, const Scale& xs,
                 const Scale& ys) {
  std::string path;
  bool pen_down = false;
  for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
    if (!drawable(spec.x_scale, s.x[i]) || !drawable(spec.y_scale, s.y[i])) {
      pen_down = false;  // a gap, not a line across the missing point
      continue;
    }
    const double x = xs.to_px(s.x[i]), y = ys.to_px(s.y[i]);
    path += fmt::format("{}{:.1f},{:.1f} ", pen_down ? "L" : "M", x, y);
    pen_down = true;
    const bool low = i < s.y_low.size() && drawable(spec.y_scale, s.y_low[i]);
    const bool high = i < s.y_high.size() && drawable(spec.y_scale, s.y_high[i]);
    if (low || high) {
      const double ya = low ? ys.to_px(s.y_low[i]) : y, yb = high ? ys.to_px(s.y_high[i]) : y;
      svg += fmt::format(R"(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="{3}"/>)", x, ya, yb, color);
      for (double yc : {ya, yb})
        svg += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}"/>)", x - 3, yc, x + 3, yc, color);
    }
    if (s.markers) svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"/>)", x, y, color);
  }
  if (s.line && !path.empty())
    svg += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="{}"{}/>)", path, color, s.width,
                       s.dashed ? R"( stroke-dasharray="6 4")" : "");
}

}  // namespace

std::string escape(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_plot(const PlotSpec& spec) {
  auto xr = spec.x_range ? spec.x_range : extent(spec, true);
  auto yr = spec.y_range ? spec.y_range : extent(spec, false);
  if (!xr || !yr) return frame_only(spec, "no data to plot");
  auto xn = spec.x_range ? Result<std::pair<double, double>>(*xr) : nice_range(spec.x_scale, xr->first, xr->second);
  auto yn = spec.y_range ? Result<std::pair<double, double>>(*yr) : nice_range(spec.y_scale, yr->first, yr->second);
  if (!xn || !yn) return frame_only(spec, (xn ? yn : xn).error().message);
  auto xs = Scale::make(spec.x_scale, xn->first, xn->second, kLeft, spec.width - kRight);
  auto ys = Scale::make(spec.y_scale, yn->first, yn->second, spec.height - kBottom, kTop);
  if (!xs || !ys) return frame_only(spec, (xs ? ys.error() : xs.error()).message);

  // The legend: series names, then the limit lines, in a column of its own right of the plot
  // area, so that it can never hide a point (inside the frame any corner may hold data).
  struct Entry {
    std::string name, color;
    bool dashed = false;
  };
  std::vector<Entry> legend;
  std::size_t next_color = 0;
  std::vector<std::string> colors;
  for (const auto& s : spec.series) {
    colors.push_back(s.color.empty() ? kPalette[next_color++ % kPalette.size()] : s.color);
    if (!s.name.empty()) legend.push_back({s.name, colors.back(), s.dashed});
  }
  for (const auto& l : spec.limits)
    if (drawable(spec.y_scale, l.y) && !l.label.empty()) legend.push_back({l.label, kLimitColor, true});
  std::size_t longest = 0;
  for (const auto& e : legend) longest = std::max(longest, glyphs(e.name));
  const int legend_w = spec.legend && !legend.empty() ? std::min(260, 34 + static_cast<int>(longest) * 6) : 0;
  const int width = spec.width + legend_w;

  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" class="plot" font-family="sans-serif" font-size="11">)",
      width, spec.height);
  axes(svg, spec, *xs, *ys);
  svg += fmt::format(R"~(<clipPath id="c{0}"><rect x="{1}" y="{2}" width="{3}" height="{4}"/></clipPath><g clip-path="url(#c{0})">)~",
                     ++clip_ids, kLeft, kTop,
                     spec.width - kLeft - kRight, spec.height - kTop - kBottom);
  for (std::size_t i = 0; i < spec.series.size(); ++i) draw_series(svg, spec.series[i], colors[i], spec, *xs, *ys);
  for (const auto& l : spec.limits) {
    if (!drawable(spec.y_scale, l.y)) continue;
    const double y = ys->to_px(l.y);
    svg += fmt::format(R"(<line x1="{}" y1="{:.1f}" x2="{}" y2="{:.1f}" stroke="{}" stroke-dasharray="4 3"/>)", kLeft, y,
                       spec.width - kRight, y, kLimitColor);
  }
  svg += "</g>";
  if (legend_w > 0) {
    const double lx = spec.width + 4;
    double ly = kTop + 10;
    for (const auto& e : legend) {
      svg += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="2.5"{}/>)", lx, ly - 4,
                         lx + 20, ly - 4, e.color, e.dashed ? R"( stroke-dasharray="4 3")" : "");
      svg += text(lx + 26, ly, "start", e.name, e.color == kLimitColor ? R"(fill="#b00")" : "");
      ly += 15;
    }
  }
  return svg + "</svg>";
}

}  // namespace ledlab::report
