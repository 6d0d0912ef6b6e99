#include "fuzz/lua_literal.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace ledlab::fuzz {

namespace {

std::string string_literal(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '"' && c != '\\') out += c;
    else out += fmt::format("\\{:03d}", u);  // Lua 5.4 manual, section 3.1: \ddd is a byte
  }
  return out + "\"";
}

std::string float_literal(double v) {
  if (std::isnan(v)) return "(0/0)";
  if (std::isinf(v)) return v > 0 ? "math.huge" : "(-math.huge)";
  std::string text = fmt::format("{:.17g}", v);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";  // else Lua reads an integer
  return "(" + text + ")";
}

}  // namespace

std::string lua_literal(const nlohmann::json& value) {
  using t = nlohmann::json::value_t;
  switch (value.type()) {
    case t::boolean: return value.get<bool>() ? "true" : "false";
    case t::number_integer: {
      const auto i = value.get<std::int64_t>();
      // -9223372036854775808 would be read as the negation of a float.
      return i == std::numeric_limits<std::int64_t>::min() ? "math.mininteger" : fmt::format("({})", i);
    }
    case t::number_unsigned: return fmt::format("({})", value.get<std::uint64_t>());
    case t::number_float: return float_literal(value.get<double>());
    case t::string: return string_literal(value.get_ref<const std::string&>());
    case t::array: {
      std::string out = "{";
      for (const auto& item : value) out += lua_literal(item) + ",";
      return out + "}";
    }
    case t::object: {
      std::string out = "{";
      for (const auto& [key, item] : value.items()) out += "[" + string_literal(key) + "]=" + lua_literal(item) + ",";
      return out + "}";
    }
    default: return "nil";
  }
}

std::string declarations_literal(const std::vector<lua::ParamDecl>& decls) {
  std::string out = "{";
  for (const auto& d : decls) {
    out += fmt::format("[{}]={{type={},default={}", string_literal(d.name), string_literal(d.type),
                       lua_literal(d.default_value));
    if (!d.unit.empty()) out += ",unit=" + string_literal(d.unit);
    if (!d.description.empty()) out += ",description=" + string_literal(d.description);
    out += "},\n";
  }
  return out + "}";
}

}  // namespace ledlab::fuzz
