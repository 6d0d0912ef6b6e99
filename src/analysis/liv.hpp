#pragma once
// Light-current-voltage analysis of one emitter: external quantum efficiency against current
// density, the droop peak (the current density of maximum EQE), wall-plug efficiency, and the
// series resistance from the top of the V-I curve.
//
// EQE = (P / h nu) / (I / q) = P / (I x E_photon[eV]): photons out per electron in. With the
// power a meter collects it is the collected EQE (the meter's extraction included).
#include "core/error.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace ledlab::analysis {

// h c / lambda in eV (CODATA 2018: h c = 1239.841984 eV nm).
double photon_energy_ev(double wavelength_nm);
// Area of a circular emitter of `diameter_um`, in cm^2.
double emitter_area_cm2(double diameter_um);
// EQE at one point; 0 where the current is not positive.
double external_quantum_efficiency(double power_w, double current_a, double wavelength_nm);

struct LivResult {
  std::vector<double> current_density_a_per_cm2;  // I / area
  std::vector<double> eqe;                        // per point
  std::vector<double> wall_plug_efficiency;       // P / (I V); 0 where I V <= 0
  double peak_eqe = 0;
  // The droop peak: where EQE is largest, refined by a parabola through the largest point and
  // its neighbours in ln J (the sweep is logarithmic).
  double peak_current_density_a_per_cm2 = 0;
  double peak_current_a = 0;
  std::size_t peak_index = 0;
  // The largest EQE is at the first or last point: the sweep does not bracket the peak, and
  // the figures above are a bound, not the peak.
  bool peak_at_edge = false;
  // 1 - EQE(highest current) / peak: how much the efficiency has drooped at the top.
  double droop_at_max_current = 0;
  // dV/dI over the top quarter of the sweep (least squares); 0 with fewer than 2 points there.
  double series_resistance_ohm = 0;
};

// Points with current > 0, in increasing current. Fails on lists of different lengths, fewer
// than 3 points, a non-finite value, a current not above the previous one, or area or
// wavelength not > 0. Voltages may be empty (no wall-plug efficiency or R_s).
Result<LivResult> analyse_liv(std::span<const double> current_a, std::span<const double> voltage_v,
                              std::span<const double> power_w, double area_cm2, double wavelength_nm);

}  // namespace ledlab::analysis
