#include "viz/ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

namespace ledlab::viz {

namespace {

// value = mantissa * 10^exponent with 1 <= |mantissa| < 10 after rounding to `digits`
// (9.9999e-13 rounds to 1e-12, not to 10e-13).
std::pair<double, int> decompose(double value, int digits) {
  int exponent = static_cast<int>(std::floor(std::log10(std::abs(value))));
  double mantissa = std::stod(fmt::format("{:.{}g}", value / std::pow(10.0, exponent), digits));
  if (std::abs(mantissa) >= 10.0) mantissa /= 10.0, ++exponent;
  return {mantissa, exponent};
}

}  // namespace

double nice_step(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * decade >= raw * (1 - 1e-12)) return m * decade;
  return 10 * decade;
}

double nice_step(double lo, double hi, std::size_t target) {
  const double span = std::abs(hi - lo);
  if (!(span > 0.0) || !std::isfinite(span) || target == 0) return 1.0;
  const double raw = span / static_cast<double>(target);
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  const double m = raw / decade;  // 1 <= m < 10
  const double nice = m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0;
  return nice * decade;
}

std::vector<double> tick_values(double lo, double hi, double step) {
  std::vector<double> out;
  if (!(step > 0) || !std::isfinite(lo) || !std::isfinite(hi) || (hi - lo) / step > 1e4) return out;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1)
    out.push_back(std::abs(k) < 1e-9 ? 0.0 : k * step);
  return out;
}

std::vector<Tick> linear_ticks(double lo, double hi, int max_ticks, double scale) {
  std::vector<Tick> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || max_ticks < 1 || !(scale > 0)) return ticks;
  const double step = nice_step((hi - lo) / scale / max_ticks) * scale;  // round in the labels' units
  const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step / scale) + 1e-9)));
  for (double v : tick_values(lo, hi, step)) ticks.push_back({v, fmt::format("{:.{}f}", v / scale, decimals)});
  return ticks;
}

std::vector<Tick> log_ticks(double lo, double hi, int max_labels, TickStyle style) {
  std::vector<Tick> ticks;
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi) || max_labels < 1) return ticks;
  const int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  const int decades = d1 - d0;
  const int every = std::max(1, (decades + max_labels - 1) / max_labels);
  auto inside = [&](double v) { return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9); };
  for (int d = d0; d <= d1; ++d) {
    const double decade = std::pow(10.0, d);
    if (inside(decade)) ticks.push_back({decade, (d - d0) % every == 0 ? tick_label(decade, style) : "", true});
    if (decades > 6) continue;  // too dense to draw
    for (int m = 2; m <= 9; ++m) {
      const double v = m * decade;
      if (!inside(v)) continue;
      const bool labelled = decades < 3 && (m == 2 || m == 5);
      ticks.push_back({v, labelled ? tick_label(v, style) : "", false});
    }
  }
  return ticks;
}

std::string si_label(double value, int digits) {
  if (value == 0.0) return "0";
  if (!std::isfinite(value)) return std::isnan(value) ? "NaN" : (value > 0 ? "inf" : "-inf");
  static constexpr std::array<const char*, 17> prefixes{"y", "z", "a", "f", "p", "n", "u", "m", "",
                                                        "k", "M", "G", "T", "P", "E", "Z", "Y"};
  int exp3 = static_cast<int>(std::floor(std::log10(std::abs(value)) / 3.0));
  exp3 = std::clamp(exp3, -8, 8);
  double scaled = value / std::pow(10.0, 3 * exp3);
  // Rounding can carry into the next prefix: 999.9 k -> "1 M".
  const double rounded = std::stod(fmt::format("{:.{}g}", scaled, digits));
  if (std::abs(rounded) >= 1000.0 && exp3 < 8) {
    ++exp3;
    scaled = value / std::pow(10.0, 3 * exp3);
  }
  const std::string number = fmt::format("{:.{}g}", scaled, digits);
  const char* prefix = prefixes[static_cast<std::size_t>(exp3 + 8)];
  return *prefix ? number + " " + prefix : number;
}

std::string power_of_ten_label(double value, int digits) {
  if (value == 0.0 || !std::isfinite(value)) return si_label(value, digits);
  static constexpr std::array<const char*, 10> kSuperscript{"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  const auto [mantissa, exponent] = decompose(value, digits);
  if (exponent >= 0 && exponent <= 2) return fmt::format("{:.{}g}", value, digits);  // 1, 25, 250: plain reads better
  std::string power = "10";
  if (exponent < 0) power += "⁻";
  for (char d : std::to_string(std::abs(exponent))) power += kSuperscript[static_cast<std::size_t>(d - '0')];
  if (mantissa == 1.0) return power;
  if (mantissa == -1.0) return "-" + power;
  return fmt::format("{:.{}g}×{}", mantissa, digits, power);
}

std::string exponent_label(double value, int digits) {
  if (value == 0.0 || !std::isfinite(value)) return si_label(value, digits);
  const auto [mantissa, exponent] = decompose(value, digits);
  if (exponent >= 0 && exponent <= 2) return fmt::format("{:.{}g}", value, digits);
  return fmt::format("{:.{}g}e{}", mantissa, digits, exponent);
}

std::string tick_label(double value, TickStyle style) {
  switch (style) {
    case TickStyle::power_of_ten: return power_of_ten_label(value);
    case TickStyle::exponent: return exponent_label(value);
    case TickStyle::si: break;
  }
  return si_label(value);
}

bool takes_si_prefix(std::string_view unit) {
  static constexpr std::array<std::string_view, 7> units{"W", "Hz", "A", "V", "b/s", "bps", "s"};
  return std::find(units.begin(), units.end(), unit) != units.end();
}

Prefix si_prefix(double magnitude, std::string_view unit) {
  if (!takes_si_prefix(unit)) return {};
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
  const bool fixed = p.scale != 1 || unit == "C" || unit == "%" || unit == "h" || unit == "min";
  const std::string number =
      fixed ? fmt::format("{:.{}f}", value / p.scale,
                          std::clamp(significant - 1 - static_cast<int>(std::floor(std::log10(magnitude))), 0, 6))
            : fmt::format("{:.{}g}", value, significant);
  if (unit.empty() || unit == "1") return number;
  return fmt::format("{} {}{}", number, p.symbol, unit);
}

std::string AxisUnit::title(std::string_view label) const {
  if (unit.empty() || unit == "1") return std::string(label);
  return fmt::format("{} ({}{})", label, prefix.symbol, unit);
}

std::string AxisUnit::format(double value, int significant) const { return format_value(value * factor, unit, significant); }

AxisUnit axis_unit(double lo, double hi, std::string_view unit, bool log) {
  AxisUnit a{.unit = std::string(unit)};
  // A run shorter than two hours reads in minutes: "0.25 h" ticks help nobody.
  if (unit == "h" && !log && hi - lo < 2) a.unit = "min", a.factor = 60;
  if (!log) a.prefix = si_prefix(std::max(std::abs(lo), std::abs(hi)) * a.factor, a.unit);
  return a;
}

TickStyle log_tick_style(std::string_view unit) { return takes_si_prefix(unit) ? TickStyle::si : TickStyle::exponent; }

}  // namespace ledlab::viz
