#pragma once
// Energy per bit = electrical power / aggregate bit rate (REFERENCE.md section 5). A
// pJ/bit figure means nothing without what was counted: transmitter-only figures
// (0.1-0.5 pJ/bit) and whole-link figures (1-2 pJ/bit) differ by an order of magnitude,
// so the scope travels with the number.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ledlab::analysis {

enum class EnergyScope {
  led_only,           // electrical power into the LEDs alone (I x Vf)
  driver_and_led,     // LED drivers and LEDs: the transmitter
  receiver_only,      // photodiodes, TIAs and limiting amplifiers
  whole_link,         // transmitter + receiver (+ SerDes if noted)
};

std::string_view to_string(EnergyScope scope);

struct EnergyPerBit {
  double energy_pj_per_bit = 0.0;
  double power_w = 0.0;
  double bit_rate_bps = 0.0;  // aggregate over all lanes counted
  EnergyScope scope = EnergyScope::led_only;
  std::string counted;        // free text: what the power measurement includes
};

// Fails for non-positive bit rate or negative / non-finite power.
Result<EnergyPerBit> energy_per_bit(double power_w, double aggregate_bit_rate_bps, EnergyScope scope,
                                    std::string counted = {});

// Aggregate rate of `lanes` lanes each at lane_rate_bps.
Result<EnergyPerBit> energy_per_bit(double power_w, std::uint32_t lanes, double lane_rate_bps,
                                    EnergyScope scope, std::string counted = {});

// Energy per bit measured at the operating point: V x I of every driven lane as a
// source-measure unit reads it, plus the driver's power per lane where the station declares
// one (scope driver_and_led; led_only without), over the aggregate rate of every driven lane.
// A lane is driven when its current is > 0; driven lanes count whether their BER passes or
// not, since they draw the power all the same.
struct MeasuredEnergyPerBit {
  EnergyPerBit energy;          // power of the driven lanes / (driven lanes x lane rate)
  // The same power over the rate of the lanes that meet the BER limit only: the cost of each
  // good bit. Infinite with no good lane.
  double pj_per_good_bit = 0;
  std::size_t driven_lanes = 0;
  std::size_t good_lanes = 0;
  double led_power_w = 0;
  double driver_power_w = 0;
};

// Fails on lists of different lengths, a non-finite reading, no driven lane, a lane rate not
// > 0, a driver power < 0 or more good lanes than driven ones.
Result<MeasuredEnergyPerBit> measured_energy_per_bit(std::span<const double> voltage_v, std::span<const double> current_a,
                                                     double lane_rate_bps, double driver_power_per_lane_w,
                                                     std::size_t good_lanes);

}  // namespace ledlab::analysis
