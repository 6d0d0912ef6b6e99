#pragma once
// The optical link of one lane, emitter to decision: received eye, noise, inter-symbol
// interference and the resulting Q and BER (REFERENCE.md 4). Pure functions.
#include "instruments/sim/bench_config.hpp"

namespace ledlab::sim {

// BER = 0.5 erfc(Q / sqrt2) for Gaussian noise on both rails.
double ber_from_q(double q);
// The inverse, for reports and tests; q_from_ber(1e-12) ~ 7.03.
double q_from_ber(double ber);

// Fraction of the eye left open by a single-pole equivalent of the lane's response: a lone bit
// after a long run reaches 1 - exp(-T_b / tau) of the swing, on either rail, so the inner eye
// is 1 - 2 exp(-T_b / tau) with tau = 1 / (2 pi f3dB). Zero when the eye is closed.
double isi_eye_fraction(double f3db_hz, double bit_rate_hz);

// Eye lost to baseline wander of an AC-coupled receiver over the longest run of identical bits
// a PRBS of this order contains (order bits): run x T_b x 2 pi f_low.
double baseline_wander_fraction(int prbs_order, double bit_rate_hz, double low_cutoff_hz);

struct LinkInput {
  double power_one_w = 0;   // emitted light on a one, after temperature and ageing
  double power_zero_w = 0;  // on a zero
  double f3db_hz = 0;
  double bit_rate_hz = 0;
  int prbs_order = 31;
};

struct LinkResult {
  double received_average_w = 0;
  double received_oma_w = 0;  // optical modulation amplitude at the photodiode, before ISI
  double eye_fraction = 0;    // ISI and baseline wander together
  double q = 0;
  double ber = 0.5;
};

LinkResult evaluate_link(const LinkInput& in, const LinkConfig& config);

}  // namespace ledlab::sim
