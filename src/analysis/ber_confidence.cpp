#include "analysis/ber_confidence.hpp"

#include <cmath>

#include <fmt/format.h>

#include "analysis/special_functions.hpp"

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

Result<double> poisson_upper_lambda(std::uint64_t errors, double cl) {
  if (auto ok = check_confidence(cl); !ok) return fail(ok.error());
  return 0.5 * chi_square_quantile(cl, 2.0 * static_cast<double>(errors) + 2.0);
}

Result<double> poisson_lower_lambda(std::uint64_t errors, double cl) {
  if (auto ok = check_confidence(cl); !ok) return fail(ok.error());
  if (errors == 0) return 0.0;
  return 0.5 * chi_square_quantile(1.0 - cl, 2.0 * static_cast<double>(errors));
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
