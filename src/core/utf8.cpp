#include "core/utf8.hpp"

#include <fmt/core.h>

namespace ledlab {

std::optional<std::string> utf8_error(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte (RFC 3629 section 4)
    if (c < 0x80) len = 1;
    else if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c == 0xe0) len = 3, lo = 0xa0;
    else if (c == 0xed) len = 3, hi = 0x9f;  // no UTF-16 surrogates
    else if (c >= 0xe1 && c <= 0xef) len = 3;
    else if (c == 0xf0) len = 4, lo = 0x90;
    else if (c == 0xf4) len = 4, hi = 0x8f;  // nothing above U+10FFFF
    else if (c >= 0xf1 && c <= 0xf3) len = 4;
    const auto bad = [&](std::size_t at) { return fmt::format("byte 0x{:02x} at offset {}", s[at], at); };
    if (len == 0) return bad(i);
    for (std::size_t k = 1; k < len; ++k) {
      if (i + k >= n) return fmt::format("sequence cut short at offset {}", i);
      const unsigned char b = s[i + k];
      if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return bad(i + k);
    }
    i += len;
  }
  return std::nullopt;
}

}  // namespace ledlab
