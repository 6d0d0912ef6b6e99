#pragma once
// What a driver declares it can do on the instrument it is attached to: how many channels
// (lanes) it has, the optional features of its kind the model's dialect implements, and the
// ranges the station's limits and the model's hardware allow together. The engine's
// pre-flight check (src/engine/preflight.hpp) compares these with what a sequence needs
// before anything is switched on. Valid after attach(): channel counts come from the
// instrument where the model reports them.
#include <nlohmann/json.hpp>

#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::instruments {

// A closed interval; an open end is an infinity (no limit on that side).
struct Range {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();

  // Negated comparisons: a NaN is never inside.
  bool contains(double v) const { return !(v < lo) && !(v > hi) && v == v; }
  bool contains(const Range& r) const { return contains(r.lo) && contains(r.hi); }
  std::string describe(std::string_view unit) const;  // "[-40, 125] C", "[?, 4e+09] Hz"
};

struct Capabilities {
  std::string kind;    // "bert", "power_meter", "thermal_chamber", "pattern_generator", "smu"
  std::string driver;  // the dialect: "n4903b"
  // Channels (BERT lanes, meter or SMU channels) the instrument has; 0 for instruments that
  // serve a DUT as a whole (a chamber, a pattern generator driving every emitter at once).
  int channels = 0;
  // Every channel in one transfer (a block read of all lanes), not one query per channel.
  bool bulk_read = false;

  // BERT: what can end a gate.
  bool gate_by_bits = false;
  bool gate_by_time = false;
  bool amplitude = false;  // received modulation amplitude per lane

  // Thermal chamber: a probe on the DUT itself (else only the chamber air is read).
  bool dut_probe = false;
  bool at_temperature_flag = false;  // the model reports "at temperature after soak" itself

  // Pattern generator: drive currents set as currents (else voltages over a series resistance).
  bool current_mode = false;

  // Optical switch: inputs (one per lane it can route) and outputs (wired to instruments).
  int inputs = 0;
  int outputs = 0;

  // Ranges: station limits within the model's hardware range.
  std::optional<Range> setpoint_c;    // chamber setpoints
  std::optional<Range> bit_rate_hz;   // BERT line rate
  std::optional<double> max_current_a;  // drive or source current per lane
  std::optional<double> max_gate_time_s;

  nlohmann::json to_json() const;
};

}  // namespace ledlab::instruments
