#pragma once
// The -3 dB bandwidth of one measured response, as a lab signs it off (REFERENCE.md section 5).
//
// Interpolating the crossing against a plateau taken as the mean of the first sweep points is
// biased high when the sweep starts close to f3dB: those points have already rolled off, the
// plateau is too low and the -3 dB level is met too late (+9 % at f3dB = 4 x f_start, worse
// closer in). The estimate here is instead the two-pole fit with the low-frequency level as a
// free parameter, so the level comes from the whole curve's shape; the crossing is also
// interpolated against that fitted level, as a model-free cross-check.
//
// A sweep can only resolve f3dB when it has seen both sides of it. `resolved` is false, with
// the reason in `warning`, when the fit fails, when fewer than min_points_each_side sweep
// points lie below or above the estimate (the sweep starts too close to f3dB or ends below
// it), or when the fit and the interpolation against its level disagree by more than
// max_interpolation_disagreement. An unresolved value is still reported, but not to be judged
// or averaged into array figures.
#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "analysis/pole_fit.hpp"
#include "core/error.hpp"

namespace ledlab::analysis {

struct F3dbEstimateOptions {
  PoleFitOptions fit{.model = PoleModel::single_pole_free_rc};
  std::size_t min_points_each_side = 2;
  double max_interpolation_disagreement = 0.15;  // |interp / fit - 1|
};

struct F3dbEstimate {
  double f3db_hz = 0.0;                 // the primary figure: the fit's, or interpolated if it failed
  bool from_fit = false;
  std::optional<PoleFit> fit;
  std::optional<double> interpolated_hz;  // crossing of the fitted (or first-points) level
  bool resolved = false;
  std::string warning;                  // why not resolved; empty when resolved
};

// Fails only when neither the fit nor the interpolation gives a number (the reasons of both in
// the message); bad input (mismatched lengths, non-increasing frequencies) fails as in
// fit_pole_response.
Result<F3dbEstimate> estimate_f3db(std::span<const double> freq_hz, std::span<const double> magnitude,
                                   const F3dbEstimateOptions& options = {});

}  // namespace ledlab::analysis
