#pragma once
// Drivers register themselves next to their code with one line:
//   LEDLAB_REGISTER_DRIVER(power_meter, ledlab_opm, make_opm_driver);
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
  std::string driver;
  std::string description;
  DriverFactory make;
};

class DriverRegistry {
 public:
  static DriverRegistry& instance();
  bool add(DriverInfo info);
  const DriverInfo* find(std::string_view kind, std::string_view driver) const;
  // The driver used when a station entry names only the kind.
  const DriverInfo* default_for(std::string_view kind) const;
  const std::vector<DriverInfo>& all() const { return drivers_; }

 private:
  std::vector<DriverInfo> drivers_;
};

#define LEDLAB_REGISTER_DRIVER(kind, driver, description, factory)                                  \
  [[maybe_unused]] static const bool ledlab_registered_##kind##_##driver =                          \
      ::ledlab::instruments::DriverRegistry::instance().add({#kind, #driver, description, factory})

}  // namespace ledlab::instruments
