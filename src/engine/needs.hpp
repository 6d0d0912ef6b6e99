#pragma once
// What a sequence needs of the station, declared in the script after params{}:
//
//   needs {
//     bert    = { gate = "bits", fallback = "time", lanes = "all", bit_rate_hz = p.bit_rate_hz },
//     chamber = { dut_probe = true, fallback = "air", range_c = p.temps },
//     opm     = { lanes = "all" },
//     pg      = { current_a = p.bias_a + p.modulation_a / 2 },
//     smu     = "optional",
//   }
//
// Keys of a role (every one optional; a role given as `true` needs the instrument only):
//   kind        the instrument kind the role must be ("bert", ...); default from the role name
//               (bert, opm = power_meter, chamber = thermal_chamber, pg = pattern_generator, smu)
//   optional    true: the script copes without it (`if smu then ... end`); "optional" alone
//               says the same
//   lanes       "all" (every lane of the socket's DUT) or a number of lanes
//   gate        "bits" or "time": what must be able to end a BERT gate
//   dut_probe   true: the DUT's own temperature must be readable
//   fallback    what the run may do instead when the driver lacks the capability:
//               "time" (gate = "bits": gate for bits / bit rate seconds),
//               "air" (dut_probe: chamber air as the DUT temperature)
//   range_c     the chamber setpoints the sequence will send: a number, a list (their min and
//               max count; { lo, hi } is such a list) or { lo = .., hi = .. }
//   bit_rate_hz the BERT line rates the sequence will set, in the same forms
//   current_a   the largest drive current per lane the sequence will set
//   amplitude   true: the BERT must read the received modulation amplitude
#include "core/error.hpp"
#include "instruments/common/capabilities.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

// needs{ lanes = "all" }
inline constexpr int kAllLanes = -1;

struct RoleNeed {
  std::string role;
  std::string kind;  // required instrument kind; empty: any
  bool optional = false;
  std::optional<int> lanes;  // kAllLanes or a count
  std::string gate;          // "bits", "time" or empty
  bool dut_probe = false;
  std::string fallback;      // "time", "air" or empty
  std::optional<instruments::Range> range_c;
  std::optional<instruments::Range> bit_rate_hz;
  std::optional<double> current_a;
  bool amplitude = false;
};

struct SequenceNeeds {
  bool declared = false;  // the script calls needs{}
  std::vector<RoleNeed> roles;  // sorted by role name

  const RoleNeed* find(std::string_view role) const;
  nlohmann::json to_json() const;
};

// The kind a role name stands for in the shipped sequences ("opm" -> "power_meter"), or empty.
std::string_view default_kind(std::string_view role);

// Parses the table given to needs{} (as JSON). Errors name the role and the key:
// "needs{}: bert.gate: 'bit' is not one of bits, time".
Result<SequenceNeeds> parse_needs(const nlohmann::json& table);

}  // namespace ledlab::engine
