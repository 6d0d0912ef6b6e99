#include "report/scale.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace ledlab::report {

double nice_step(double lo, double hi, std::size_t target) {
  const double span = std::abs(hi - lo);
  if (!(span > 0.0) || !std::isfinite(span) || target == 0) return 1.0;
  const double raw = span / static_cast<double>(target);
  const double decade = std::pow(10.0, std::floor(std::log10(raw)));
  const double m = raw / decade;  // 1 <= m < 10
  const double nice = m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0;
  return nice * decade;
}

Result<std::pair<double, double>> nice_range(ScaleKind kind, double lo, double hi, std::size_t target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return fail(Errc::invalid_argument, fmt::format("axis range {} .. {} is not finite", lo, hi));
  if (lo > hi) std::swap(lo, hi);
  if (kind == ScaleKind::log) {
    if (!(lo > 0.0)) return fail(Errc::invalid_argument, fmt::format("log axis range {} .. {} must be positive", lo, hi));
    double a = std::floor(std::log10(lo) + 1e-9), b = std::ceil(std::log10(hi) - 1e-9);
    if (b <= a) b = a + 1;
    return std::pair{std::pow(10.0, a), std::pow(10.0, b)};
  }
  if (lo == hi) {
    const double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(lo, hi, target);
  return std::pair{std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step};
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
  int exponent = static_cast<int>(std::floor(std::log10(std::abs(value))));
  double mantissa = std::stod(fmt::format("{:.{}g}", value / std::pow(10.0, exponent), digits));
  if (std::abs(mantissa) >= 10.0) mantissa /= 10.0, ++exponent;  // 9.999e-13 rounds to 10⁻¹²
  if (exponent >= 0 && exponent <= 2) return fmt::format("{:.{}g}", value, digits);  // 1, 25, 250: plain reads better
  std::string power = "10";
  if (exponent < 0) power += "⁻";
  for (char d : std::to_string(std::abs(exponent))) power += kSuperscript[static_cast<std::size_t>(d - '0')];
  if (mantissa == 1.0) return power;
  if (mantissa == -1.0) return "-" + power;
  return fmt::format("{:.{}g}×{}", mantissa, digits, power);
}

std::string tick_label(double value, TickStyle style) {
  return style == TickStyle::power_of_ten ? power_of_ten_label(value) : si_label(value);
}

Result<Scale> Scale::make(ScaleKind kind, double lo, double hi, double px_lo, double px_hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo))
    return fail(Errc::invalid_argument, fmt::format("axis range {} .. {} is empty or not finite", lo, hi));
  if (kind == ScaleKind::log && !(lo > 0.0))
    return fail(Errc::invalid_argument, fmt::format("log axis range {} .. {} must be positive", lo, hi));
  return Scale(kind, lo, hi, px_lo, px_hi);
}

double Scale::unit(double value) const {
  if (kind_ == ScaleKind::linear) return (value - lo_) / (hi_ - lo_);
  if (!(value > 0.0)) return -1.0;  // off the low end, visibly
  return (std::log10(value) - std::log10(lo_)) / (std::log10(hi_) - std::log10(lo_));
}

double Scale::to_px(double value) const { return px_lo_ + unit(value) * (px_hi_ - px_lo_); }

bool Scale::contains(double value) const {
  const double u = unit(value);
  return u >= -1e-9 && u <= 1.0 + 1e-9;
}

std::vector<Tick> Scale::ticks(std::size_t target, TickStyle style) const {
  std::vector<Tick> out;
  if (kind_ == ScaleKind::linear) {
    const double step = nice_step(lo_, hi_, target);
    // Plain numbers where they read better than prefixes (0.7, not 700 m; 85, 2500).
    const bool plain = std::max(std::abs(lo_), std::abs(hi_)) < 1e4 && step >= 1e-3;
    for (double k = std::ceil(lo_ / step - 1e-9); k * step <= hi_ + step * 1e-9; k += 1.0) {
      const double v = std::abs(k) < 1e-12 ? 0.0 : k * step;
      out.push_back({v, plain ? fmt::format("{:.4g}", v) : tick_label(v, style), true});
    }
    return out;
  }
  const int first = static_cast<int>(std::floor(std::log10(lo_) + 1e-9));
  const int last = static_cast<int>(std::ceil(std::log10(hi_) - 1e-9));
  const int decades = last - first;
  // Over many decades label every 2nd, 3rd, ... so labels do not collide; minor ticks only
  // when a decade is wide enough to show them.
  const int label_every = std::max(1, (decades + static_cast<int>(target) * 2 - 1) / (static_cast<int>(target) * 2));
  for (int d = first; d <= last; ++d) {
    const double decade = std::pow(10.0, d);
    if (contains(decade)) out.push_back({decade, (d - first) % label_every == 0 ? tick_label(decade, style) : "", true});
    if (decades > 6) continue;
    for (int m = 2; m <= 9; ++m)
      if (contains(m * decade)) out.push_back({m * decade, "", false});
  }
  return out;
}

}  // namespace ledlab::report
