#include "db/value_text.hpp"

#include <fmt/format.h>

#include <array>

namespace ledlab::db {

bool reads_as_percent(std::string_view name) {
  // Parts of a result name that make it a fraction of something: efficiencies are quoted in
  // percent in LED data sheets, and so are fractions of a first reading.
  constexpr std::array<std::string_view, 3> kPercentNames = {"eqe", "efficiency", "fraction"};
  for (auto part : kPercentNames)
    if (name.find(part) != std::string_view::npos) return true;
  return false;
}

std::string dimensionless_text(std::string_view name, double value) {
  if (reads_as_percent(name)) return fmt::format("{:.3g} %", 100 * value);
  return fmt::format("{:.4g}", value);
}

}  // namespace ledlab::db
