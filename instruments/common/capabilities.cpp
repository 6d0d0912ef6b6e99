#include "instruments/common/capabilities.hpp"

#include <fmt/format.h>

#include <cmath>

namespace ledlab::instruments {

namespace {
std::string end(double v) { return std::isinf(v) ? std::string("?") : fmt::format("{:g}", v); }

nlohmann::json range_json(const std::optional<Range>& r) {
  if (!r) return nullptr;
  // JSON has no infinity (RFC 8259 section 6): an open end is null.
  return nlohmann::json::array({std::isfinite(r->lo) ? nlohmann::json(r->lo) : nlohmann::json(),
                                std::isfinite(r->hi) ? nlohmann::json(r->hi) : nlohmann::json()});
}
}  // namespace

std::string Range::describe(std::string_view unit) const {
  return fmt::format("[{}, {}]{}{}", end(lo), end(hi), unit.empty() ? "" : " ", unit);
}

nlohmann::json Capabilities::to_json() const {
  nlohmann::json j{{"kind", kind}, {"driver", driver}, {"channels", channels}, {"bulk_read", bulk_read}};
  if (kind == "bert") {
    j["gate_by_bits"] = gate_by_bits;
    j["gate_by_time"] = gate_by_time;
    j["amplitude"] = amplitude;
  }
  if (kind == "thermal_chamber") {
    j["dut_probe"] = dut_probe;
    j["at_temperature_flag"] = at_temperature_flag;
  }
  if (kind == "pattern_generator") j["current_mode"] = current_mode;
  if (kind == "optical_switch") {
    j["inputs"] = inputs;
    j["outputs"] = outputs;
  }
  if (setpoint_c) j["setpoint_c"] = range_json(setpoint_c);
  if (bit_rate_hz) j["bit_rate_hz"] = range_json(bit_rate_hz);
  if (max_current_a) j["max_current_a"] = *max_current_a;
  if (max_gate_time_s) j["max_gate_time_s"] = *max_gate_time_s;
  return j;
}

}  // namespace ledlab::instruments
