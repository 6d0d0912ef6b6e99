#pragma once
// The register maps shipped under instruments/thermal_chamber/registers/, compiled in by the
// build (src/io/CMakeLists.txt generates shipped_maps.cpp from them).
#include <span>
#include <string_view>

namespace ledlab::io::modbus::detail {

struct ShippedMap {
  std::string_view name;  // the file name without .toml
  std::string_view text;
};

std::span<const ShippedMap> shipped_maps();

}  // namespace ledlab::io::modbus::detail
