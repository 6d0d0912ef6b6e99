#include "engine/station_config.hpp"

#include "engine/station_toml.hpp"
#include "instruments/common/registry.hpp"
#include "io/address.hpp"
#include "io/serial_settings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include <cctype>
#include <cmath>
#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

namespace ledlab::engine {
namespace {

const std::set<std::string> kKinds{"power_meter", "thermal_chamber", "bert", "pattern_generator", "smu", "optical_switch"};

// "station.toml:12: instruments.chamber.timeout_ms: expected an integer"
Error at(const std::string& source, const toml::node* node, std::string_view key, std::string_view what) {
  return toml_error(source, node, key, what);
}

Result<double> number(const std::string& src, const toml::node& node, std::string_view key) {
  if (auto v = node.value<double>()) return *v;
  return fail(at(src, &node, key, "expected a number"));
}

// A number in lo..hi (lo excluded when lo_open). Negated comparisons: NaN never passes.
Result<double> number_in(const std::string& src, const toml::node& node, std::string_view key, double lo, bool lo_open,
                         double hi) {
  auto v = number(src, node, key);
  if (!v) return v;
  const bool above = lo_open ? *v > lo : *v >= lo;
  if (!above || !(*v <= hi))
    return fail(at(src, &node, key, fmt::format("must be {} {:g} and <= {:g}, not {}", lo_open ? ">" : ">=", lo, hi, *v)));
  return v;
}

// Every number anywhere in the file must be finite: NaN compares false with everything, so a
// NaN limit, interval or setpoint would quietly switch a check off. TOML 1.0 admits nan and
// inf as floats; a station file does not.
Status finite_numbers(const std::string& src, const toml::node& node, const std::string& key) {
  if (const auto* table = node.as_table()) {
    for (const auto& [k, v] : *table)
      if (auto st = finite_numbers(src, v, key.empty() ? std::string(k.str()) : key + "." + std::string(k.str())); !st)
        return st;
  } else if (const auto* array = node.as_array()) {
    for (std::size_t i = 0; i < array->size(); ++i)
      if (auto st = finite_numbers(src, *array->get(i), fmt::format("{}[{}]", key, i)); !st) return st;
  } else if (const auto* f = node.as_floating_point(); f && !std::isfinite(f->get())) {
    return fail(at(src, &node, key, fmt::format("must be a finite number, not {}", f->get())));
  }
  return {};
}

Result<std::map<std::string, double>> number_table(const std::string& src, const toml::node* node, std::string key) {
  std::map<std::string, double> out;
  if (!node) return out;
  const auto* table = node->as_table();
  if (!table) return fail(at(src, node, key, "expected a table of numbers, e.g. { max_c = 125 }"));
  for (const auto& [k, v] : *table) {
    auto n = number(src, v, key + "." + std::string(k.str()));
    if (!n) return fail(n.error());
    out[std::string(k.str())] = *n;
  }
  return out;
}

// toml++ recurses once per level of table nesting. Inline arrays and tables are bounded
// (TOML_MAX_NESTED_VALUES, 256), dotted keys are not: a few tens of kilobytes of
// "[bench.t.t.t...]" exhaust the stack. Every level a dotted key adds is a dot on its line, so
// a line with more key dots than kMaxKeyDots is refused before parsing. Dots inside quotes and
// between digits (1.5, 07:32:00.5) are no key levels.
constexpr int kMaxKeyDots = 64;

std::optional<std::size_t> line_too_deep(std::string_view text) {
  std::size_t line = 1;
  int dots = 0;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      dots = 0;
      quote = 0;
    } else if (quote != 0) {
      if (c == '\\' && quote == '"') ++i;  // an escape in a basic string
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;  // a comment
    } else if (c == '.' && !(i > 0 && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                              std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      if (++dots > kMaxKeyDots) return line;
    }
  }
  return std::nullopt;
}

nlohmann::json to_json(const toml::node& node) {
  if (auto t = node.as_table()) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *t) j[std::string(k.str())] = to_json(v);
    return j;
  }
  if (auto a = node.as_array()) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& v : *a) j.push_back(to_json(v));
    return j;
  }
  if (auto v = node.value_exact<bool>()) return *v;
  if (auto v = node.value_exact<std::int64_t>()) return *v;
  if (auto v = node.value<double>()) return *v;
  if (auto v = node.value<std::string>()) return *v;
  return nullptr;
}

