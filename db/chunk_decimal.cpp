#include "db/chunk_decimal.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace ledlab::db::chunk {
namespace {

constexpr double kTwo52 = 0x1p52;
constexpr double kTwo53 = 0x1p53;
constexpr std::int64_t kMaxMantissa = (std::int64_t{1} << 53) - 1;
constexpr std::uint8_t kPatched = 0xff;  // exponent mark of a value that is not a decimal

// Rounds to the nearest integer, ties to even: what std::nearbyint does in the default
// rounding mode (IEEE 754 section 4.3.1, roundTiesToEven), without libm's save and restore
// of the floating-point environment. Adding 2^52 to a magnitude below 2^52 leaves no bits
// for a fraction, so the addition itself rounds.
double round_even(double s) {
  const double a = std::fabs(s);
  if (!(a < kTwo52)) return s;  // already an integer
  return std::copysign((a + kTwo52) - kTwo52, s);
}

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

// The integer m with decimal_value(m, k) == v, if there is one and it is near v * 10^k.
bool decimal_at(double v, unsigned k, std::int64_t& m) {
  const double s = v * kPow10[k];
  if (!(std::fabs(s) < kTwo53)) return false;  // also NaN and infinities
  const double r = round_even(s);
  // When v is the double nearest m / 10^k, s = m (1 + e) with |e| below 2^-52 (two rounding
  // steps), so s lies within |s| 2^-51 of an integer. Anything farther cannot pass the
  // check below; skipping it here spares the division.
  if (!(std::fabs(s - r) <= std::fabs(s) * 0x1p-50)) return false;
  const auto c = static_cast<std::int64_t>(r);
  if (c > kMaxMantissa || c < -kMaxMantissa) return false;
  if (!same_bits(decimal_value(c, k), v)) return false;
  m = c;
  return true;
}

// The smallest exponent for v, trying the neighbour's first: consecutive readings of one
// meter usually share it, or are one decade apart. Returns kPatched for none.
// A hint that works may exceed v's own smallest exponent; it is another value's, so the
// chunk's exponent (the largest) does not grow. hint + 1 is tried only once hint failed,
// which (but for mantissas near 2^53) means v's smallest exponent is above hint.
unsigned exponent_of(double v, unsigned hint, std::int64_t& m) {
  if (decimal_at(v, hint, m)) return hint;
  if (hint < kMaxDecimalExponent && decimal_at(v, hint + 1, m)) return hint + 1;
  for (unsigned k = 0; k <= kMaxDecimalExponent; ++k) {
    if (k != hint && k != hint + 1 && decimal_at(v, k, m)) return k;
  }
  return kPatched;
}

// Patches cost their 8 bytes and an index; past a quarter of the values (and a few for
// short chunks) bit patterns are as small and spare the search.
bool too_many_patches(std::size_t patches, std::size_t seen) { return patches > 16 + seen / 4; }

}  // namespace

std::optional<Decimals> find_decimals(std::span<const double> v, std::vector<std::uint64_t>& m) {
  m.resize(v.size());
  std::vector<std::uint8_t> exponent(v.size());
  Decimals d;
  unsigned hint = 0, lowest = kMaxDecimalExponent, highest = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::int64_t mi = 0;
    const unsigned k = exponent_of(v[i], hint, mi);
    exponent[i] = static_cast<std::uint8_t>(k);
    m[i] = static_cast<std::uint64_t>(mi);
    if (k == kPatched) {
      d.patches.push_back(i);
      if (too_many_patches(d.patches.size(), i + 1)) return std::nullopt;
      continue;
    }
    hint = k;
    lowest = std::min(lowest, k);
    highest = std::max(highest, k);
  }
  if (d.patches.size() == v.size()) return std::nullopt;
  d.exponent = highest;
  // m / 10^k and m 10^(K-k) / 10^K are the same real number; with both integers below 2^53
  // the divisions round it alike. The check still compares bits: lossless by construction
  // and by test.
  for (std::size_t i = 0; lowest != highest && i < v.size(); ++i) {
    if (exponent[i] == highest || exponent[i] == kPatched) continue;
    auto mi = static_cast<std::int64_t>(m[i]);
    for (unsigned k = exponent[i]; k < highest; ++k) {
      if (mi > kMaxMantissa / 10 || mi < -kMaxMantissa / 10) return std::nullopt;
      mi *= 10;
    }
    if (!same_bits(decimal_value(mi, highest), v[i])) return std::nullopt;
    m[i] = static_cast<std::uint64_t>(mi);
  }
  // A patched value's m repeats its predecessor's (the first decimal's for leading ones):
  // a zero difference instead of a jump out and back.
  if (!d.patches.empty()) {
    const std::size_t first = static_cast<std::size_t>(
        std::find_if(exponent.begin(), exponent.end(), [](std::uint8_t k) { return k != kPatched; }) - exponent.begin());
    for (std::size_t i : d.patches) m[i] = i < first ? m[first] : m[i - 1];
  }
  return d;
}

}  // namespace ledlab::db::chunk
