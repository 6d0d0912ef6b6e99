#pragma once
// A result's value as text, where the unit alone does not say how to write it. The result
// unit "1" (dimensionless) covers both fractions such as an external quantum efficiency and
// ratios such as a bit error ratio; an SI prefix on either reads as a unit ("19.2 m" looks
// like metres). Fractions named as such read as percentages, other ratios as plain numbers.
#include <string>
#include <string_view>

namespace ledlab::db {

// True for the dimensionless results written as percentages: EQE ("peak_eqe") and fractions
// ("fraction_of_first_temperature").
bool reads_as_percent(std::string_view name);

// A dimensionless value: "1.92 %" for a percentage result, "1e-12" or "0.5" otherwise.
std::string dimensionless_text(std::string_view name, double value);

}  // namespace ledlab::db
