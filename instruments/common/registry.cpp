#include "instruments/common/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ledlab::instruments {

namespace {

std::string range_text(const SettingKey& k) {
  return fmt::format("{}{} {:g} and <= {:g}", k.whole ? "a whole number " : "", k.min_excluded ? ">" : ">=", k.min, k.max);
}

std::optional<SettingProblem> check_table(const DriverInfo& info, std::string_view table,
                                          const std::map<std::string, double>& values) {
  for (const auto& [key, value] : values) {
    const auto known = std::ranges::find_if(info.keys, [&](const SettingKey& k) { return k.table == table && k.key == key; });
    if (known == info.keys.end()) {
      std::string names;
      for (const auto& k : info.keys)
        if (k.table == table) names += fmt::format("{}{}", names.empty() ? "" : ", ", k.key);
      return SettingProblem{std::string(table), key,
                            fmt::format("unknown key for a {} (known: {})", info.kind, names.empty() ? "none" : names)};
    }
    // Written so that NaN fails every comparison and is refused.
    const bool above_min = known->min_excluded ? value > known->min : value >= known->min;
    if (!std::isfinite(value) || !above_min || !(value <= known->max) || (known->whole && value != std::floor(value)))
      return SettingProblem{std::string(table), key, fmt::format("must be {}, not {}", range_text(*known), value)};
  }
  // A range given by its two ends: "min_c" and "max_c", "hardware_min_bit_rate_hz" and "hardware_max_bit_rate_hz".
  for (const auto& [key, low] : values) {
    const auto at = key.find("min_");
    if (at == std::string::npos) continue;
    const std::string partner = key.substr(0, at) + "max_" + key.substr(at + 4);
    const auto high = values.find(partner);
    if (high != values.end() && !(low <= high->second))
      return SettingProblem{std::string(table), key, fmt::format("{} is above {} = {}", low, partner, high->second)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<SettingProblem> check_settings(const DriverInfo& info, const InstrumentConfig& config) {
  if (auto p = check_table(info, "limits", config.limits)) return p;
  if (auto p = check_table(info, "options", config.options)) return p;
  if (info.check) return info.check(config);
  return std::nullopt;
}

DriverRegistry& DriverRegistry::instance() {
  static DriverRegistry registry;
  return registry;
}

bool DriverRegistry::add(DriverInfo info) {
  drivers_.push_back(std::move(info));
  return true;
}

const DriverInfo* DriverRegistry::find(std::string_view kind, std::string_view driver) const {
  for (const auto& d : drivers_) {
    if (d.kind != kind) continue;
    if (driver.empty() || std::ranges::find(d.drivers, driver) != d.drivers.end()) return &d;
  }
  return nullptr;
}

const DialectIdentity* DriverRegistry::identity_of(std::string_view kind, std::string_view driver) const {
  const DriverInfo* info = find(kind, driver);
  if (!info || !info->identity_of) return nullptr;
  return info->identity_of(driver.empty() && !info->drivers.empty() ? std::string_view(info->drivers.front()) : driver);
}

std::vector<std::string> DriverRegistry::dialects_matching(const scpi::Identity& id) const {
  std::vector<std::string> out;
  for (const auto& info : drivers_) {
    if (!info.identity_of) continue;
    for (const auto& driver : info.drivers) {
      const DialectIdentity* d = info.identity_of(driver);
      if (d && d->declared() && matches(*d, id)) out.push_back(fmt::format("{}/{}", info.kind, driver));
    }
  }
  return out;
}

Result<std::unique_ptr<Instrument>> DriverRegistry::make(InstrumentConfig config,
                                                         std::unique_ptr<scpi::Session> session) const {
  const DriverInfo* info = find(config.kind, config.driver);
  if (!info) {
    std::string known;
    for (const auto& d : drivers_)
      if (d.kind == config.kind || !find(config.kind, "")) known += fmt::format(" {}({})", d.kind, fmt::join(d.drivers, "|"));
    return fail(Errc::config, fmt::format("{}: no driver '{}' for kind '{}'; known:{}", config.name, config.driver,
                                          config.kind, known));
  }
  if (config.driver.empty() && !info->drivers.empty()) config.driver = info->drivers.front();
  if (auto problem = check_settings(*info, config))
    return fail(Errc::config, fmt::format("{}: {}.{}: {}", config.name, problem->table, problem->key, problem->what));
  const std::string name = config.name, driver = config.driver;
  auto made = info->make(std::move(config), std::move(session));
  if (!made) return fail(Errc::config, fmt::format("{}: driver '{}' is not one of {}", name, driver, fmt::join(info->drivers, ", ")));
  return made;
}

}  // namespace ledlab::instruments
