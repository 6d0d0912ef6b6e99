#pragma once
// Byte-level pieces of the chunk codec (private to db/chunk_codec.cpp and its tests):
// little-endian words, zigzag, LEB128 varints, a bounds-checked reader, and bit packing of
// up to 128 integers of w bits each into a little-endian bit stream (value i occupies bits
// [i*w, i*w + w)).
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace ledlab::db::chunk {

inline constexpr std::size_t kBlock = 128;
// A varint of a 64-bit integer: 7 bits per byte, so at most 10 bytes.
inline constexpr std::size_t kMaxVarint = 10;
// Unpacking reads whole 64-bit words; the packed bytes must be followed by this many readable
// bytes (their contents do not matter, they are masked off).
inline constexpr std::size_t kUnpackSlack = 8;

inline std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
  return v;
}

inline void store_le64(std::uint8_t* p, std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::big) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

// Zigzag maps small magnitudes of either sign to small unsigned integers (0, -1, 1, -2 ->
// 0, 1, 2, 3) so that their varints are short.
constexpr std::uint64_t zigzag(std::uint64_t x) { return (x << 1) ^ (0 - (x >> 63)); }
constexpr std::uint64_t unzigzag(std::uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

constexpr unsigned bit_length(std::uint64_t x) { return 64 - static_cast<unsigned>(std::countl_zero(x)); }
constexpr std::size_t varint_size(std::uint64_t x) { return x < 128 ? 1 : (bit_length(x) + 6) / 7; }
constexpr std::size_t packed_size(std::size_t count, unsigned w) { return (count * w + 7) / 8; }
constexpr std::uint64_t low_mask(unsigned w) { return w >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << w) - 1; }

inline void put_varint(std::vector<std::uint8_t>& out, std::uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(x | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(x));
}

// Appends the low w bits of each of `count` values. Values must already be below 2^w.
void pack_bits(std::vector<std::uint8_t>& out, const std::uint64_t* values, std::size_t count, unsigned w);

// Reads `count` values of w bits (w <= 64) from `packed`, which must be readable for
// packed_size(count, w) + kUnpackSlack bytes.
void unpack_bits(const std::uint8_t* packed, std::size_t count, unsigned w, std::uint64_t* out);

// Reads a blob front to back; every read is checked against its end.
class ByteReader {
 public:
  enum class Got : std::uint8_t { ok, truncated, overlong };

  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t position() const { return pos_; }
  std::size_t remaining() const { return bytes_.size() - pos_; }
  const std::uint8_t* here() const { return bytes_.data() + pos_; }

  Got byte(std::uint8_t& out) {
    if (pos_ == bytes_.size()) return Got::truncated;
    out = bytes_[pos_++];
    return Got::ok;
  }

  // LEB128: the tenth byte may carry only bit 63, anything beyond does not fit 64 bits.
  Got varint(std::uint64_t& out) {
    std::uint64_t x = 0;
    for (unsigned i = 0; i < kMaxVarint; ++i) {
      if (pos_ == bytes_.size()) return Got::truncated;
      const std::uint8_t b = bytes_[pos_++];
      if (i == kMaxVarint - 1 && b > 1) return Got::overlong;
      x |= std::uint64_t{b & 0x7fu} << (7 * i);
      if (b < 0x80) {
        out = x;
        return Got::ok;
      }
    }
    return Got::overlong;
  }

  bool skip(std::size_t n) {
    if (n > remaining()) return false;
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

}  // namespace ledlab::db::chunk
