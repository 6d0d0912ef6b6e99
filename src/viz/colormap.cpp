#include "viz/colormap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace ledlab::viz {

Rgb colormap(double f) {
  // Nine evenly spaced samples of viridis (van der Walt and Smith, matplotlib 2.0's default
  // map), joined linearly: the one ramp of the dashboard and the report.
  static constexpr std::array<Rgb, 9> anchors{{{68, 1, 84},
                                               {71, 45, 123},
                                               {59, 82, 139},
                                               {44, 114, 142},
                                               {33, 145, 140},
                                               {40, 174, 128},
                                               {94, 201, 98},
                                               {173, 220, 48},
                                               {253, 231, 37}}};
  if (std::isnan(f)) return no_data_colour;
  f = std::clamp(f, 0.0, 1.0) * (anchors.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(f), anchors.size() - 2);
  const double u = f - static_cast<double>(i);
  auto mix = [u](std::uint8_t a, std::uint8_t b) {
    return static_cast<std::uint8_t>(std::lround(a + (b - a) * u));
  };
  return {mix(anchors[i].r, anchors[i + 1].r), mix(anchors[i].g, anchors[i + 1].g), mix(anchors[i].b, anchors[i + 1].b)};
}

std::string css(Rgb colour) { return fmt::format("rgb({},{},{})", colour.r, colour.g, colour.b); }

double normalise(double value, double lo, double hi, bool log_scale) {
  if (log_scale) {
    if (!(value > 0) || !(lo > 0) || !(hi > 0)) return 0;
    value = std::log10(value);
    lo = std::log10(lo);
    hi = std::log10(hi);
  }
  if (!(hi > lo)) return 0.5;
  return std::clamp((value - lo) / (hi - lo), 0.0, 1.0);
}

Rgb lane_colour(std::optional<double> value, double lo, double hi, bool log_scale, bool verdict) {
  if (!value || std::isnan(*value)) return no_data_colour;
  if (verdict) return *value >= 0.5 ? pass_colour : fail_colour;
  return colormap(normalise(*value, lo, hi, log_scale));
}

const char* to_string(LaneMark mark) {
  switch (mark) {
    case LaneMark::dead: return "dead";
    case LaneMark::catastrophic: return "catastrophic";
    case LaneMark::unresolved: return "unresolved";
    case LaneMark::none: break;
  }
  return "";
}

Rgb lane_colour(std::optional<double> value, LaneMark mark, double lo, double hi, bool log_scale, bool verdict) {
  switch (mark) {
    case LaneMark::dead: return dead_colour;
    case LaneMark::catastrophic: return catastrophic_colour;
    case LaneMark::unresolved: return unresolved_colour;
    case LaneMark::none: break;
  }
  return lane_colour(value, lo, hi, log_scale, verdict);
}

}  // namespace ledlab::viz
