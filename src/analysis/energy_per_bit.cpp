#include "analysis/energy_per_bit.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ledlab::analysis {

std::string_view to_string(EnergyScope scope) {
  switch (scope) {
    case EnergyScope::led_only: return "LED drive only";
    case EnergyScope::driver_and_led: return "driver + LED";
    case EnergyScope::receiver_only: return "receiver only";
    case EnergyScope::whole_link: return "whole link";
  }
  return "unknown";
}

Result<EnergyPerBit> energy_per_bit(double power_w, double aggregate_bit_rate_bps, EnergyScope scope,
                                    std::string counted) {
  if (!(power_w >= 0.0) || !std::isfinite(power_w))
    return fail(Errc::invalid_argument, fmt::format("power {} W is not a non-negative number", power_w));
  if (!(aggregate_bit_rate_bps > 0.0) || !std::isfinite(aggregate_bit_rate_bps))
    return fail(Errc::invalid_argument,
                fmt::format("bit rate {} b/s is not positive", aggregate_bit_rate_bps));
  EnergyPerBit e;
  e.energy_pj_per_bit = power_w / aggregate_bit_rate_bps * 1e12;
  e.power_w = power_w;
  e.bit_rate_bps = aggregate_bit_rate_bps;
  e.scope = scope;
  e.counted = counted.empty() ? std::string(to_string(scope)) : std::move(counted);
  return e;
}

Result<EnergyPerBit> energy_per_bit(double power_w, std::uint32_t lanes, double lane_rate_bps,
                                    EnergyScope scope, std::string counted) {
  if (lanes == 0) return fail(Errc::invalid_argument, "no lanes: bit rate is zero");
  return energy_per_bit(power_w, static_cast<double>(lanes) * lane_rate_bps, scope, std::move(counted));
}

}  // namespace ledlab::analysis
