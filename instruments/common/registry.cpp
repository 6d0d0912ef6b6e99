#include "instruments/common/registry.hpp"

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
  for (const auto& d : drivers_)
    if (d.kind == kind && d.driver == driver) return &d;
  return nullptr;
}

const DriverInfo* DriverRegistry::default_for(std::string_view kind) const {
  for (const auto& d : drivers_)
    if (d.kind == kind) return &d;  // the first one registered for a kind
  return nullptr;
}

}  // namespace ledlab::instruments
