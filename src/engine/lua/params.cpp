#include "engine/lua/params.hpp"

#include "core/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ledlab::lua {
namespace {

bool parse_number(std::string_view text, double& out) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && std::isfinite(out);
}

// Numbers are finite: a NaN or infinite default would reach the script, and the store as null.
bool finite_number(const nlohmann::json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

bool matches(const std::string& type, const nlohmann::json& v) {
  if (type == "number") return finite_number(v);
  if (type == "integer") return v.is_number_integer();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "list") {
    if (!v.is_array()) return v.is_object() && v.empty();  // {} is an empty Lua list
    return std::all_of(v.begin(), v.end(), finite_number);
  }
  return false;
}

Error bad(std::string message) { return make_error(Errc::config, std::move(message)); }

// A declaration's value as JSON text for a message; a byte that is not UTF-8 shows as U+FFFD.
// A NaN or infinity shows as itself, not as JSON's null.
std::string shown(const nlohmann::json& v) {
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The store keeps parameters as JSON text (RFC 8259 section 8.1: UTF-8), so declared text must
// be UTF-8 to come back as it was declared when a run is resumed.
Status utf8_text(const std::string& name, std::string_view what, const std::string& text) {
  if (auto problem = utf8_error(text))
    return fail(bad(fmt::format("parameter {}: the {} is not valid UTF-8 ({})", name, what, *problem)));
  return {};
}

}  // namespace

Result<std::vector<ParamDecl>> parse_declarations(const nlohmann::json& table) {
  if (!table.is_object() && !(table.is_array() && table.empty()))
    return fail(bad("params{} takes a table of declarations keyed by parameter name"));
  std::vector<ParamDecl> decls;
  if (table.is_array()) return decls;
  for (const auto& [name, spec] : table.items()) {
    if (!spec.is_object())
      return fail(bad(fmt::format("parameter {}: declaration must be a table like {{type=\"number\", default=1}}", name)));
    if (auto problem = utf8_error(name))
      return fail(bad(fmt::format("parameter {}: the parameter name is not valid UTF-8 ({})", shown(name), *problem)));
    ParamDecl d;
    d.name = name;
    const nlohmann::json type = spec.contains("type") ? spec["type"] : nlohmann::json("");
    if (type.is_string()) d.type = type.get<std::string>();
    if (d.type != "number" && d.type != "integer" && d.type != "string" && d.type != "boolean" && d.type != "list")
      return fail(bad(fmt::format("parameter {}: type {} is not one of number, integer, string, boolean, list", name,
                                  type.is_string() ? "'" + d.type + "'" : shown(type))));
    if (!spec.contains("default")) return fail(bad(fmt::format("parameter {}: no default", name)));
    d.default_value = spec["default"];
    if (d.type == "list" && d.default_value.is_object()) d.default_value = nlohmann::json::array();
    if (!matches(d.type, d.default_value))
      return fail(bad(fmt::format("parameter {}: default {} is not a {}", name, shown(d.default_value),
                                  d.type == "number" ? "finite number"
                                  : d.type == "list" ? "list of finite numbers"
                                                     : d.type)));
    if (d.type == "string")
      if (auto st = utf8_text(name, "default", d.default_value.get<std::string>()); !st) return fail(st.error());
    if (spec.contains("unit") && spec["unit"].is_string()) d.unit = spec["unit"].get<std::string>();
    if (spec.contains("description") && spec["description"].is_string())
      d.description = spec["description"].get<std::string>();
    if (auto st = utf8_text(name, "unit", d.unit); !st) return fail(st.error());
    if (auto st = utf8_text(name, "description", d.description); !st) return fail(st.error());
    decls.push_back(std::move(d));
  }
  return decls;
}

Result<nlohmann::json> parse_override(const ParamDecl& decl, std::string_view text) {
  const auto not_a = [&](std::string_view what) {
    return fail(bad(fmt::format("parameter {}: '{}' is not {}", decl.name, text, what)));
  };
  if (decl.type == "string") return nlohmann::json(std::string(text));
  if (decl.type == "boolean") {
    if (text == "true" || text == "1" || text == "yes" || text == "on") return nlohmann::json(true);
    if (text == "false" || text == "0" || text == "no" || text == "off") return nlohmann::json(false);
    return not_a("a boolean (true/false)");
  }
  if (decl.type == "number" || decl.type == "integer") {
    double v = 0;
    if (!parse_number(text, v)) return not_a(decl.type == "number" ? "a number" : "an integer");
    if (decl.type == "number") return nlohmann::json(v);
    if (std::trunc(v) != v || std::fabs(v) > 9.0e15) return not_a("an integer");
    return nlohmann::json(static_cast<std::int64_t>(v));
  }
  // list: comma-separated numbers; an empty string is the empty list
  auto list = nlohmann::json::array();
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    double v = 0;
    if (!parse_number(rest.substr(0, comma), v)) return not_a("a list of numbers");
    list.push_back(v);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    if (rest.empty()) return not_a("a list of numbers");
  }
  return list;
}

Result<nlohmann::json> resolve_parameters(const std::vector<ParamDecl>& decls, const Overrides& overrides) {
  auto values = nlohmann::json::object();
  for (const auto& d : decls) values[d.name] = d.default_value;
  for (const auto& [name, text] : overrides) {
    const auto it = std::find_if(decls.begin(), decls.end(), [&](const ParamDecl& d) { return d.name == name; });
    if (it == decls.end()) {
      std::string known;
      for (const auto& d : decls) known += (known.empty() ? "" : ", ") + d.name;
      return fail(bad(fmt::format("unknown parameter '{}' (the sequence declares: {})", name,
                                  known.empty() ? "none" : known)));
    }
    auto value = parse_override(*it, text);
    if (!value) return fail(value.error());
    values[name] = std::move(*value);
  }
  return values;
}

}  // namespace ledlab::lua
