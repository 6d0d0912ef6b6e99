#include "engine/needs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <utility>

namespace ledlab::engine {

using nlohmann::json;
using instruments::Range;

namespace {

Error bad(std::string_view where, std::string_view message) {
  return make_error(Errc::config, fmt::format("needs{{}}: {}: {}", where, message));
}

std::string shown(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

bool finite(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

Result<std::string> one_of(const json& v, std::string_view where, std::initializer_list<std::string_view> choices) {
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  if (v.is_string())
    for (auto c : choices)
      if (v.get<std::string>() == c) return std::string(c);
  return fail(bad(where, fmt::format("{} is not one of {}", shown(v), list)));
}

Result<bool> boolean(const json& v, std::string_view where) {
  if (!v.is_boolean()) return fail(bad(where, fmt::format("{} is not true or false", shown(v))));
  return v.get<bool>();
}

// The values the sequence will use: one number, a list of them ({ lo, hi } is one too; an
// empty list is nothing to check) or { lo = .., hi = .. }. The range is their min and max.
Result<std::optional<Range>> range(const json& v, std::string_view where) {
  const auto not_numbers = [&] {
    return fail(bad(where, fmt::format("{} is not a number, a list of finite numbers or {{ lo = .., hi = .. }}", shown(v))));
  };
  if (finite(v)) return std::optional<Range>(Range{v.get<double>(), v.get<double>()});
  if (v.is_object() && v.empty()) return std::optional<Range>{};  // {} from Lua: an empty list
  if (v.is_object()) {
    if (v.size() != 2 || !v.contains("lo") || !v.contains("hi") || !finite(v["lo"]) || !finite(v["hi"]) ||
        !(v["lo"].get<double>() <= v["hi"].get<double>()))
      return not_numbers();
    return std::optional<Range>(Range{v["lo"].get<double>(), v["hi"].get<double>()});
  }
  if (!v.is_array() || !std::all_of(v.begin(), v.end(), finite)) return not_numbers();
  if (v.empty()) return std::optional<Range>{};
  Range r{v[0].get<double>(), v[0].get<double>()};
  for (const auto& x : v) {
    r.lo = std::min(r.lo, x.get<double>());
    r.hi = std::max(r.hi, x.get<double>());
  }
  return std::optional<Range>(r);
}

constexpr std::array kKnownKeys{"kind", "optional", "lanes", "gate", "dut_probe", "fallback",
                                "range_c", "bit_rate_hz", "current_a", "amplitude"};

Result<RoleNeed> parse_role(const std::string& role, const json& spec) {
  RoleNeed need;
  need.role = role;
  need.kind = std::string(default_kind(role));
  if (spec.is_string()) {
    if (spec.get<std::string>() != "optional")
      return fail(bad(role, fmt::format("{} is not \"optional\" or a table of needs", shown(spec))));
    need.optional = true;
    return need;
  }
  if (spec.is_boolean() && spec.get<bool>()) return need;
  if (!spec.is_object())
    return fail(bad(role, fmt::format("{} is not a table like {{ lanes = \"all\" }}, true or \"optional\"", shown(spec))));
  for (const auto& [key, value] : spec.items()) {
    const std::string where = role + "." + key;
    if (std::find(kKnownKeys.begin(), kKnownKeys.end(), key) == kKnownKeys.end()) {
      std::string known;
      for (auto k : kKnownKeys) known += (known.empty() ? "" : ", ") + std::string(k);
      return fail(bad(where, fmt::format("unknown key (known: {})", known)));
    }
    if (key == "kind") {
      if (!value.is_string() || value.get<std::string>().empty())
        return fail(bad(where, fmt::format("{} is not an instrument kind", shown(value))));
      need.kind = value.get<std::string>();
    } else if (key == "optional") {
      auto b = boolean(value, where);
      if (!b) return fail(b.error());
      need.optional = *b;
    } else if (key == "lanes") {
      if (value.is_string() && value.get<std::string>() == "all") {
        need.lanes = kAllLanes;
      } else if (finite(value) && value.get<double>() >= 1 && value.get<double>() <= 1e6 &&
                 std::trunc(value.get<double>()) == value.get<double>()) {
        need.lanes = static_cast<int>(value.get<double>());
      } else {
        return fail(bad(where, fmt::format("{} is not \"all\" or a number of lanes from 1", shown(value))));
      }
    } else if (key == "gate") {
      auto g = one_of(value, where, {"bits", "time"});
      if (!g) return fail(g.error());
      need.gate = *g;
    } else if (key == "dut_probe") {
      auto b = boolean(value, where);
      if (!b) return fail(b.error());
      need.dut_probe = *b;
    } else if (key == "fallback") {
      auto f = one_of(value, where, {"time", "air"});
      if (!f) return fail(f.error());
      need.fallback = *f;
    } else if (key == "range_c") {
      auto r = range(value, where);
      if (!r) return fail(r.error());
      need.range_c = *r;
    } else if (key == "bit_rate_hz") {
      auto r = range(value, where);
      if (!r) return fail(r.error());
      if (*r && !((*r)->lo > 0)) return fail(bad(where, fmt::format("{} has a rate that is not above 0 Hz", shown(value))));
      need.bit_rate_hz = *r;
    } else if (key == "current_a") {
      if (!finite(value) || !(value.get<double>() >= 0))
        return fail(bad(where, fmt::format("{} is not a current >= 0 A", shown(value))));
      need.current_a = value.get<double>();
    } else if (key == "amplitude") {
      auto b = boolean(value, where);
      if (!b) return fail(b.error());
      need.amplitude = *b;
    }
  }
  // A fallback stands in for one capability: it must be the one the role asks for.
  if (need.fallback == "time" && need.gate != "bits")
    return fail(bad(role + ".fallback", "\"time\" stands in for gate = \"bits\", which this role does not ask for"));
  if (need.fallback == "air" && !need.dut_probe)
    return fail(bad(role + ".fallback", "\"air\" stands in for dut_probe = true, which this role does not ask for"));
  return need;
}

}  // namespace

std::string_view default_kind(std::string_view role) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kRoles{{
      {"bert", "bert"},
      {"opm", "power_meter"},
      {"chamber", "thermal_chamber"},
      {"pg", "pattern_generator"},
      {"smu", "smu"},
  }};
  for (const auto& [r, k] : kRoles)
    if (r == role) return k;
  return {};
}

const RoleNeed* SequenceNeeds::find(std::string_view role) const {
  for (const auto& r : roles)
    if (r.role == role) return &r;
  return nullptr;
}

json SequenceNeeds::to_json() const {
  json out = json::object();
  const auto range_json = [](const Range& r) { return json::array({r.lo, r.hi}); };
  for (const auto& r : roles) {
    json j{{"kind", r.kind}, {"optional", r.optional}};
    if (r.lanes) j["lanes"] = *r.lanes == kAllLanes ? json("all") : json(*r.lanes);
    if (!r.gate.empty()) j["gate"] = r.gate;
    if (r.dut_probe) j["dut_probe"] = true;
    if (!r.fallback.empty()) j["fallback"] = r.fallback;
    if (r.range_c) j["range_c"] = range_json(*r.range_c);
    if (r.bit_rate_hz) j["bit_rate_hz"] = range_json(*r.bit_rate_hz);
    if (r.current_a) j["current_a"] = *r.current_a;
    if (r.amplitude) j["amplitude"] = true;
    out[r.role] = std::move(j);
  }
  return out;
}

Result<SequenceNeeds> parse_needs(const json& table) {
  SequenceNeeds needs;
  needs.declared = true;
  if (!table.is_object())  // {} arrives as an empty object: a sequence that needs nothing
    return fail(make_error(Errc::config, "needs{} takes a table of roles, e.g. needs { bert = { gate = \"bits\" } }"));
  for (const auto& [role, spec] : table.items()) {
    auto need = parse_role(role, spec);
    if (!need) return fail(need.error());
    needs.roles.push_back(std::move(*need));
  }
  return needs;  // nlohmann::json objects iterate in key order: sorted by role
}

}  // namespace ledlab::engine
