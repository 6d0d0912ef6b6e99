#pragma once
// Drivers register themselves next to their code with one line:
//   LEDLAB_REGISTER_DRIVER(power_meter, power_meter_dialect_names(), make_power_meter);
// Nobody edits a central list to add an instrument model.
#include "instruments/common/instrument.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::instruments {

using DriverFactory = std::function<std::unique_ptr<Instrument>(InstrumentConfig, std::unique_ptr<scpi::Session>)>;

struct DriverInfo {
  std::string kind;
  std::vector<std::string> drivers;  // dialect names the factory accepts; the first is the default
  DriverFactory make;
};

class DriverRegistry {
 public:
  static DriverRegistry& instance();
  bool add(DriverInfo info);
  const DriverInfo* find(std::string_view kind, std::string_view driver) const;
  // An empty driver name picks the kind's default dialect.
  Result<std::unique_ptr<Instrument>> make(InstrumentConfig config, std::unique_ptr<scpi::Session> session) const;
  const std::vector<DriverInfo>& all() const { return drivers_; }

 private:
  std::vector<DriverInfo> drivers_;
};

#define LEDLAB_REGISTER_DRIVER(kind, driver_names, factory)          \
  [[maybe_unused]] static const bool ledlab_registered_##kind =     \
      ::ledlab::instruments::DriverRegistry::instance().add({#kind, driver_names, factory})

}  // namespace ledlab::instruments
