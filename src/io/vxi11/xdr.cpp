#include "io/vxi11/xdr.hpp"

#include <fmt/format.h>

namespace ledlab::io::xdr {

void Writer::u32(std::uint32_t value) {
  bytes_ += static_cast<char>(value >> 24);
  bytes_ += static_cast<char>(value >> 16);
  bytes_ += static_cast<char>(value >> 8);
  bytes_ += static_cast<char>(value);
}

void Writer::i32(std::int32_t value) { u32(static_cast<std::uint32_t>(value)); }

void Writer::boolean(bool value) { u32(value ? 1 : 0); }

void Writer::opaque(std::string_view bytes) {
  u32(static_cast<std::uint32_t>(bytes.size()));
  bytes_ += bytes;
  bytes_.append(padding(bytes.size()), '\0');
}

Result<std::string_view> Reader::take(std::string_view field, std::size_t count) {
  if (count > remaining())
    return fail(Errc::protocol, fmt::format("XDR: '{}' needs {} bytes, {} left", field, count, remaining()));
  const auto out = bytes_.substr(pos_, count);
  pos_ += count;
  return out;
}

Result<std::uint32_t> Reader::u32(std::string_view field) {
  auto raw = take(field, kUnit);
  if (!raw) return fail(raw.error());
  const auto b = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>((*raw)[i])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

Result<std::int32_t> Reader::i32(std::string_view field) {
  auto v = u32(field);
  if (!v) return fail(v.error());
  return static_cast<std::int32_t>(*v);
}

Result<bool> Reader::boolean(std::string_view field) {
  auto v = u32(field);
  if (!v) return fail(v.error());
  if (*v > 1) return fail(Errc::protocol, fmt::format("XDR: '{}' is a bool but holds {} (RFC 4506 section 4.4)", field, *v));
  return *v == 1;
}

Result<std::string_view> Reader::opaque(std::string_view field, std::size_t max_length) {
  auto length = u32(field);
  if (!length) return fail(length.error());
  if (*length > max_length)
    return fail(Errc::protocol, fmt::format("XDR: '{}' declares {} bytes, more than its bound of {}", field, *length, max_length));
  // Checked before taking anything, so a length near 2^32 cannot overflow the padding sum.
  const std::size_t padded = std::size_t{*length} + padding(*length);
  auto body = take(field, padded);
  if (!body) return fail(body.error());
  return body->substr(0, *length);
}

}  // namespace ledlab::io::xdr
