#pragma once
// One emitter in closed form: the ABC recombination model, its differential carrier lifetime,
// the two-pole frequency response and the light output (REFERENCE.md 5). Pure functions of the
// lane's parameters, so the closed-form tests check exactly what the bench uses.
namespace ledlab::sim {

struct LaneParams {
  double a_per_s = 0;             // SRH
  double b_cm3_per_s = 0;         // radiative
  double c_cm6_per_s = 0;         // Auger
  double area_cm2 = 0;
  double active_thickness_cm = 0;
  double rc_s = 0;                // electrical pole
  double extraction = 0;          // photons out / photons generated, into the meter
  double photon_energy_ev = 0;
};

// The lane's coefficients at a junction temperature: A, B and C scaled by
// (T / 298.15 K)^exponent (ArrayConfig's temperature laws); everything else unchanged.
LaneParams at_junction_temperature(const LaneParams& p25, double junction_c, double a_exponent, double b_exponent,
                                   double c_exponent);

// Steady-state carrier density n (cm^-3) where A n + B n^2 + C n^3 = J / (q d).
double carrier_density_cm3(const LaneParams& p, double current_a);

// IQE = B n^2 / (A n + B n^2 + C n^3).
double internal_quantum_efficiency(const LaneParams& p, double n_cm3);

// Differential lifetime tau = 1 / (A + 2 B n + 3 C n^2): the small-signal carrier pole.
double differential_lifetime_s(const LaneParams& p, double n_cm3);

// Light at a 25 C junction, unaged: P = extraction x IQE x (h nu / q) x I.
double optical_power_25c_w(const LaneParams& p, double current_a);

// |H(f)| of 1 / ((1 + j 2 pi f tau)(1 + j 2 pi f rc)).
double response_magnitude(double tau_s, double rc_s, double frequency_hz);

// Frequency where |H|^2 = 1 / power_ratio, solved in closed form:
// tau^2 rc^2 x^2 + (tau^2 + rc^2) x + 1 - power_ratio = 0 with x = (2 pi f)^2.
double frequency_at_power_ratio_hz(double tau_s, double rc_s, double power_ratio);

// Electrical -3 dB: |H|^2 = 1/2 (|H| = 1/sqrt2, -3 dB on a network analyser's S21 through a
// photodiode). This is the lane's f3db_hz everywhere in ledlab. Single pole: 1 / (2 pi tau).
double f3db_hz(double tau_s, double rc_s);
// Optical -3 dB: |H| = 1/2. Single pole: sqrt3 / (2 pi tau).
double f3db_optical_hz(double tau_s, double rc_s);

// Thermal droop: output relative to a 25 C junction, exp(ln(f85) (T - 25) / 60).
double thermal_droop_factor(double junction_c, double fraction_at_85c);

}  // namespace ledlab::sim
