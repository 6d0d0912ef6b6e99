#include "analysis/energy_per_bit.hpp"

#include <cmath>
#include <limits>

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

Result<MeasuredEnergyPerBit> measured_energy_per_bit(std::span<const double> voltage_v, std::span<const double> current_a,
                                                     double lane_rate_bps, double driver_power_per_lane_w,
                                                     std::size_t good_lanes) {
  if (voltage_v.size() != current_a.size())
    return fail(Errc::invalid_argument,
                fmt::format("{} voltages and {} currents: one of each per lane", voltage_v.size(), current_a.size()));
  if (!(driver_power_per_lane_w >= 0) || !std::isfinite(driver_power_per_lane_w))
    return fail(Errc::invalid_argument, fmt::format("driver power {} W per lane is not a number >= 0", driver_power_per_lane_w));
  MeasuredEnergyPerBit m;
  for (std::size_t i = 0; i < voltage_v.size(); ++i) {
    if (!std::isfinite(voltage_v[i]) || !std::isfinite(current_a[i]))
      return fail(Errc::invalid_argument,
                  fmt::format("lane {}: reading {} V, {} A is not a finite number", i + 1, voltage_v[i], current_a[i]));
    if (!(current_a[i] > 0)) continue;
    ++m.driven_lanes;
    m.led_power_w += voltage_v[i] * current_a[i];
  }
  if (m.driven_lanes == 0) return fail(Errc::invalid_argument, "no driven lane (no current > 0): nothing to count");
  if (good_lanes > m.driven_lanes)
    return fail(Errc::invalid_argument, fmt::format("{} good lanes but only {} driven", good_lanes, m.driven_lanes));
  m.good_lanes = good_lanes;
  m.driver_power_w = driver_power_per_lane_w * static_cast<double>(m.driven_lanes);
  const bool with_driver = driver_power_per_lane_w > 0;
  const std::string counted =
      with_driver ? fmt::format("V x I of the {} driven lanes measured by the SMU ({:.4g} W) plus the declared driver "
                                "power {:.4g} W per lane ({:.4g} W); no receiver or SerDes",
                                m.driven_lanes, m.led_power_w, driver_power_per_lane_w, m.driver_power_w)
                  : fmt::format("V x I of the {} driven lanes measured by the SMU ({:.4g} W), failing lanes included; "
                                "no driver, receiver or SerDes",
                                m.driven_lanes, m.led_power_w);
  auto e = energy_per_bit(m.led_power_w + m.driver_power_w, static_cast<std::uint32_t>(m.driven_lanes), lane_rate_bps,
                          with_driver ? EnergyScope::driver_and_led : EnergyScope::led_only, counted);
  if (!e) return fail(e.error());
  m.energy = *e;
  m.pj_per_good_bit = good_lanes > 0 ? e->power_w / (static_cast<double>(good_lanes) * lane_rate_bps) * 1e12
                                     : std::numeric_limits<double>::infinity();
  return m;
}

}  // namespace ledlab::analysis
