#pragma once
// Frequency response of an LED link: normalisation to the low-frequency plateau and
// the -3 dB bandwidth by interpolation on a measured curve (REFERENCE.md section 5).
//
// Magnitudes here are linear amplitude ratios |H| of the detected signal (VNA |S21| as a
// ratio, or photocurrent amplitude), which is proportional to the optical modulation
// amplitude. Two -3 dB conventions are in use for LEDs:
//   electrical: |H|^2 = 1/2 (20 log10|H| = -3.01 dB); one pole: f = 1/(2 pi tau)
//   optical:    |H|   = 1/2 (20 log10|H| = -6.02 dB); one pole: f = sqrt3/(2 pi tau)
// ledlab reports the electrical bandwidth (the usual figure in micro-LED papers, read
// straight off S21); the optical figure is available on request and always labelled.
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ledlab::analysis {

enum class Bandwidth3dB {
  electrical,  // |H|^2 = 1/2; what ledlab reports
  optical,     // |H| = 1/2
};

std::string_view to_string(Bandwidth3dB convention);

// Level of the crossing in dB of |H| (20 log10): -3.0103 electrical, -6.0206 optical.
double threshold_db(Bandwidth3dB convention);

// |H| from 20 log10|H| readings.
std::vector<double> magnitude_from_db(std::span<const double> level_db);

// Mean of the first `points` magnitudes: the low-frequency plateau the curve is
// normalised to. Fails for points == 0, too short a curve or a non-positive plateau.
Result<double> low_frequency_plateau(std::span<const double> magnitude, std::size_t points);

// 20 log10(|H| / plateau) for every point; fails on non-positive or non-finite data.
Result<std::vector<double>> normalised_level_db(std::span<const double> magnitude,
                                                std::size_t plateau_points);

struct F3dbOptions {
  Bandwidth3dB convention = Bandwidth3dB::electrical;
  std::size_t plateau_points = 3;  // plateau = mean |H| of the first k points
  // The level to normalise to instead of that mean (a fitted low-frequency level, which the
  // first points underestimate when they already roll off: see f3db_estimate.hpp).
  std::optional<double> plateau;
};

struct F3dbResult {
  double f3db_hz = 0.0;
  Bandwidth3dB convention = Bandwidth3dB::electrical;
  double plateau = 0.0;            // |H| the curve was normalised to
  std::size_t crossing_index = 0;  // first point at or below the threshold
};

// First crossing of the threshold, interpolated linearly in (log10 f, dB) between the
// two points around it. Frequencies must be positive and strictly increasing.
Result<F3dbResult> f3db_from_curve(std::span<const double> freq_hz, std::span<const double> magnitude,
                                   const F3dbOptions& options = {});

// |H(f)| of the single-pole LED response 1/(1 + j 2 pi f tau), times the electrical pole
// 1/(1 + j 2 pi f RC) when rc_s > 0.
double pole_magnitude(double f_hz, double tau_s, double rc_s = 0.0);

// The exact -3 dB frequency of that model under the given convention; for rc_s = 0,
// 1/(2 pi tau) electrical and sqrt3/(2 pi tau) optical.
double pole_f3db_hz(double tau_s, double rc_s, Bandwidth3dB convention);

}  // namespace ledlab::analysis
