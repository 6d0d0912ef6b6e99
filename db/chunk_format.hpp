#pragma once
// The chunk format, version 1 (all integers little-endian, varints LEB128):
//   format byte (1), varint n, time stream, value stream
// A stream of n integers x[0..n):
//   header byte: bits 0-1 the order of differences (0 raw, 1 delta, 2 delta of delta),
//                bit 2 set for decimals (value stream), bits 3-7 the decimal exponent k
//   min(order, n) seeds: x[0], x[1] as zigzag varints
//   the n - seeds residuals in blocks of 128 (the last one shorter), each:
//     zigzag varint base (the block's least residual as int64), byte w (0..64),
//     packed_size(count, w) bytes: the low w bits of residual - base, value i at bit i*w,
//     varint exception count, then per exception: byte index, varint (residual - base) >> w
//   decimals only: varint count of values that are not decimals, then for each in order
//     varint gap (index - previous index - 1; the first: its index), its 8-byte
//     bit pattern (the integer stream holds a placeholder there)
// Residuals and their inverse are computed modulo 2^64, so any integers round-trip.
// Time integers are the IEEE 754 bit patterns of t; values are the decimal mantissas m of
// v = m / 10^k (chunk_decimal.hpp) when all but a few values are decimals, else the bit
// patterns.
#include "db/chunk_bits.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace ledlab::db::chunk {

inline constexpr std::uint8_t kFormat = 1;
inline constexpr unsigned kMaxOrder = 2;
inline constexpr std::uint8_t kOrderMask = 0x03;
inline constexpr std::uint8_t kDecimalFlag = 0x04;
inline constexpr unsigned kExponentShift = 3;
// The least a block can take: a one-byte base, the width, a zero exception count.
inline constexpr std::size_t kMinBlockBytes = 3;

inline std::size_t seed_count(unsigned order, std::size_t n) { return std::min<std::size_t>(order, n); }

}  // namespace ledlab::db::chunk
