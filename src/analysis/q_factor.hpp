#pragma once
// Q factor and BER for a two-level signal with Gaussian noise (REFERENCE.md section 4):
// BER = 0.5 erfc(Q / sqrt 2), Q = (mu1 - mu0) / (sigma1 + sigma0).
// Published checks: Q 6 -> 9.9e-10, 7.03 -> 1e-12, 7.94 -> 1e-15, 3.49 -> 2.4e-4.
#include "core/error.hpp"

namespace ledlab::analysis {

// BER for a Q factor; defined for every real Q (Q < 0 gives BER > 0.5).
double ber_from_q(double q);

// The Q that gives `ber`, accurate to ~1e-12 relative over 1e-2..1e-18 and beyond;
// ber must be in (0, 1). Solved on the BER curve itself (bracketed Newton on ln BER),
// so ber_from_q(q_from_ber(b)) == b to rounding.
Result<double> q_from_ber(double ber);

// Q from eye statistics of the one and zero levels; fails if the eye is closed
// (mu1 <= mu0) or the noise is not positive.
Result<double> q_from_levels(double mu1, double mu0, double sigma1, double sigma0);

}  // namespace ledlab::analysis
