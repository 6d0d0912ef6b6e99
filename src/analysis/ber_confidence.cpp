#include "analysis/ber_confidence.hpp"

#include <cmath>
#include <numbers>

#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <fmt/format.h>

namespace ledlab::analysis {
namespace {

Status check_confidence(double cl) {
  if (!(cl > 0.0 && cl < 1.0))
    return fail(Errc::invalid_argument, fmt::format("confidence level {} is not in (0, 1)", cl));
  return {};
}

Status check_counts(std::uint64_t errors, std::uint64_t bits) {
  if (bits == 0) return fail(Errc::invalid_argument, "no bits counted: BER is undefined");
  if (errors > bits)
    return fail(Errc::invalid_argument,
                fmt::format("{} errors in only {} bits: counters are inconsistent", errors, bits));
  return {};
}

}  // namespace

// chi2_p(2k)/2 is the inverse of the regularised incomplete gamma function with shape k:
// P(Poisson(lambda) <= k) = Q(k + 1, lambda) and P(Poisson(lambda) >= k) = P(k, lambda). Boost.Math
// inverts both to full precision; above 1e8 errors its series would need more terms than it
// allows, and the Wilson-Hilferty cube (Wilson and Hilferty, "The distribution of chi-square",
// PNAS 17, 684 (1931)), whose relative error falls as 1/dof, is exact to double precision
// there. A general chi-square quantile lost the bound entirely at 1e11 errors (the gate of a
// lane whose eye is closed).
namespace {

constexpr double kWilsonHilfertyFrom = 1e8;

// chi2_p(dof) / 2 for large dof.
double half_chi_square_wilson_hilferty(double p, double dof) {
  const double z = -std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * p);
  const double v = 2.0 / (9.0 * dof);
  const double cube = 1.0 - v + z * std::sqrt(v);
  return 0.5 * dof * cube * cube * cube;
}

}  // namespace

Result<double> poisson_upper_lambda(std::uint64_t errors, double cl) {
  if (auto ok = check_confidence(cl); !ok) return fail(ok.error());
  const double k = static_cast<double>(errors);
  if (k >= kWilsonHilfertyFrom) return half_chi_square_wilson_hilferty(cl, 2.0 * k + 2.0);
  return boost::math::gamma_q_inv(k + 1.0, 1.0 - cl);
}

Result<double> poisson_lower_lambda(std::uint64_t errors, double cl) {
  if (auto ok = check_confidence(cl); !ok) return fail(ok.error());
  if (errors == 0) return 0.0;
  const double k = static_cast<double>(errors);
  if (k >= kWilsonHilfertyFrom) return half_chi_square_wilson_hilferty(1.0 - cl, 2.0 * k);
  return boost::math::gamma_p_inv(k, 1.0 - cl);
}

Result<double> ber_upper_bound(std::uint64_t errors, std::uint64_t bits, double cl) {
  if (auto ok = check_counts(errors, bits); !ok) return fail(ok.error());
  auto lambda = poisson_upper_lambda(errors, cl);
  if (!lambda) return fail(lambda.error());
  return *lambda / static_cast<double>(bits);
}

Result<double> ber_lower_bound(std::uint64_t errors, std::uint64_t bits, double cl) {
  if (auto ok = check_counts(errors, bits); !ok) return fail(ok.error());
  auto lambda = poisson_lower_lambda(errors, cl);
  if (!lambda) return fail(lambda.error());
  return *lambda / static_cast<double>(bits);
}

Result<BerEstimate> estimate_ber(std::uint64_t errors, std::uint64_t bits, double cl) {
  auto upper = ber_upper_bound(errors, bits, cl);
  if (!upper) return fail(upper.error());
  auto lower = ber_lower_bound(errors, bits, cl);
  if (!lower) return fail(lower.error());
  BerEstimate e;
  e.errors = errors;
  e.bits = bits;
  e.confidence = cl;
  e.ber = static_cast<double>(errors) / static_cast<double>(bits);
  e.ber_lower = *lower;
  e.ber_upper = *upper;
  return e;
}

Result<double> bits_to_claim_ber(double target_ber, double cl, std::uint64_t allowed_errors) {
  if (!(target_ber > 0.0 && target_ber < 1.0))
    return fail(Errc::invalid_argument,
                fmt::format("target BER {} is not in (0, 1)", target_ber));
  auto lambda = poisson_upper_lambda(allowed_errors, cl);
  if (!lambda) return fail(lambda.error());
  return *lambda / target_ber;
}

Result<double> seconds_to_claim_ber(double target_ber, double cl, double line_rate_bps,
                                    std::uint64_t allowed_errors) {
  if (!(line_rate_bps > 0.0) || !std::isfinite(line_rate_bps))
    return fail(Errc::invalid_argument,
                fmt::format("line rate {} b/s is not a positive number", line_rate_bps));
  auto bits = bits_to_claim_ber(target_ber, cl, allowed_errors);
  if (!bits) return fail(bits.error());
  return *bits / line_rate_bps;
}

}  // namespace ledlab::analysis
