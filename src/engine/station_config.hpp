#pragma once
// A station file (TOML, sequences/stations/*.toml) names the instruments of one bench: kind,
// driver dialect, address, timeouts, safety limits, options, and for the simulated bench its
// physics settings and the faults to inject. Errors name the file, the line and the key.
#include "core/error.hpp"
#include "engine/alert_spec.hpp"
#include "engine/interlock_spec.hpp"
#include "engine/socket_config.hpp"
#include "instruments/common/instrument.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ledlab::engine {

// The ranges a station file's [station] numbers must lie in (README "Station files").
inline constexpr double kMaxTimeScale = 1e7;           // time_scale: > 0 and <= this
inline constexpr double kMaxLinkRecoveryS = 7 * 86400;  // link_recovery_s: 0 .. a week of wall time
inline constexpr double kMaxHeartbeatS = 86400;         // heartbeat_s: 0 .. a simulated day
inline constexpr double kMinEnvironmentLogS = 1;        // environment_log_s: 0 (off) or 1 .. a day
inline constexpr std::int64_t kMaxTimeoutMs = 86'400'000;  // timeout_ms and friends: 1 .. a day
inline constexpr std::int64_t kMaxReconnectAttempts = 1000;

// Why a time scale (station file or --time-scale) is refused, or empty: it must be a finite
// number in (0, kMaxTimeScale]. Beyond that one wall second is over 100 simulated days and
// the simulated bench cannot keep up.
std::string time_scale_problem(double scale);

// [lab]: the lab database this station's store is shipped to (README "Lab database").
struct LabConfig {
  std::string url;      // postgresql://role@host/db; never a password (checked by the shipper's CLI: url_line)
  int url_line = 0;     // line of `url` in the station file, for its errors
  std::string station;  // the name the store ships as (empty: the station's name)
  bool enabled = true;
};

struct StationConfig {
  std::string name;
  std::string source;              // file path, for messages and provenance
  std::string text;                // the file as read, for provenance
  double time_scale = 1.0;         // simulated seconds per wall second (1 = real time)
  double safe_temperature_c = 25;  // where chambers go when a run stops
  double link_recovery_s = 600;    // wall seconds a run stays suspended reconnecting a lost link
  double heartbeat_s = 30;         // simulated seconds between link checks of every instrument (0: off)
  double environment_log_s = 60;   // simulated seconds between chamber air / DUT / setpoint log readings (0: off)
  // [station] identity: what attach() does when an instrument's *IDN? is not a model its
  // dialect serves, for every instrument without an `identity` key of its own.
  instruments::IdentityPolicy identity = instruments::IdentityPolicy::refuse;
  std::vector<InterlockSpec> interlocks;  // [interlocks.<name>]
  AlertsConfig alerts;             // [alerts], [[alerts.webhook]]: where runs post what happens
  LabConfig lab;                   // [lab]
  nlohmann::json bench;            // [bench] table: simulated array and environment settings
  std::vector<instruments::InstrumentConfig> instruments;
  // [sockets.<name>]: the DUT positions and how their lanes reach the instruments. Empty: one
  // implicit socket over every instrument (socket_config.hpp).
  std::vector<SocketConfig> sockets;
  // Per instrument: SCPI commands sent to its simulated twin at start-up (fault injection).
  std::map<std::string, std::vector<std::string>> twin_setup;

  const instruments::InstrumentConfig* find(std::string_view name) const;
};

// The socket of a station without [sockets]: every instrument but the optical switches as a
// role of its own name, lane n on channel n, as many lanes as the instrument has channels.
SocketConfig implicit_socket(const StationConfig& station);
// The station's sockets, or its implicit one.
std::vector<SocketConfig> station_sockets(const StationConfig& station);

Result<StationConfig> parse_station(std::string_view text, std::string source_name);
Result<StationConfig> load_station(const std::filesystem::path& path);

}  // namespace ledlab::engine
