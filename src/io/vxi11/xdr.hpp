#pragma once
// XDR (RFC 4506), the subset ONC RPC and VXI-11 use: unsigned and signed 32-bit integers,
// booleans, variable-length opaque data and strings, each padded to a multiple of four bytes.
// Pure functions over bytes, no I/O. Decoding is bounded: every length read from the wire is
// checked against the bytes left and against the caller's limit before anything is copied.
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ledlab::io::xdr {

inline constexpr std::size_t kUnit = 4;  // RFC 4506 section 3: every item is a multiple of 4 bytes

// Bytes of zero padding after `length` bytes of opaque data (RFC 4506 section 4.10).
constexpr std::size_t padding(std::size_t length) { return (kUnit - length % kUnit) % kUnit; }

class Writer {
 public:
  void u32(std::uint32_t value);  // RFC 4506 section 4.2, big-endian
  void i32(std::int32_t value);   // RFC 4506 section 4.1, two's complement
  void boolean(bool value);       // RFC 4506 section 4.4: an enum of FALSE = 0, TRUE = 1
  void opaque(std::string_view bytes);  // RFC 4506 section 4.10: length, bytes, zero padding
  void string(std::string_view text) { opaque(text); }  // RFC 4506 section 4.11: same layout

  const std::string& bytes() const { return bytes_; }
  std::string take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

// Reads items in order; each read names the field so a short or malformed message says what
// was missing ("XDR: 'data' needs 12 bytes, 3 left").
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  Result<std::uint32_t> u32(std::string_view field);
  Result<std::int32_t> i32(std::string_view field);
  Result<bool> boolean(std::string_view field);  // anything but 0 or 1 is refused
  // The returned view points into the reader's bytes; `max_length` bounds the declared length.
  Result<std::string_view> opaque(std::string_view field, std::size_t max_length);
  Result<std::string_view> string(std::string_view field, std::size_t max_length) { return opaque(field, max_length); }

  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  Result<std::string_view> take(std::string_view field, std::size_t count);

  std::string_view bytes_;
  std::size_t pos_ = 0;
};

}  // namespace ledlab::io::xdr
