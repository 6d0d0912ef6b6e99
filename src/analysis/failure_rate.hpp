#pragma once
// Failure rate in FIT (failures per 1e9 device-hours) from an accelerated life test,
// at a one-sided confidence level (REFERENCE.md section 6):
//   FIT = chi2_CL(2f + 2) / (2 N t AF) x 1e9
// with f failures among N devices each tested t hours, AF the acceleration factor of
// the test over use conditions (1 for a test at use conditions).
#include <cstdint>

#include "core/error.hpp"

namespace ledlab::analysis {

Result<double> failure_rate_fit(std::uint64_t failures, std::uint64_t devices, double test_h,
                                double acceleration_factor, double cl);

}  // namespace ledlab::analysis