// `identity = "refuse" | "warn" | "ignore"` ([station] or an instrument's table).
Result<instruments::IdentityPolicy> identity_policy(const std::string& src, const toml::node& node, const std::string& key) {
  const auto text = node.value<std::string>();
  const auto policy = text ? instruments::parse_identity_policy(*text) : std::nullopt;
  if (!policy) return fail(at(src, &node, key, "expected \"refuse\", \"warn\" or \"ignore\""));
  return *policy;
}

// `safe_temperature_node`: [station] safe_temperature_c, which chambers inherit (may be null).
Result<instruments::InstrumentConfig> parse_instrument(const std::string& src, const std::string& name,
                                                       const toml::table& t, StationConfig& station,
                                                       const toml::node* safe_temperature_node) {
  const std::string base = "instruments." + name;
  static const std::set<std::string> known{"kind", "driver", "address", "timeout_ms", "connect_timeout_ms",
                                           "opc_timeout_ms", "reconnect_attempts", "limits", "options", "sim_setup",
                                           "identity"};
  for (const auto& [k, v] : t)
    if (!known.contains(std::string(k.str())))
      return fail(at(src, &v, base + "." + std::string(k.str()), "unknown key"));

  instruments::InstrumentConfig cfg;
  cfg.name = name;
  const auto kind = t["kind"].value<std::string>();
  if (!kind) return fail(at(src, &t, base + ".kind", "missing; one of power_meter, thermal_chamber, bert, pattern_generator, smu, optical_switch"));
  if (!kKinds.contains(*kind))
    return fail(at(src, t.get("kind"), base + ".kind",
                   fmt::format("'{}' is not one of power_meter, thermal_chamber, bert, pattern_generator, smu, optical_switch", *kind)));
  cfg.kind = *kind;
  cfg.driver = t["driver"].value_or(std::string{});
  const auto address = t["address"].value<std::string>();
  if (!address) return fail(at(src, &t, base + ".address", "missing, e.g. \"tcp://127.0.0.1:5025\""));
  auto parsed_address = io::parse_address(*address);
  if (!parsed_address) return fail(at(src, t.get("address"), base + ".address", parsed_address.error().message));
  cfg.address = *address;
  // A serial line's terminators are part of its settings: the session frames with the same.
  if (auto term = io::address_terminators(*parsed_address)) {
    cfg.session.write_terminator = term->write;
    cfg.session.read_terminator = term->read;
  }

  auto millis = [&](std::string_view key, io::Millis& out) -> Status {
    if (const auto* node = t.get(key)) {
      auto v = node->value_exact<std::int64_t>();
      if (!v || *v <= 0 || *v > kMaxTimeoutMs)
        return fail(at(src, node, base + "." + std::string(key),
                       fmt::format("expected a positive integer (milliseconds) <= {}", kMaxTimeoutMs)));
      out = io::Millis(*v);
    }
    return {};
  };
  if (auto st = millis("timeout_ms", cfg.session.timeout); !st) return fail(st.error());
  if (auto st = millis("connect_timeout_ms", cfg.session.connect_timeout); !st) return fail(st.error());
  if (auto st = millis("opc_timeout_ms", cfg.session.opc_timeout); !st) return fail(st.error());
  if (const auto* node = t.get("reconnect_attempts")) {
    auto v = node->value_exact<std::int64_t>();
    if (!v || *v < 0 || *v > kMaxReconnectAttempts)
      return fail(at(src, node, base + ".reconnect_attempts",
                     fmt::format("expected an integer from 0 to {}", kMaxReconnectAttempts)));
    cfg.session.reconnect_attempts = static_cast<int>(*v);
  }
  cfg.identity = station.identity;
  if (const auto* node = t.get("identity")) {
    auto policy = identity_policy(src, *node, base + ".identity");
    if (!policy) return fail(policy.error());
    cfg.identity = *policy;
  }
  auto limits = number_table(src, t.get("limits"), base + ".limits");
  if (!limits) return fail(limits.error());
  cfg.limits = std::move(*limits);
  auto options = number_table(src, t.get("options"), base + ".options");
  if (!options) return fail(options.error());
  cfg.options = std::move(*options);
  if (cfg.kind == "thermal_chamber" && !cfg.options.contains("safe_temperature_c"))
    cfg.options["safe_temperature_c"] = station.safe_temperature_c;
  // Each kind declares the limits and options it reads, with their ranges (the driver refuses
  // the same config again when it is made). A kind whose driver is not linked in is the
  // registry's to report when the station is created; a dialect its kind lacks is refused
  // here, where the line is known, since its settings could not be checked.
  const auto& registry = instruments::DriverRegistry::instance();
  if (const auto* kind_info = registry.find(cfg.kind, ""); kind_info && !registry.find(cfg.kind, cfg.driver))
    return fail(at(src, t.get("driver"), base + ".driver",
                   fmt::format("'{}' is not a {} driver (one of {})", cfg.driver, cfg.kind,
                               fmt::join(kind_info->drivers, ", "))));
  if (const auto* info = registry.find(cfg.kind, cfg.driver)) {
    if (auto problem = instruments::check_settings(*info, cfg)) {
      const std::string key = fmt::format("{}.{}.{}", base, problem->table, problem->key);
      const toml::node* node = t.at_path(problem->table + "." + problem->key).node();
      if (node == nullptr && problem->key == "safe_temperature_c")  // inherited from [station]
        return fail(at(src, safe_temperature_node, "station.safe_temperature_c",
                       fmt::format("for {}: {}", base, problem->what)));
      return fail(at(src, node != nullptr ? node : &t, key, problem->what));
    }
  }
  if (const auto* node = t.get("sim_setup")) {
    const auto* arr = node->as_array();
    if (!arr) return fail(at(src, node, base + ".sim_setup", "expected an array of SCPI command strings"));
    for (const auto& cmd : *arr) {
      auto s = cmd.value<std::string>();
      if (!s) return fail(at(src, &cmd, base + ".sim_setup", "expected a string"));
      station.twin_setup[name].push_back(*s);
    }
  }
  return cfg;
}

}  // namespace

