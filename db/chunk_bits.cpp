#include "db/chunk_bits.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace ledlab::db::chunk {

void pack_bits(std::vector<std::uint8_t>& out, const std::uint64_t* values, std::size_t count, unsigned w) {
  if (w == 0 || count == 0) return;
  const std::size_t bytes = packed_size(count, w);
  const std::size_t start = out.size();
  // Whole words are stored as they fill, the last one possibly past `bytes`: room for it,
  // then trim.
  out.resize(start + bytes + sizeof(std::uint64_t));
  std::uint8_t* p = out.data() + start;
  std::uint64_t word = 0;
  unsigned filled = 0;  // bits of `word` in use, always below 64
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t v = values[i];
    word |= v << filled;
    if (filled + w >= 64) {
      store_le64(p, word);
      p += sizeof word;
      word = filled == 0 ? 0 : v >> (64 - filled);
      filled = filled + w - 64;
    } else {
      filled += w;
    }
  }
  store_le64(p, word);
  out.resize(start + bytes);
}

namespace {

// One instance per width lets the compiler turn shifts and masks into constants and unroll.
template <unsigned W>
void unpack_fixed(const std::uint8_t* packed, std::size_t count, std::uint64_t* out) {
  constexpr std::uint64_t mask = low_mask(W);
  std::size_t bit = 0;
  for (std::size_t i = 0; i < count; ++i, bit += W) {
    const std::uint8_t* p = packed + bit / 8;
    const unsigned shift = bit % 8;
    std::uint64_t v = load_le64(p) >> shift;
    // A value of more than 56 bits may reach into a ninth byte.
    if constexpr (W > 56) {
      if (shift != 0) v |= std::uint64_t{p[8]} << (64 - shift);
    }
    out[i] = v & mask;
  }
}

using Unpacker = void (*)(const std::uint8_t*, std::size_t, std::uint64_t*);

template <std::size_t... W>
constexpr auto unpack_table(std::index_sequence<W...>) {
  return std::array<Unpacker, sizeof...(W)>{&unpack_fixed<W>...};
}

constexpr auto kUnpackers = unpack_table(std::make_index_sequence<65>{});

}  // namespace

void unpack_bits(const std::uint8_t* packed, std::size_t count, unsigned w, std::uint64_t* out) {
  if (w == 0) {
    std::fill_n(out, count, std::uint64_t{0});
    return;
  }
  kUnpackers[w](packed, count, out);
}

}  // namespace ledlab::db::chunk
