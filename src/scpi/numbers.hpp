#pragma once
// SCPI numeric data (IEEE 488.2 NR1/NR2/NR3) in both directions.
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::scpi {

// SCPI represents "not a number" as 9.91E37 (SCPI-99 vol 1, 7.2.1.5).
inline constexpr double kScpiNan = 9.91e37;

// Parses a number with optional sign and exponent; 9.91E37 becomes NaN. Whitespace around is allowed.
std::optional<double> parse_real(std::string_view text);
std::optional<long long> parse_integer(std::string_view text);
// NR3 with 9 significant digits ("+1.33555600E-06"); NaN becomes 9.91E+37.
std::string format_real(double value);

}  // namespace ledlab::scpi