std::string time_scale_problem(double scale) {
  if (scale > 0 && scale <= kMaxTimeScale) return {};
  return fmt::format("time scale {} must be > 0 and <= {:g} (simulated seconds per wall second)", scale, kMaxTimeScale);
}

const instruments::InstrumentConfig* StationConfig::find(std::string_view n) const {
  for (const auto& i : instruments)
    if (i.name == n) return &i;
  return nullptr;
}

Result<StationConfig> parse_station(std::string_view text, std::string source_name) {
  if (const auto line = line_too_deep(text))
    return fail(Errc::config, fmt::format("{}:{}: keys nest deeper than {} tables (more than {} dots in a line)",
                                          source_name, *line, kMaxKeyDots, kMaxKeyDots));
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return fail(Errc::config, fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line, e.source().begin.column,
                                          e.description()));
  }
  StationConfig st;
  st.source = source_name;
  st.text = text;
  if (auto finite = finite_numbers(source_name, root, ""); !finite) return fail(finite.error());
  const toml::node* safe_temperature_node = nullptr;  // for errors about the temperature chambers inherit
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (key != "station" && key != "bench" && key != "instruments" && key != "interlocks" && key != "alerts" &&
        key != "sockets" && key != "lab")
      return fail(at(source_name, &v, key,
                     "unknown table; expected [station], [bench], [instruments.<name>], [interlocks.<name>], "
                     "[sockets.<name>], [[alerts.webhook]] or [lab]"));
  }
  if (const auto* s = root["station"].as_table()) {
    struct Key {
      std::string_view name;
      double* out;
      double lo;
      bool lo_open;
      double hi;
    };
    // -273.15 C .. 1000 C here; each chamber then checks it against its own range and limits.
    const Key keys[] = {{"time_scale", &st.time_scale, 0, true, kMaxTimeScale},
                        {"safe_temperature_c", &st.safe_temperature_c, -273.15, false, 1000},
                        {"link_recovery_s", &st.link_recovery_s, 0, false, kMaxLinkRecoveryS},
                        {"heartbeat_s", &st.heartbeat_s, 0, false, kMaxHeartbeatS},
                        {"environment_log_s", &st.environment_log_s, 0, false, kMaxHeartbeatS}};
    for (const auto& [k, v] : *s) {
      const std::string key = "station." + std::string(k.str());
      if (k.str() == "name") {
        auto name = v.value<std::string>();
        if (!name) return fail(at(source_name, &v, key, "expected a string"));
        st.name = *name;
        continue;
      }
      if (k.str() == "identity") {
        auto policy = identity_policy(source_name, v, key);
        if (!policy) return fail(policy.error());
        st.identity = *policy;
        continue;
      }
      const auto* known = std::find_if(std::begin(keys), std::end(keys), [&](const Key& x) { return x.name == k.str(); });
      if (known == std::end(keys))
        return fail(at(source_name, &v, key,
                       "unknown key (name, time_scale, safe_temperature_c, link_recovery_s, heartbeat_s, "
                       "environment_log_s, identity)"));
      auto value = number_in(source_name, v, key, known->lo, known->lo_open, known->hi);
      if (!value) return fail(value.error());
      // A log faster than a reading a second would spend the chamber's link on nothing else.
      if (known->out == &st.environment_log_s && *value > 0 && *value < kMinEnvironmentLogS)
        return fail(at(source_name, &v, key, fmt::format("{} s: 0 (off) or {} to {} s", *value, kMinEnvironmentLogS,
                                                         kMaxHeartbeatS)));
      *known->out = *value;
    }
    safe_temperature_node = s->get("safe_temperature_c");
  }
  if (st.name.empty()) st.name = std::filesystem::path(source_name).stem().string();
  if (const auto* lab = root.get("lab")) {
    auto parsed = parse_lab(source_name, *lab);
    if (!parsed) return fail(parsed.error());
    st.lab = std::move(*parsed);
  }
  if (st.lab.station.empty()) st.lab.station = st.name;
  if (const auto* b = root.get("bench")) st.bench = to_json(*b);
  const auto* instruments = root["instruments"].as_table();
  if (!instruments || instruments->empty())
    return fail(at(source_name, nullptr, "instruments", "no [instruments.<name>] tables"));
  for (const auto& [k, v] : *instruments) {
    const std::string name(k.str());
    const auto* t = v.as_table();
    if (!t) return fail(at(source_name, &v, "instruments." + name, "expected a table"));
    auto cfg = parse_instrument(source_name, name, *t, st, safe_temperature_node);
    if (!cfg) return fail(cfg.error());
    st.instruments.push_back(std::move(*cfg));
  }
  if (const auto* locks = root["interlocks"].as_table()) {
    for (const auto& [k, v] : *locks) {
      const std::string name(k.str());
      const auto* t = v.as_table();
      if (!t) return fail(at(source_name, &v, "interlocks." + name, "expected a table"));
      auto table = to_json(*t);
      table["name"] = name;
      auto spec = interlock_from_json(table, fmt::format("{}:{}", source_name, t->source().begin.line));
      if (!spec) return fail(spec.error());
      if (!st.find(spec->instrument))
        return fail(at(source_name, t, "interlocks." + name + ".instrument",
                       fmt::format("no instrument '{}' in this station", spec->instrument)));
      st.interlocks.push_back(std::move(*spec));
    }
  }
  if (const auto* sockets = root.get("sockets")) {
    auto parsed = parse_sockets(source_name, *sockets, st);
    if (!parsed) return fail(parsed.error());
    st.sockets = std::move(*parsed);
  }
  if (const auto* alerts = root.get("alerts")) {
    auto parsed = parse_alerts(source_name, *alerts);
    if (!parsed) return fail(parsed.error());
    st.alerts = std::move(*parsed);
  }
  return st;
}

Result<StationConfig> load_station(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return fail(Errc::config, fmt::format("{}: cannot open the station file", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_station(ss.str(), path.string());
}

}  // namespace ledlab::engine
