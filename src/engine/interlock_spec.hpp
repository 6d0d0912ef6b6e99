#pragma once
// What an interlock is, as a station file ([interlocks.<name>]) or a script (interlock{...})
// declares it. The monitor that watches them is engine/run/interlocks.hpp.
#include "core/error.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace ledlab::engine {

struct InterlockSpec {
  std::string name;        // unique within the run, e.g. "chamber_band"
  std::string kind;        // chamber_band | over_temperature
  std::string instrument;  // the station's chamber
  std::string action;      // suspend | abort; empty: the kind's default (band: suspend, over-temp: abort)
  double band_c = 2.0;     // chamber_band: allowed |air - setpoint|
  double soak_s = 60.0;    // chamber_band: seconds back in band before the run resumes
  std::optional<double> max_c;  // over_temperature: trip above this air temperature
  double poll_s = 10.0;    // simulated seconds between two looks (at least 50 ms of wall time)
  std::string where;       // where it was declared, for messages: "sim.toml:42", "script"

  std::string effective_action() const;
};

// Errors that mean the link (not the instrument) failed: recover the link and repeat.
bool is_link_error(Errc code);

// Ranges of an interlock's numbers (README "Station files"); max_c is -273.15 .. 1000 C.
inline constexpr double kMaxBandC = 100;     // band_c: > 0 and <= this
inline constexpr double kMaxSoakS = 1e7;     // soak_s: 0 .. this
inline constexpr double kMaxPollS = 86400;   // poll_s: > 0 and <= this

// Checks one declaration: known kind and action, finite numbers in their ranges. Errors name `where`.
Status validate(const InterlockSpec& spec);
// From a JSON table (the script's interlock{...} or a parsed TOML table).
Result<InterlockSpec> interlock_from_json(const nlohmann::json& table, std::string where);

}  // namespace ledlab::engine
