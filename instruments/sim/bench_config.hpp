#pragma once
// Every parameter of the simulated bench, with its unit and a default that puts the model where
// the lab's arrays are (REFERENCE.md sections 5-7). Values marked UNVERIFIED there are
// parameters here, never constants in the code.
#include <cstdint>

namespace ledlab::sim {

// The emitters: ABC recombination (cm units, as the literature quotes them), geometry, the
// electrical pole and the spreads from lane to lane. With the defaults a lane has an IQE peak
// near 0.39 that droops by ~60 % at 10 kA/cm2, f3dB (at a 25 C junction) ~320 MHz at 1 mA,
// ~870 MHz at 5 mA and ~1.5 GHz at 15 mA, and emits ~60-100 uW at 5 mA.
struct ArrayConfig {
  int rows = 20;
  int cols = 20;
  double a_per_s = 3e7;           // SRH coefficient A; high in micro-LEDs (sidewalls)
  double b_cm3_per_s = 1e-11;     // radiative coefficient B
  double c_cm6_per_s = 2e-30;     // Auger coefficient C; sets efficiency droop
  double diameter_um = 8.0;       // emitter diameter: current density J = I / area
  double active_thickness_nm = 10.0;  // effective recombination thickness d in J/(q d)
  double rc_s = 50e-12;           // electrical pole (driver + pad + junction), 3.2 GHz
  double extraction = 0.05;       // fraction of internal photons the power meter collects
  double wavelength_nm = 450.0;   // photon energy h c / lambda, 2.76 eV at 450 nm

  // Lognormal lane-to-lane spread: sigma of ln(x) around the values above.
  double a_spread_ln = 0.25;      // defect density varies most
  double b_spread_ln = 0.05;
  double c_spread_ln = 0.05;
  double rc_spread_ln = 0.10;
  double extraction_spread_ln = 0.10;

  double dead_probability = 0.005;  // no light at all (transfer yield, REFERENCE.md 5)
  double weak_probability = 0.01;   // emits a fraction of the normal power
  double weak_power_min = 0.35;     // weak lanes' power fraction is uniform in [min, max]
  double weak_power_max = 0.60;

  // Temperature of the recombination coefficients at the junction, X(T) = X(25 C) (T / 298.15 K)^n
  // (UNVERIFIED power laws; the signs are the literature's): SRH A rises with temperature
  // (thermally activated capture at point defects and etched sidewalls), radiative B falls (the
  // carriers spread over more states: B ~ T^-3/2 in bulk, ~T^-1 in a quantum well; Schubert,
  // "Light-Emitting Diodes", 2nd ed., ch. 2) and Auger C changes little (Hader, Moloney and Koch,
  // "Temperature-dependence of the internal efficiency droop in GaN-based diodes", Appl. Phys.
  // Lett. 99, 181127 (2011), for phonon-assisted Auger rising with temperature). They set the
  // differential carrier lifetime and so f3dB: with the defaults the median f3dB rises from
  // ~870 MHz at a 25 C junction to ~930 MHz at 105 C at 5 mA (~320 to ~340 MHz at 1 mA), where
  // the lifetime is set mostly by A and C. The light output keeps its own measured droop below,
  // so the two can be set apart.
  double a_temperature_exponent = 2.0;
  double b_temperature_exponent = -1.5;
  double c_temperature_exponent = 1.0;

  // Thermal droop: fraction of the 25 C output that remains at an 85 C junction (UNVERIFIED,
  // 0.88-0.92); applied as exp(ln(f) (T - 25) / 60), i.e. a constant relative slope.
  double fraction_of_25c_output_at_85c = 0.90;

