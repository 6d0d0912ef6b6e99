#pragma once
// Confidence bounds on a bit error ratio from a finite count (REFERENCE.md section 4).
//
// Errors in N bits are Poisson with mean lambda = N * BER. The one-sided upper bound at
// confidence CL with k observed errors is the lambda whose Poisson CDF at k is 1 - CL,
// which equals chi2_CL(2k+2)/2; so BER_up = chi2_CL(2k+2) / (2N). For k = 0 this is
// -ln(1 - CL)/N (2.996/N at 95 %). The one-sided lower bound is chi2_(1-CL)(2k)/(2N),
// zero when no errors were seen.
#include <cstdint>

#include "core/error.hpp"

namespace ledlab::analysis {

// The Poisson mean bound lambda_CL(k) = chi2_CL(2k+2)/2 tabulated in the literature
// (k = 0..3 at 95 %: 2.996, 4.744, 6.296, 7.754). cl in (0, 1).
Result<double> poisson_upper_lambda(std::uint64_t errors, double cl);

// One-sided lower lambda chi2_(1-CL)(2k)/2; 0 for k = 0.
Result<double> poisson_lower_lambda(std::uint64_t errors, double cl);

// BER_up = chi2_CL(2k+2)/(2N). Fails for bits == 0, errors > bits or cl outside (0, 1).
Result<double> ber_upper_bound(std::uint64_t errors, std::uint64_t bits, double cl);

// BER_lo = chi2_(1-CL)(2k)/(2N), one-sided at CL; 0 with no errors.
Result<double> ber_lower_bound(std::uint64_t errors, std::uint64_t bits, double cl);

struct BerEstimate {
  std::uint64_t errors = 0;
  std::uint64_t bits = 0;
  double confidence = 0.0;  // CL of both one-sided bounds
  double ber = 0.0;         // point estimate k/N
  double ber_lower = 0.0;   // one-sided lower bound at CL
  double ber_upper = 0.0;   // one-sided upper bound at CL
};

Result<BerEstimate> estimate_ber(std::uint64_t errors, std::uint64_t bits, double cl);

// Bits that must be received with at most `allowed_errors` errors to claim
// BER < target_ber at confidence cl: N = chi2_CL(2k+2) / (2 * target). With no errors
// allowed this is -ln(1 - CL)/target (3.0e12 bits for 1e-12 at 95 %). Fractional:
// round up before gating a BERT on it.
Result<double> bits_to_claim_ber(double target_ber, double cl, std::uint64_t allowed_errors = 0);

// Seconds to receive bits_to_claim_ber(...) bits at line_rate_bps on one lane; lanes
// running in parallel each still need this long (REFERENCE.md section 4).
Result<double> seconds_to_claim_ber(double target_ber, double cl, double line_rate_bps,
                                    std::uint64_t allowed_errors = 0);

}  // namespace ledlab::analysis
