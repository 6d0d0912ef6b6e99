#include "engine/interlock_spec.hpp"

#include <fmt/format.h>

#include <string_view>

namespace ledlab::engine {

using nlohmann::json;

namespace {

Error bad(const std::string& where, const std::string& name, std::string what) {
  return make_error(Errc::config, fmt::format("{}: interlock '{}': {}", where, name, what));
}

}  // namespace

std::string InterlockSpec::effective_action() const {
  if (!action.empty()) return action;
  return kind == "over_temperature" ? "abort" : "suspend";
}

Status validate(const InterlockSpec& s) {
  if (s.name.empty()) return fail(bad(s.where, s.name, "needs a name"));
  if (s.kind != "chamber_band" && s.kind != "over_temperature")
    return fail(bad(s.where, s.name, fmt::format("kind '{}' is not one of chamber_band, over_temperature", s.kind)));
  if (s.instrument.empty()) return fail(bad(s.where, s.name, "needs instrument = \"<chamber name>\""));
  if (!s.action.empty() && s.action != "suspend" && s.action != "abort")
    return fail(bad(s.where, s.name, fmt::format("action '{}' is not one of suspend, abort", s.action)));
  // Negated comparisons: a NaN (which compares false with everything and so could never
  // trip) is refused like any other value outside the range.
  auto in = [&](std::string_view key, double v, double lo, bool lo_open, double hi) -> Status {
    if ((lo_open ? v > lo : v >= lo) && v <= hi) return {};
    return fail(bad(s.where, s.name, fmt::format("{} must be {} {:g} and <= {:g}, not {}", key, lo_open ? ">" : ">=", lo, hi, v)));
  };
  if (auto st = in("band_c", s.band_c, 0, true, kMaxBandC); !st) return st;
  if (auto st = in("soak_s", s.soak_s, 0, false, kMaxSoakS); !st) return st;
  if (auto st = in("poll_s", s.poll_s, 0, true, kMaxPollS); !st) return st;
  if (s.max_c)
    if (auto st = in("max_c", *s.max_c, -273.15, false, 1000); !st) return st;
  return {};
}

Result<InterlockSpec> interlock_from_json(const json& t, std::string where) {
  InterlockSpec s;
  s.where = std::move(where);
  if (!t.is_object()) return fail(bad(s.where, "?", "expected a table"));
  s.name = t.value("name", std::string{});
  for (const auto& [key, value] : t.items()) {
    auto number = [&](double& out) -> Status {
      if (!value.is_number()) return fail(bad(s.where, s.name, fmt::format("{} must be a number", key)));
      out = value.get<double>();
      return {};
    };
    auto text = [&](std::string& out) -> Status {
      if (!value.is_string()) return fail(bad(s.where, s.name, fmt::format("{} must be a string", key)));
      out = value.get<std::string>();
      return {};
    };
    Status st;
    if (key == "name") st = text(s.name);
    else if (key == "kind") st = text(s.kind);
    else if (key == "instrument") st = text(s.instrument);
    else if (key == "action") st = text(s.action);
    else if (key == "band_c") st = number(s.band_c);
    else if (key == "soak_s") st = number(s.soak_s);
    else if (key == "poll_s") st = number(s.poll_s);
    else if (key == "max_c") {
      double v = 0;
      st = number(v);
      s.max_c = v;
    } else {
      st = fail(bad(s.where, s.name,
                    fmt::format("unknown key '{}' (name, kind, instrument, action, band_c, soak_s, max_c, poll_s)", key)));
    }
    if (!st) return fail(st.error());
  }
  if (auto st = validate(s); !st) return fail(st.error());
  return s;
}

}  // namespace ledlab::engine
