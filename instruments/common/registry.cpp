#include "instruments/common/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace ledlab::instruments {

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
  const std::string name = config.name, driver = config.driver;
  auto made = info->make(std::move(config), std::move(session));
  if (!made) return fail(Errc::config, fmt::format("{}: driver '{}' is not one of {}", name, driver, fmt::join(info->drivers, ", ")));
  return made;
}

}  // namespace ledlab::instruments
