#include "analysis/f3db_estimate.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace ledlab::analysis {
namespace {

// Sweep points strictly below and strictly above f.
std::pair<std::size_t, std::size_t> points_around(std::span<const double> freq_hz, double f) {
  const auto below = static_cast<std::size_t>(std::ranges::count_if(freq_hz, [f](double x) { return x < f; }));
  const auto above = static_cast<std::size_t>(std::ranges::count_if(freq_hz, [f](double x) { return x > f; }));
  return {below, above};
}

}  // namespace

Result<F3dbEstimate> estimate_f3db(std::span<const double> freq_hz, std::span<const double> magnitude,
                                   const F3dbEstimateOptions& options) {
  F3dbEstimate out;
  auto fit = fit_pole_response(freq_hz, magnitude, options.fit);
  F3dbOptions interp_options{.convention = options.fit.convention, .plateau_points = options.fit.plateau_points};
  if (fit) {
    // The fitted level in |H| units: gain_db is relative to the first-points mean.
    auto first = low_frequency_plateau(magnitude, options.fit.plateau_points);
    if (first) interp_options.plateau = *first * std::pow(10.0, fit->gain_db / 20.0);
  }
  auto interp = f3db_from_curve(freq_hz, magnitude, interp_options);
  if (interp) out.interpolated_hz = interp->f3db_hz;

  if (fit) {
    out.f3db_hz = fit->f3db_hz;
    out.from_fit = true;
    out.fit = *fit;
  } else if (interp) {
    out.f3db_hz = interp->f3db_hz;
    out.warning = fmt::format("pole fit failed ({}); interpolated against the mean of the first {} points, "
                              "which reads high when they already roll off",
                              fit.error().message, options.fit.plateau_points);
    return out;
  } else {
    return fail(Errc::invalid_argument,
                fmt::format("no f3dB: fit: {}; interpolation: {}", fit.error().message, interp.error().message));
  }

  const auto [below, above] = points_around(freq_hz, out.f3db_hz);
  const std::size_t need = options.min_points_each_side;
  if (below < need) {
    out.warning = fmt::format("not resolved: the sweep starts at {:.4g} Hz with {} point(s) below f3dB {:.4g} Hz "
                              "(need {}); start the sweep lower",
                              freq_hz.front(), below, out.f3db_hz, need);
  } else if (above < need) {
    out.warning = fmt::format("not resolved: the sweep ends at {:.4g} Hz with {} point(s) above f3dB {:.4g} Hz "
                              "(need {}); extend the sweep",
                              freq_hz.back(), above, out.f3db_hz, need);
  } else if (!out.interpolated_hz) {
    out.warning = fmt::format("not resolved: the curve does not cross -3 dB of the fitted level ({})",
                              interp.error().message);
  } else if (!(std::abs(*out.interpolated_hz / out.f3db_hz - 1.0) <= options.max_interpolation_disagreement)) {
    out.warning = fmt::format("not resolved: fit {:.4g} Hz and interpolation {:.4g} Hz disagree by more than {:g} %",
                              out.f3db_hz, *out.interpolated_hz, 100.0 * options.max_interpolation_disagreement);
  } else {
    out.resolved = true;
  }
  return out;
}

}  // namespace ledlab::analysis
