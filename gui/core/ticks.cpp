#include "gui/core/ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace ledlab::gui {

double nice_step(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * decade >= raw * (1 - 1e-12)) return m * decade;
  return 10 * decade;
}

std::vector<Tick> linear_ticks(double lo, double hi, int max_ticks, double scale) {
  std::vector<Tick> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 1) return ticks;
  const double step = nice_step((hi - lo) / scale / max_ticks) * scale;  // round in the labels' units
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step / scale) + 1e-9)));
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
    double v = k * step;
    if (std::abs(v) < step * 1e-9) v = 0;  // no "-0"
    ticks.push_back({v, fmt::format("{:.{}f}", v / scale, decimals)});
  }
  return ticks;
}

std::vector<Tick> log_ticks(double lo, double hi, int max_ticks) {
  std::vector<Tick> ticks;
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi) || max_ticks < 1) return ticks;
  const int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  const int decades = d1 - d0;
  const int every = std::max(1, (decades + max_ticks - 1) / max_ticks);
  const bool label_minor = decades < 3;
  for (int d = d0; d <= d1; ++d) {
    for (double m : {1.0, 2.0, 5.0}) {
      const double v = m * std::pow(10.0, d);
      if (v < lo * (1 - 1e-9) || v > hi * (1 + 1e-9)) continue;
      std::string label;
      if (m == 1.0 && (d - d0) % every == 0) label = fmt::format("1e{}", d);
      else if (m != 1.0 && label_minor) label = fmt::format("{:g}e{}", m, d);
      if (m != 1.0 && decades > 6) continue;  // too dense to draw
      ticks.push_back({v, std::move(label)});
    }
  }
  return ticks;
}

Prefix si_prefix(double magnitude, std::string_view unit) {
  static constexpr std::array takes_prefix{"W", "Hz", "A", "V", "b/s", "bps", "s"};
  if (std::find(takes_prefix.begin(), takes_prefix.end(), unit) == takes_prefix.end()) return {};
  magnitude = std::abs(magnitude);
  if (!(magnitude > 0) || !std::isfinite(magnitude)) return {};
  static constexpr std::array<std::pair<double, const char*>, 9> prefixes{{
      {1e12, "T"}, {1e9, "G"}, {1e6, "M"}, {1e3, "k"}, {1, ""}, {1e-3, "m"}, {1e-6, "µ"}, {1e-9, "n"}, {1e-12, "p"}}};
  for (const auto& [scale, symbol] : prefixes)
    if (magnitude >= scale * (1 - 1e-9)) return {scale, symbol};
  return {1e-12, "p"};
}

std::string format_value(double value, std::string_view unit, int significant) {
  if (!std::isfinite(value)) return fmt::format("{} {}", value, unit);
  const Prefix p = si_prefix(value, unit);
  // Zero has no magnitude: it gets the decimals of a value of one, not six ("0.00 C").
  const double magnitude = value == 0 ? 1 : std::max(std::abs(value / p.scale), 1e-6);
  const std::string number = (p.scale != 1 || unit == "C" || unit == "%" || unit == "h")
                                 ? fmt::format("{:.{}f}", value / p.scale,
                                               std::clamp(significant - 1 - static_cast<int>(std::floor(std::log10(magnitude))), 0, 6))
                                 : fmt::format("{:.{}g}", value, significant);
  if (unit.empty() || unit == "1") return number;
  return fmt::format("{} {}{}", number, p.symbol, unit);
}

}  // namespace ledlab::gui
