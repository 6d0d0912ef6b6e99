#include "analysis/failure_rate.hpp"

#include <cmath>

#include <fmt/format.h>

#include "analysis/ber_confidence.hpp"

namespace ledlab::analysis {

Result<double> failure_rate_fit(std::uint64_t failures, std::uint64_t devices, double test_h,
                                double acceleration_factor, double cl) {
  if (devices == 0) return fail(Errc::invalid_argument, "no devices tested");
  if (!(test_h > 0.0) || !std::isfinite(test_h))
    return fail(Errc::invalid_argument, fmt::format("test time {} h is not positive", test_h));
  if (!(acceleration_factor > 0.0) || !std::isfinite(acceleration_factor))
    return fail(Errc::invalid_argument,
                fmt::format("acceleration factor {} is not positive", acceleration_factor));
  // chi2_CL(2f+2)/2 is the same Poisson upper bound on the expected count as for BER.
  auto lambda = poisson_upper_lambda(failures, cl);
  if (!lambda) return fail(lambda.error());
  const double device_hours = static_cast<double>(devices) * test_h * acceleration_factor;
  return *lambda / device_hours * 1e9;
}

}  // namespace ledlab::analysis
