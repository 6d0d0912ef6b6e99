#include "analysis/arrhenius.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

namespace ledlab::analysis {
namespace {

constexpr double zero_celsius_k = 273.15;

Status check_temperature(double temperature_c) {
  if (!std::isfinite(temperature_c) || !(kelvin_from_celsius(temperature_c) > 0.0))
    return fail(Errc::invalid_argument,
                fmt::format("temperature {} C is not above absolute zero", temperature_c));
  return {};
}

double inverse_kt(double temperature_c) {
  return 1.0 / (boltzmann_ev_per_k * kelvin_from_celsius(temperature_c));
}

}  // namespace

double kelvin_from_celsius(double temperature_c) { return temperature_c + zero_celsius_k; }

Result<double> acceleration_factor(double ea_ev, double use_temperature_c, double stress_temperature_c) {
  if (!(ea_ev >= 0.0) || !std::isfinite(ea_ev))
    return fail(Errc::invalid_argument, fmt::format("activation energy {} eV is not >= 0", ea_ev));
  if (auto ok = check_temperature(use_temperature_c); !ok) return fail(ok.error());
  if (auto ok = check_temperature(stress_temperature_c); !ok) return fail(ok.error());
  return std::exp(ea_ev * (inverse_kt(use_temperature_c) - inverse_kt(stress_temperature_c)));
}

Result<ArrheniusFit> fit_arrhenius(std::span<const StressPoint> points, double confidence) {
  if (!(confidence > 0.0 && confidence < 1.0))
    return fail(Errc::invalid_argument, fmt::format("confidence {} must be in (0, 1)", confidence));
  if (points.size() < 2)
    return fail(Errc::invalid_argument,
                fmt::format("Ea needs alpha at two or more temperatures, got {}", points.size()));
  double mean_x = 0.0;
  double mean_y = 0.0;
  for (const auto& p : points) {
    if (auto ok = check_temperature(p.temperature_c); !ok) return fail(ok.error());
    if (!(p.alpha_per_h > 0.0) || !std::isfinite(p.alpha_per_h))
      return fail(Errc::invalid_argument,
                  fmt::format("alpha {} /h at {} C is not positive: no Arrhenius fit", p.alpha_per_h,
                              p.temperature_c));
    mean_x += inverse_kt(p.temperature_c);
    mean_y += std::log(p.alpha_per_h);
  }
  const double n = static_cast<double>(points.size());
  mean_x /= n;
  mean_y /= n;
  double sxx = 0.0;
  double sxy = 0.0;
  for (const auto& p : points) {
    const double dx = inverse_kt(p.temperature_c) - mean_x;
    sxx += dx * dx;
    sxy += dx * (std::log(p.alpha_per_h) - mean_y);
  }
  if (!(sxx > 0.0))
    return fail(Errc::invalid_argument, "all points at one temperature: Ea is undetermined");

  const double slope = sxy / sxx;  // = -Ea
  const double intercept = mean_y - slope * mean_x;
  double ss = 0.0;
  for (const auto& p : points) {
    const double r = std::log(p.alpha_per_h) - (intercept + slope * inverse_kt(p.temperature_c));
    ss += r * r;
  }
  const auto [lo, hi] = std::minmax_element(points.begin(), points.end(), [](const auto& a, const auto& b) {
    return a.temperature_c < b.temperature_c;
  });
  ArrheniusFit fit;
  fit.ea_ev = -slope;
  fit.prefactor_per_h = std::exp(intercept);
  fit.min_temperature_c = lo->temperature_c;
  fit.max_temperature_c = hi->temperature_c;
  fit.points = points.size();
  fit.confidence = confidence;
  if (points.size() == 2) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    fit.rms_residual_ln = fit.ea_se_ev = nan;
    fit.warnings.push_back(fmt::format(
        "only two temperatures ({} and {} C): the line passes through both, so Ea has no residual and no "
        "confidence interval; a third temperature is needed to know how well Ea is determined",
        fit.min_temperature_c, fit.max_temperature_c));
    return fit;
  }
  // The slope's standard error of ordinary least squares, and Student t with n - 2 degrees of
  // freedom (two parameters fitted) for its interval.
  const double dof = n - 2.0;
  fit.rms_residual_ln = std::sqrt(ss / n);
  fit.ea_se_ev = std::sqrt(ss / dof / sxx);
  const boost::math::students_t t_dist(dof);
  const double half = boost::math::quantile(boost::math::complement(t_dist, 0.5 * (1.0 - confidence))) * fit.ea_se_ev;
  fit.ea_lo_ev = fit.ea_ev - half;
  fit.ea_hi_ev = fit.ea_ev + half;
  return fit;
}

Result<AccelerationInterval> acceleration_interval(const ArrheniusFit& fit, double use_temperature_c,
                                                   double stress_temperature_c) {
  if (auto ok = check_temperature(use_temperature_c); !ok) return fail(ok.error());
  if (auto ok = check_temperature(stress_temperature_c); !ok) return fail(ok.error());
  // AF = exp(Ea (1/kT_use - 1/kT_stress)): Ea may be negative in a fit, so no Ea check here.
  const double dx = inverse_kt(use_temperature_c) - inverse_kt(stress_temperature_c);
  AccelerationInterval out;
  out.af = std::exp(fit.ea_ev * dx);
  if (fit.ea_lo_ev && fit.ea_hi_ev) {
    const double a = std::exp(*fit.ea_lo_ev * dx), b = std::exp(*fit.ea_hi_ev * dx);
    out.lo = std::min(a, b);
    out.hi = std::max(a, b);
  }
  return out;
}

Result<AlphaAtTemperature> alpha_at_temperature(const ArrheniusFit& fit, double temperature_c) {
  if (auto ok = check_temperature(temperature_c); !ok) return fail(ok.error());
  AlphaAtTemperature out;
  out.alpha_per_h = fit.prefactor_per_h * std::exp(-fit.ea_ev * inverse_kt(temperature_c));
  out.extrapolated = temperature_c < fit.min_temperature_c || temperature_c > fit.max_temperature_c;
  return out;
}

}  // namespace ledlab::analysis
