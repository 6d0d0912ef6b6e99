#pragma once
// Energy per bit = electrical power / aggregate bit rate (REFERENCE.md section 5). A
// pJ/bit figure means nothing without what was counted: transmitter-only figures
// (0.1-0.5 pJ/bit) and whole-link figures (1-2 pJ/bit) differ by an order of magnitude,
// so the scope travels with the number.
#include <cstdint>
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

}  // namespace ledlab::analysis
