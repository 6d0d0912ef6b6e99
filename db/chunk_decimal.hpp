#pragma once
// Values that are decimals: the doubles an instrument's ASCII reply parses to (IEEE 488.2
// section 8.7.2, NR3 "+1.23456789E-03" is 123456789 * 10^-11), stored as the integer m of
// v = m / 10^k for one exponent k per chunk (the idea of ALP, SIGMOD 2023, section 3).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace ledlab::db::chunk {

inline constexpr unsigned kMaxDecimalExponent = 22;  // 1e22 is the largest power of ten a double holds exactly

// 10^k as a double, exact for every k <= kMaxDecimalExponent (10^22 = 2^22 * 5^22 and
// 5^22 < 2^53).
inline constexpr std::array<double, kMaxDecimalExponent + 1> kPow10 = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The double that the decimal m * 10^-k stands for, as the decoder computes it. Both m (when
// |m| < 2^53) and 10^k are exact doubles, so IEEE 754 division (section 4.3, correctly
// rounded) gives the double nearest to m / 10^k.
inline double decimal_value(std::int64_t m, unsigned k) {
  return k == 0 ? static_cast<double>(m) : static_cast<double>(m) / kPow10[k];
}

struct Decimals {
  unsigned exponent = 0;
  // Values that are not decimals (NaN for a missing reading, SCPI-99's 9.91E37 overflow,
  // -0.0, ...), kept as bit patterns; their m repeats a neighbour's so differences stay small.
  std::vector<std::size_t> patches;
};

// When the values with decimal_value(m[i], k) == v[i] bit for bit, |m[i]| < 2^53, for one
// k <= kMaxDecimalExponent, are all but a few, stores the m[i] (two's complement) in m and
// returns k and the others; nullopt when too many values are not decimals (bit patterns
// then compress as well and cost no search). -0.0, NaN and infinities are never decimals.
std::optional<Decimals> find_decimals(std::span<const double> v, std::vector<std::uint64_t>& m);

}  // namespace ledlab::db::chunk
