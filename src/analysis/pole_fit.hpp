#pragma once
// Fit of a measured LED frequency response to the carrier-lifetime pole
// H(f) = 1/(1 + j 2 pi f tau), optionally times the electrical pole 1/(1 + j 2 pi f RC)
// (REFERENCE.md section 5). The fit minimises the squared dB error of |H| over the
// points above a noise floor, in log parameters (ln tau, ln RC) plus an optional gain
// offset: a coarse grid over the corner frequencies first, then Levenberg-Marquardt.
//
// From |H| alone the two poles are interchangeable (the model is symmetric in tau and
// RC). With both free, tau_s is reported as the slower pole and the result says so;
// give the RC of the drive circuit (model single_pole_known_rc) to separate them.
#include <cstddef>
#include <span>

#include "analysis/frequency_response.hpp"
#include "core/error.hpp"

namespace ledlab::analysis {

enum class PoleModel {
  single_pole,          // tau only
  single_pole_known_rc, // tau, with RC fixed at PoleFitOptions::known_rc_s
  single_pole_free_rc,  // tau and RC both fitted
};

struct PoleFitOptions {
  PoleModel model = PoleModel::single_pole;
  double known_rc_s = 0.0;         // for single_pole_known_rc
  std::size_t plateau_points = 3;  // normalisation: mean |H| of the first k points
  bool fit_gain = true;            // free dB offset, so a noisy plateau does not bias tau
  double floor_db = -30.0;         // ignore points below this normalised level (noise floor)
  Bandwidth3dB convention = Bandwidth3dB::electrical;  // of the implied f3db_hz
};

struct PoleFit {
  double tau_s = 0.0;
  double rc_s = 0.0;      // 0 for single_pole; the fixed value for single_pole_known_rc
  double gain_db = 0.0;   // fitted level of the plateau relative to the first-k mean
  double f3db_hz = 0.0;   // -3 dB frequency of the fitted model under `convention`
  Bandwidth3dB convention = Bandwidth3dB::electrical;
  double rms_residual_db = 0.0;  // RMS of (measured - model) over the points used
  std::size_t points_used = 0;
  bool poles_interchangeable = false;  // free RC: tau_s is the slower pole by convention
};

// Fails for mismatched or too-short input, non-increasing frequencies, non-positive
// magnitudes, or fewer usable points (above floor_db) than parameters + 1.
Result<PoleFit> fit_pole_response(std::span<const double> freq_hz, std::span<const double> magnitude,
                                  const PoleFitOptions& options = {});

}  // namespace ledlab::analysis
