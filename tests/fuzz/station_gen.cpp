// Station files generated from bytes: valid TOML with every key the parser reads, holding
// hostile values (NaN, infinities, values just past each range, wrong types), so mutations
// reach the checks behind the TOML parser rather than its syntax errors.
#include "fuzz/station_gen.hpp"

#include "engine/bench_settings.hpp"
#include "fuzz/lua_gen.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace ledlab::fuzz {
namespace {

constexpr std::array<std::string_view, 5> kKinds{"power_meter", "thermal_chamber", "bert", "pattern_generator", "smu"};
constexpr std::array<std::string_view, 5> kNames{"opm", "chamber", "bert", "pg", "smu"};

std::string toml_float(double v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string text = fmt::format("{:.17g}", v);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";  // TOML: a float, not an integer
  return text;
}

// A value inside lo..hi (a whole number where `whole`), as a station file should hold it.
std::string good_number(Bytes& in, double lo, double hi, bool whole) {
  lo = std::max(lo, -1e15);
  hi = std::min(hi, 1e15);
  double v = lo + (hi - lo) * (in.next() % 5 + 1) / 6;  // strictly inside: an excluded bound is never hit
  if (!whole) return toml_float(v);
  v = std::ceil(v);
  return fmt::format("{}", static_cast<std::int64_t>(v <= hi ? v : std::floor(hi)));
}

// A TOML value as the station file might hold it for a key that accepts lo..hi: three times in
// four a good one, else a value at or just past a bound, NaN, an infinity, any double or
// integer, or not a number at all.
std::string number(Bytes& in, double lo, double hi, bool whole = false) {
  const auto g = toml_float;
  if (const unsigned b = in.next(); b < 192) return good_number(in, lo, hi, whole);
  switch (in.next() % 17) {
    case 0: return g(lo);
    case 1: return g(hi);
    case 2: return g(std::nextafter(lo, -INFINITY));
    case 3: return g(std::nextafter(hi, INFINITY));
    case 4: return g((lo + hi) / 2);
    case 5: return "nan";
    case 6: return in.next() % 2 ? "inf" : "-inf";
    case 7: return g(std::bit_cast<double>(in.next64()));
    case 8: return fmt::format("{}", static_cast<std::int64_t>(in.next64()));  // any integer
    case 9: return std::isfinite(lo) && std::abs(lo) < 9e15 ? fmt::format("{}", static_cast<std::int64_t>(lo)) : "0";
    case 10: return "-0.0";
    case 11: return "\"12\"";
    case 12: return "true";
    case 13: return "[1.0]";
    case 14: return "{ x = 1 }";
    case 15: {  // a whole number just outside the range, for keys that want integers
      const double edge = in.next() % 2 ? std::floor(lo) - 1 : std::ceil(hi) + 1;
      return std::abs(edge) < 9e18 ? fmt::format("{}", static_cast<std::int64_t>(edge)) : "-1";
    }
    default: return fmt::format("{}", static_cast<int>(in.next()) - 128);
  }
}

void station_table(Bytes& in, std::string& out) {
  out += "[station]\n";
  if (in.next() % 2) out += "name = \"fuzz\"\n";
  const unsigned keys = in.next();
  if (keys & 1) out += "time_scale = " + number(in, 0, 1e7) + "\n";
  if (keys & 2) out += "safe_temperature_c = " + number(in, -273.15, 1000) + "\n";
  if (keys & 4) out += "link_recovery_s = " + number(in, 0, 7 * 86400) + "\n";
  if (keys & 8) out += "heartbeat_s = " + number(in, 0, 86400) + "\n";
  if (keys & 16 && in.next() % 8 == 0) out += "unknown = 1\n";
}

void bench_tables(Bytes& in, std::string& out) {
  static const std::vector<std::string> names = engine::bench_parameter_names();  // "array.rows", ...
  out += "[bench]\n";
  if (in.next() % 2) out += "seed = " + number(in, 0, 1e18, true) + "\n";
  std::map<std::string, std::map<std::string, std::string>> sections;  // TOML: each table and key once
  for (unsigned n = in.next() % 6; n > 0; --n) {
    const std::string& name = names[in.next() % names.size()];
    const auto dot = name.find('.');
    sections[name.substr(0, dot)][name.substr(dot + 1)] = number(in, 0, 1e5);
  }
  for (const auto& [section, keys] : sections) {
    out += fmt::format("[bench.{}]\n", section);
    for (const auto& [key, value] : keys) out += fmt::format("{} = {}\n", key, value);
  }
}

// "key = value, ..." of a limits or options table.
std::string inline_table(const std::map<std::string_view, std::string>& items) {
  std::string text;
  for (const auto& [key, value] : items) text += fmt::format("{}{} = {}", text.empty() ? "" : ", ", key, value);
  return text;
}

// A source-measure unit is refused without all three of its limits (instruments/smu), so picking
// keys at random would rarely get past "required": the three are written together, each one
// hostile as often as number() makes it (NaN, infinities, 0, past 10 A / 210 V, wrong types),
// and now and then one is left out. The start-up compliance options are written often, so a
// compliance above its limit, or one beside a hostile limit, is tried.
void smu_tables(Bytes& in, std::string& out, const instruments::DriverInfo& info) {
  const auto spec = [&](std::string_view table, std::string_view key) -> const instruments::SettingKey* {
    for (const auto& k : info.keys)
      if (k.table == table && k.key == key) return &k;
    return nullptr;
  };
  std::map<std::string_view, std::string> limits, options;
  const unsigned left_out = in.next() % 8;  // 0..2: that limit is missing
  unsigned n = 0;
  for (const std::string_view key : {"max_current_a", "max_compliance_v", "max_compliance_a"}) {
    const auto* k = spec("limits", key);
    if (n++ != left_out && k) limits[key] = number(in, k->min, k->max, k->whole);
  }
  for (const std::string_view key : {"compliance_v", "compliance_a", "channels", "driver_power_per_lane_w"}) {
    const auto* k = spec("options", key);
    if (k && in.next() % 2) options[key] = number(in, k->min, k->max, k->whole);
  }
  if (in.next() % 16 == 0) limits["no_such_key"] = "1";
  if (!limits.empty()) out += fmt::format("limits = {{ {} }}\n", inline_table(limits));
  if (!options.empty()) out += fmt::format("options = {{ {} }}\n", inline_table(options));
}

void instrument_table(Bytes& in, std::string& out, std::size_t index) {
  const std::string_view kind = kKinds[in.next() % kKinds.size()];
  out += fmt::format("[instruments.{}]\nkind = \"{}\"\n", kNames[index], kind);
  out += in.next() % 8 ? fmt::format("address = \"tcp://127.0.0.1:{}\"\n", 55100 + index) : "address = \"tcp://:0\"\n";
  const unsigned keys = in.next();
  if (keys & 1) out += "timeout_ms = " + number(in, 1, 86'400'000, true) + "\n";
  if (keys & 2) out += "opc_timeout_ms = " + number(in, 1, 86'400'000, true) + "\n";
  if (keys & 4) out += "reconnect_attempts = " + number(in, 0, 1000, true) + "\n";
  const auto* info = instruments::DriverRegistry::instance().find(kind, "");
  if (info == nullptr || info->keys.empty()) return;
  if (kind == "smu") return smu_tables(in, out, *info);
  for (const std::string_view table : {"limits", "options"}) {
    std::map<std::string_view, std::string> items;
    for (unsigned n = in.next() % 4; n > 0; --n) {
      const auto& key = info->keys[in.next() % info->keys.size()];
      if (key.table == table) items[key.key] = number(in, key.min, key.max, key.whole);
    }
    if (in.next() % 16 == 0) items["no_such_key"] = "1";
    if (!items.empty()) out += fmt::format("{} = {{ {} }}\n", table, inline_table(items));
  }
}

void interlock_table(Bytes& in, std::string& out, std::size_t index, std::size_t instruments) {
  out += fmt::format("[interlocks.lock{}]\n", index);
  out += in.next() % 2 ? "kind = \"chamber_band\"\n" : "kind = \"over_temperature\"\n";
  out += fmt::format("instrument = \"{}\"\n", kNames[in.next() % (instruments + 1) % kNames.size()]);
  const unsigned keys = in.next();
  if (keys & 1) out += "band_c = " + number(in, 0, 100) + "\n";
  if (keys & 2) out += "soak_s = " + number(in, 0, 1e7) + "\n";
  if (keys & 4) out += "poll_s = " + number(in, 0, 86400) + "\n";
  if (keys & 8) out += "max_c = " + number(in, -273.15, 1000) + "\n";
  if (keys & 16) out += in.next() % 8 ? "action = \"abort\"\n" : "action = \"pause\"\n";
}

}  // namespace

std::string generated_station(std::string_view bytes) {
  Bytes in(bytes);
  std::string out;
  if (in.next() % 4) station_table(in, out);
  if (in.next() % 2) bench_tables(in, out);
  const std::size_t instruments = in.next() % (kNames.size() + 1);
  for (std::size_t i = 0; i < instruments; ++i) instrument_table(in, out, i);
  const std::size_t interlocks = in.next() % 3;
  for (std::size_t i = 0; i < interlocks; ++i) interlock_table(in, out, i, instruments);
  return out;
}

}  // namespace ledlab::fuzz
