#pragma once
// Lossless compression of one series' samples into a chunk (a BLOB in the store).
//
// A chunk holds n samples (t_s, value) in recorded order. Both columns become streams of
// 64-bit integers that are transformed and bit-packed:
// - time: the IEEE 754 bit pattern of each t_s read as an integer. Within one binade the
//   pattern grows linearly with the value, so a steady cadence gives a constant delta and a
//   delta-of-delta of zero (the idea of Facebook's Gorilla paper, "Gorilla: a fast, scalable,
//   in-memory time series database", VLDB 2015, section 4.1.1, made exact for doubles).
// - value: when the values are the doubles nearest to decimals m * 10^-k (what an instrument's
//   ASCII reply parses to, IEEE 488.2 section 8.7.2 NR3), the integers m (the idea of ALP,
//   "ALP: Adaptive Lossless floating-Point compression", SIGMOD 2023), the few that are not
//   (NaN, overflow) kept aside as bit patterns; otherwise the bit patterns themselves.
// Each stream then takes, per chunk, whichever of order 0/1/2 differences is smallest, split
// into blocks of 128 packed with a frame of reference, a bit width and patched exceptions.
// Decoding reproduces every bit of every double (NaN payloads, -0.0, infinities included).
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ledlab::db {

// Encodes t[i], v[i] (same length, at most kMaxChunkSamples) and appends to `out`.
void encode_chunk(std::span<const double> t, std::span<const double> v, std::vector<std::uint8_t>& out);

inline constexpr std::size_t kMaxChunkSamples = 1u << 20;

// Decodes a chunk, appending its samples to t and v. A damaged or foreign blob (truncated,
// bad header, counts out of range) is an Errc::storage error, never a crash or an overrun.
Status decode_chunk(std::span<const std::uint8_t> blob, std::vector<double>& t, std::vector<double>& v);

// The sample count a chunk holds, from its header (cheap).
Result<std::size_t> chunk_samples(std::span<const std::uint8_t> blob);

}  // namespace ledlab::db
