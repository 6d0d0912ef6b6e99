#include "viz/scale.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::viz {

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
  if (kind_ == ScaleKind::log) return log_ticks(lo_, hi_, static_cast<int>(target) * 2, style);
  std::vector<Tick> out;
  const double step = nice_step(lo_, hi_, target);
  const bool plain = std::max(std::abs(lo_), std::abs(hi_)) < 1e4 && step >= 1e-3;
  for (double v : tick_values(lo_, hi_, step)) out.push_back({v, plain ? fmt::format("{:.4g}", v) : tick_label(v, style), true});
  return out;
}

}  // namespace ledlab::viz
