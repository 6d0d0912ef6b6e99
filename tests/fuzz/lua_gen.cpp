#include "fuzz/lua_gen.hpp"

#include "fuzz/lua_literal.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>

namespace ledlab::fuzz {

const std::string_view kHostileHelpers =
    "local cyc = {1, 2} cyc.self = cyc cyc[3] = {cyc}\n"
    "local function shared(d) local t = {1.5} for i = 1, d do t = {t, t} end return t end\n"
    "local function deep(d) local t = {} for i = 1, d do t = {t} end return t end\n"
    "local function seq(n) local t = {} for i = 1, n do t[i] = i end return t end\n"
    "local meta = setmetatable({1}, {__index = function() error('index') end, __len = function() return 1e9 end,\n"
    "  __tostring = function() error('tostring') end, __pairs = function() error('pairs') end})\n";

std::string raw_string(Bytes& in, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(in.next()));
  return lua_literal(nlohmann::json(s));
}

std::string hostile_list(Bytes& in, unsigned n, int depth) {
  std::string out;
  for (unsigned i = 0; i < n; ++i) out += (i ? ", " : "") + hostile_value(in, depth + 1);
  return out;
}

namespace {

std::string key(Bytes& in) {
  switch (in.next() % 6) {
    case 0: return fmt::format("k{}", in.next() % 4);
    case 1: return fmt::format("[{}]", static_cast<int>(in.next()) - 128);
    case 2: return "[true]";
    case 3: return "[1.5]";
    case 4: return "[" + raw_string(in, 1 + in.next() % 3) + "]";
    default: return "[{}]";
  }
}

// An exponent below `limit` for a size 2^n: at most 2^10 unless the input still may have a
// bulky value (one time in sixteen).
unsigned size_exponent(Bytes& in, unsigned limit) {
  const unsigned b = in.next();
  return b >= 240 && in.take_bulky() ? b % limit : b % 11;
}

}  // namespace

std::string hostile_value(Bytes& in, int depth) {
  const unsigned pick = in.next() % (depth > 3 ? 11 : 20);  // nest no deeper than the helpers do
  switch (pick) {
    case 0: return "nil";
    case 1: return in.next() % 2 ? "true" : "false";
    case 2: {
      const unsigned high = in.next();
      return fmt::format("{}", static_cast<int>(high << 8 | in.next()) - 32768);
    }
    case 3: {
      constexpr std::array<std::string_view, 6> ints{"math.maxinteger", "math.mininteger", "-1", "0",
                                                     "9007199254740993", "(1 << 62)"};
      return std::string(ints[in.next() % ints.size()]);
    }
    case 4: return lua_literal(std::bit_cast<double>(in.next64()));  // NaN payloads, subnormals, infinities
    case 5: return "(0/0)";
    case 6: return in.next() % 2 ? "math.huge" : "-math.huge";
    case 7: {
      constexpr std::array<std::string_view, 6> floats{"1e308", "-1e308", "5e-324", "-0.0", "1e16", "0.5"};
      return std::string(floats[in.next() % floats.size()]);
    }
    case 8: return raw_string(in, in.next() % 16);  // mostly not UTF-8
    case 9: return fmt::format("'{}'", std::string(in.next() % 8, 'a'));
    case 10: return fmt::format("string.rep('x', {})", 1u << size_exponent(in, 25));  // up to 16 MiB
    case 11: return "{" + hostile_list(in, in.next() % 6, depth) + "}";
    case 12: {
      std::string out = "{";
      for (unsigned n = in.next() % 5; n > 0; --n) {
        out += key(in) + " = ";
        out += hostile_value(in, depth + 1) + ", ";
      }
      return out + "}";
    }
    case 13: return "cyc";
    case 14: return fmt::format("shared({})", size_exponent(in, 24));  // 2^23 leaves: past kMaxJsonValues
    case 15: return fmt::format("deep({})", in.next() % 80);    // past kMaxJsonDepth
    case 16: return "function() end";
    case 17: return "meta";
    case 18: return fmt::format("seq({})", in.next() % 300);
    default: return fmt::format("{{[1] = 1, [{}] = 2, n = 3}}", in.next() % 4 + 2);  // holes
  }
}

}  // namespace ledlab::fuzz
