#pragma once
// Arrhenius temperature acceleration (REFERENCE.md section 6): alpha(T) = A exp(-Ea/kT),
// AF = exp((Ea/k)(1/T_use - 1/T_stress)). Temperatures are in degrees C at the API and
// converted to kelvin inside. TM-21 allows alpha between the test temperatures only, so
// any other temperature is answered but flagged as an extrapolation.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ledlab::analysis {

// Boltzmann constant as the lab's references use it (CODATA: 8.617333e-5 eV/K).
inline constexpr double boltzmann_ev_per_k = 8.617e-5;

double kelvin_from_celsius(double temperature_c);

// AF of stress over use; > 1 when the stress is hotter. 6.9 for Ea 0.65 eV, 85 vs 55 C.
// Fails for temperatures at or below absolute zero or a negative Ea.
Result<double> acceleration_factor(double ea_ev, double use_temperature_c, double stress_temperature_c);

struct StressPoint {
  double temperature_c = 0.0;
  double alpha_per_h = 0.0;  // decay constant measured at that temperature
};

struct ArrheniusFit {
  double ea_ev = 0.0;            // activation energy: minus the slope of ln alpha vs 1/kT
  double prefactor_per_h = 0.0;  // A
  double min_temperature_c = 0.0;
  double max_temperature_c = 0.0;
  double rms_residual_ln = 0.0;  // NaN with two points: a line through two points has no residual
  std::size_t points = 0;
  // Ea's standard error, sqrt(SSR / (n - 2) / Sxx) with x = 1/kT, and its two-sided Student t
  // interval with n - 2 degrees of freedom at `confidence`. NaN / empty with two points.
  double confidence = 0.95;
  double ea_se_ev = 0.0;
  std::optional<double> ea_lo_ev, ea_hi_ev;
  std::vector<std::string> warnings;  // e.g. two points only: no residual, no interval
};

// Least squares of ln alpha against 1/(kT). Needs two or more points at two or more
// distinct temperatures, every alpha > 0, and a confidence in (0, 1).
Result<ArrheniusFit> fit_arrhenius(std::span<const StressPoint> points, double confidence = 0.95);

// AF of a stress temperature over a use temperature from a fit, with the interval its Ea
// interval gives (AF is monotonic in Ea; empty bounds when the fit has no interval).
struct AccelerationInterval {
  double af = 1.0;
  std::optional<double> lo, hi;
};
Result<AccelerationInterval> acceleration_interval(const ArrheniusFit& fit, double use_temperature_c,
                                                   double stress_temperature_c);

struct AlphaAtTemperature {
  double alpha_per_h = 0.0;
  bool extrapolated = false;  // outside [min, max] test temperature: not TM-21 compliant
};

Result<AlphaAtTemperature> alpha_at_temperature(const ArrheniusFit& fit, double temperature_c);

}  // namespace ledlab::analysis