  // Self-heating: junction = DUT case + thermal resistance x electrical power of the array, the
  // power from each lane's diode (DiodeConfig below) at that junction.
  double array_thermal_resistance_c_per_w = 1.0;
};

// Receiver at the far end of each lane (what the BERT's front end sees). With the defaults, at
// 5 mA bias, 4 mA modulation and 2 Gb/s the median lane's Q is ~8.8 at a 25 C case (BER ~1e-18)
// and ~7.9 at 105 C (BER ~1e-15), and the lanes' spread puts ~5 % of them above 3e-13 (errors
// in a 3e12-bit gate) at 25 C and ~25 % at 105 C; at 3 Gb/s ISI and the wider noise bandwidth
// bring the median lane to ~1e-8.
struct LinkConfig {
  double coupling = 0.2;                     // emitted power reaching the photodiode (-7 dB)
  double responsivity_a_per_w = 0.25;        // Si photodiode at 450 nm
  double noise_a_per_sqrt_hz = 3.3e-12;      // input-referred TIA noise current density
  double noise_bandwidth_per_bit_rate = 0.75;// receiver noise bandwidth / bit rate
  double low_cutoff_hz = 100e3;              // AC coupling: long runs of a PRBS droop the eye
  // Reference conditions for the truth file's Q and BER.
  double reference_bit_rate_hz = 2e9;
  double reference_bias_a = 5e-3;
  double reference_modulation_a = 4e-3;      // peak to peak: levels at bias -/+ half of it
};

// Thermal chamber (ThermoStream-like air stream) and the DUT in it.
struct ChamberConfig {
  double ambient_c = 23.0;                // where the air drifts with the air flow off
  double initial_c = 25.0;                // air, DUT and setpoint at t = 0
  double min_setpoint_c = -80.0;
  double max_setpoint_c = 225.0;
  double max_ramp_c_per_min = 30.0;       // hardware limit; a ramp of 0 means "as fast as it can"
  // Closed loop: second order with natural time constant 1/omega and the step overshoot below.
  double time_constant_s = 30.0;
  double overshoot_fraction = 0.05;       // of a step; 0 gives a critically damped approach
  double passive_time_constant_s = 900.0; // air flow off or alarm: first order to ambient
  double dut_time_constant_s = 120.0;     // DUT case follows the air through the fixture
  double sensor_noise_c = 0.05;           // sigma of each air temperature reading
  double window_c = 0.5;                  // +- band for the "in window" flag (TECR soak)
  double over_temperature_limit_c = 130.0;// independent limit; trips a latched alarm
  double max_substep_s = 5.0;             // integration step bound during transients
};

// Power decay under stress, P(t)/P0 = exp(-alpha t), TM-21 style (REFERENCE.md 6).
struct AgeingConfig {
  double alpha_ref_per_h = 1e-5;     // median decay rate at the reference stress below
  double alpha_spread_ln = 0.30;     // lognormal spread of alpha from lane to lane
  double weak_alpha_factor = 3.0;    // weak lanes carry defects and age faster
  double activation_energy_ev = 0.65;// Arrhenius Ea (GaN LED lumen decay)
  double reference_junction_c = 85.0;
  double reference_current_a = 5e-3;
  double current_exponent = 2.0;     // alpha ~ (I / I_ref)^n
  // Early failures: a lane is prone with this probability; its failure comes after an
  // exponentially distributed stress time (hours at reference stress) and leaves a fraction
  // of its power, uniform in [min, max].
  double early_failure_probability = 0.01;
  double early_failure_mean_h = 500.0;
  double failure_remaining_min = 0.2;
  double failure_remaining_max = 0.5;
};

// Optical power meter reading noise: sigma = sqrt((relative P)^2 + absolute^2).
struct MeterConfig {
  double relative_noise = 1e-3;
  double absolute_noise_w = 1e-9;
};

// Electrical I-V of each lane (diode_model.hpp): Shockley diode with ideality n, series
// resistance R_s and a shunt R_sh for reverse leakage. The bench's one electrical model: the SMU
// twin reads it, the array's self-heating and the energy-per-bit truth are its I x V(I, T_j).
// The light at a current comes from the ABC model above, so L-I-V is one model. Defaults give V_f about
// 2.75 V at 1 mA, 3.3 V at 5 mA and dV_f/dT about -2 mV/C at fixed current (REFERENCE.md 5).
struct DiodeConfig {
  double ideality = 2.0;                   // n in I = I0 (exp(V_j / (n kT/q)) - 1)
  double junction_voltage_at_1ma_v = 2.65; // V_j (without R_s) at 1 mA and 25 C: sets I0(25 C)
  // I0(T) = I0(25 C) (T / T25)^3 exp(-(E_g / (n k)) (1/T - 1/T25)). An effective gap, not the
  // optical one: it sets dV_f/dT (UNVERIFIED, chosen for the -2 mV/C of REFERENCE.md 5).
  double bandgap_ev = 3.05;
  double series_resistance_ohm = 100.0;    // R_s at a 25 C junction
  // Relative change of R_s per C: p-GaN conducts better warm (UNVERIFIED, a parameter).
  double series_resistance_per_c = -2e-3;
  double shunt_resistance_ohm = 1e9;       // leakage at reverse bias: -5 V gives ~5 nA
  // Lognormal lane-to-lane spread (sigma of ln x).
  double saturation_current_spread_ln = 0.3;
  double series_resistance_spread_ln = 0.1;
  double shunt_resistance_spread_ln = 0.5;
  // The SMU's reading noise (sigma of each reading): an offset on the voltage and a relative
  // error on the current, of the order of a 2400-class SMU's 1 mA / 20 V ranges.
  double voltage_noise_v = 300e-6;
  double current_noise_relative = 1e-4;
};

// What the BERT's receiver reports of a lane's modulation amplitude (FETCh:SENSe:AMPLitude): the
// received amplitude times (1 + relative noise), plus an additive receiver noise in quadrature
// (a detected magnitude is Rician, sqrt((A + n1)^2 + n2^2), so it never reads below zero).
// Every reading draws afresh, so a frequency sweep carries independent errors per point.
struct BertConfig {
  double amplitude_relative_noise = 0.01;    // sigma, fraction of the amplitude
  double amplitude_absolute_noise_w = 1e-11; // sigma of each quadrature, optical W at the receiver
};

struct BenchConfig {
  std::uint64_t seed = 1;
  // Arrays of `array` in the one chamber (a station's DUT sockets). DUT d holds lanes
  // d*L .. d*L+L-1 of the bench (L = rows x cols), each with its own draws from the seed, its
  // own drive and its own self-heating; DUT 0 is the array a one-DUT bench has.
  int duts = 1;
  ArrayConfig array;
  LinkConfig link;
  ChamberConfig chamber;
  AgeingConfig ageing;
  MeterConfig meter;
  DiodeConfig diode;
  BertConfig bert;
};

}  // namespace ledlab::sim
