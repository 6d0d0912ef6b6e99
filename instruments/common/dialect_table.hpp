#pragma once
// Lookup in a kind's table of model dialects (each entry has a `driver` name).
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

}  // namespace ledlab::instruments
