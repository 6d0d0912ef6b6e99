#pragma once
// Lua expressions of hostile values generated from bytes, for fuzz targets that want every
// input to be a valid script: NaN and infinities, extreme integers, raw bytes (mostly not
// UTF-8), long strings, nested, shared, deep and cyclic tables, functions, metatables.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ledlab::fuzz {

// Reads an input byte by byte; past its end every byte is 0.
class Bytes {
 public:
  // `bulky`: up to kBulkyValues value may be large (strings up to 16 MiB, tables that
  // convert to a million values), which keeps each input well under a second; a target that
  // tests types, not sizes, runs faster without.
  static constexpr int kBulkyValues = 1;
  explicit Bytes(std::string_view s, bool bulky = true) : s_(s), bulky_left_(bulky ? kBulkyValues : 0) {}
  // Whether the next value may be bulky; counts it.
  bool take_bulky() { return bulky_left_ > 0 && bulky_left_-- > 0; }
  bool done() const { return at_ >= s_.size(); }
  unsigned next() { return done() ? 0u : static_cast<unsigned char>(s_[at_++]); }
  std::uint64_t next64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | next();
    return v;
  }

 private:
  std::string_view s_;
  std::size_t at_ = 0;
  int bulky_left_ = 0;
};

// Lua locals the expressions name (cyc, shared, deep, seq, meta): six lines that a script
// using hostile_value() starts with.
extern const std::string_view kHostileHelpers;

// A Lua expression for a hostile value; `depth` is how deeply it is nested in a table already.
std::string hostile_value(Bytes& in, int depth = 0);

// `n` hostile values separated by commas (arguments, table items) nested `depth` deep.
std::string hostile_list(Bytes& in, unsigned n, int depth = 0);

// A Lua string literal of `n` raw bytes from `in`.
std::string raw_string(Bytes& in, std::size_t n);

}  // namespace ledlab::fuzz
