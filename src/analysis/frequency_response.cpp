#include "analysis/frequency_response.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace ledlab::analysis {

std::string_view to_string(Bandwidth3dB convention) {
  return convention == Bandwidth3dB::electrical ? "electrical (|H|^2 = 1/2)" : "optical (|H| = 1/2)";
}

double threshold_db(Bandwidth3dB convention) {
  // 20 log10 of the |H| at the crossing: sqrt(1/2) or 1/2.
  return convention == Bandwidth3dB::electrical ? -10.0 * std::log10(2.0) : -20.0 * std::log10(2.0);
}

std::vector<double> magnitude_from_db(std::span<const double> level_db) {
  std::vector<double> out;
  out.reserve(level_db.size());
  for (double db : level_db) out.push_back(std::pow(10.0, db / 20.0));
  return out;
}

Result<double> low_frequency_plateau(std::span<const double> magnitude, std::size_t points) {
  if (points == 0) return fail(Errc::invalid_argument, "plateau needs at least one point");
  if (magnitude.size() < points)
    return fail(Errc::invalid_argument,
                fmt::format("curve has {} points, fewer than the {} plateau points",
                            magnitude.size(), points));
  double sum = 0.0;
  for (std::size_t i = 0; i < points; ++i) sum += magnitude[i];
  const double plateau = sum / static_cast<double>(points);
  if (!(plateau > 0.0) || !std::isfinite(plateau))
    return fail(Errc::invalid_argument,
                fmt::format("low-frequency plateau {} is not a positive number", plateau));
  return plateau;
}

Result<std::vector<double>> normalised_level_db(std::span<const double> magnitude,
                                                std::size_t plateau_points) {
  for (std::size_t i = 0; i < magnitude.size(); ++i) {
    if (!(magnitude[i] > 0.0) || !std::isfinite(magnitude[i]))
      return fail(Errc::invalid_argument,
                  fmt::format("magnitude[{}] = {} is not a positive number", i, magnitude[i]));
  }
  auto plateau = low_frequency_plateau(magnitude, plateau_points);
  if (!plateau) return fail(plateau.error());
  std::vector<double> out;
  out.reserve(magnitude.size());
  for (double m : magnitude) out.push_back(20.0 * std::log10(m / *plateau));
  return out;
}

Result<F3dbResult> f3db_from_curve(std::span<const double> freq_hz, std::span<const double> magnitude,
                                   const F3dbOptions& options) {
  if (freq_hz.size() != magnitude.size())
    return fail(Errc::invalid_argument,
                fmt::format("{} frequencies but {} magnitudes", freq_hz.size(), magnitude.size()));
  if (freq_hz.size() < 2) return fail(Errc::invalid_argument, "need at least two points");
  for (std::size_t i = 0; i < freq_hz.size(); ++i) {
    if (!(freq_hz[i] > 0.0) || !std::isfinite(freq_hz[i]) || (i > 0 && !(freq_hz[i] > freq_hz[i - 1])))
      return fail(Errc::invalid_argument,
                  fmt::format("frequencies must be positive and strictly increasing (at index {})", i));
  }
  auto level = normalised_level_db(magnitude, options.plateau_points);
  if (!level) return fail(level.error());
  auto plateau = low_frequency_plateau(magnitude, options.plateau_points);
  if (options.plateau) {
    if (!(*options.plateau > 0.0) || !std::isfinite(*options.plateau))
      return fail(Errc::invalid_argument, fmt::format("plateau {} is not a positive number", *options.plateau));
    const double shift_db = 20.0 * std::log10(*plateau / *options.plateau);
    for (double& l : *level) l += shift_db;
    plateau = *options.plateau;
  }

  const double threshold = threshold_db(options.convention);
  std::size_t i = 0;
  while (i < level->size() && (*level)[i] > threshold) ++i;
  if (i == level->size()) {
    const auto lowest = std::min_element(level->begin(), level->end());
    return fail(Errc::invalid_argument,
                fmt::format("response never falls to {:.2f} dB: lowest {:.2f} dB at {:.4g} Hz; "
                            "extend the sweep",
                            threshold, *lowest, freq_hz[static_cast<std::size_t>(lowest - level->begin())]));
  }
  if (i == 0)
    return fail(Errc::invalid_argument, "first point is already below the threshold");

  // A pole's roll-off is close to a straight line in (log f, dB), so interpolating
  // there keeps the error small with a coarse sweep.
  const double y0 = (*level)[i - 1];
  const double y1 = (*level)[i];
  const double x0 = std::log10(freq_hz[i - 1]);
  const double x1 = std::log10(freq_hz[i]);
  const double frac = (y0 - threshold) / (y0 - y1);

  F3dbResult out;
  out.f3db_hz = std::pow(10.0, x0 + frac * (x1 - x0));
  out.convention = options.convention;
  out.plateau = *plateau;
  out.crossing_index = i;
  return out;
}

double pole_magnitude(double f_hz, double tau_s, double rc_s) {
  const double w = 2.0 * std::numbers::pi * f_hz;
  const double a = w * tau_s;
  const double b = w * rc_s;
  return 1.0 / std::sqrt((1.0 + a * a) * (1.0 + b * b));
}

double pole_f3db_hz(double tau_s, double rc_s, Bandwidth3dB convention) {
  // |H|^-2 = (1 + u tau^2)(1 + u RC^2) = L with u = w^2 and L = 2 (electrical) or 4
  // (optical): p u^2 + s u - c = 0, c = L - 1. The root written as 2c/(s + sqrt(...))
  // stays exact when RC = 0 (p = 0).
  const double c = convention == Bandwidth3dB::electrical ? 1.0 : 3.0;
  const double s = tau_s * tau_s + rc_s * rc_s;
  const double p = tau_s * tau_s * rc_s * rc_s;
  const double u = 2.0 * c / (s + std::sqrt(s * s + 4.0 * p * c));
  return std::sqrt(u) / (2.0 * std::numbers::pi);
}

}  // namespace ledlab::analysis
