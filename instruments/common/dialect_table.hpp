#pragma once
// Lookup in a kind's table of model dialects (each entry has a `driver` name and an `identity`).
#include "instruments/common/dialect_identity.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

template <class Table>
const typename Table::value_type* find_dialect(const Table& table, std::string_view driver) {
  for (const auto& d : table)
    if (d.driver == driver) return &d;
  return nullptr;
}

template <class Table>
std::vector<std::string> dialect_names(const Table& table) {
  std::vector<std::string> names;
  for (const auto& d : table) names.emplace_back(d.driver);
  return names;
}

// The declared identity of a dialect found by `find` (a kind's find_<kind>_dialect), for
// DriverInfo::identity_of.
template <auto find>
const DialectIdentity* identity_in(std::string_view driver) {
  const auto* d = find(driver);
  return d ? &d->identity : nullptr;
}

}  // namespace ledlab::instruments
