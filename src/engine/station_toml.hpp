#pragma once
// The parts of the station file's parser that share toml++ (station_config.cpp, alert_spec.cpp);
// nothing outside src/engine includes this.
#include "core/error.hpp"
#include "engine/alert_spec.hpp"
#include "engine/socket_config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

// "station.toml:12: instruments.chamber.timeout_ms: expected an integer": the file, the line and the key.
inline Error toml_error(const std::string& source, const toml::node* node, std::string_view key, std::string_view what) {
  std::string where = source;
  if (node && node->source().begin.line > 0) where += fmt::format(":{}", node->source().begin.line);
  return make_error(Errc::config, fmt::format("{}: {}: {}", where, key, what));
}

// The [alerts] table: its own keys and its [[alerts.webhook]] tables (README "Alerts").
Result<AlertsConfig> parse_alerts(const std::string& source, const toml::node& node);

// The [lab] table: url, station, enabled (lab_config.cpp, README "Lab database").
struct LabConfig;
Result<LabConfig> parse_lab(const std::string& source, const toml::node& node);

// The [sockets] table, after the instruments (socket_parse.cpp, README "Sockets").
struct StationConfig;
Result<std::vector<SocketConfig>> parse_sockets(const std::string& source, const toml::node& node, const StationConfig& station);

}  // namespace ledlab::engine
