#include "engine/station_config.hpp"

#include "io/address.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace ledlab::engine {
namespace {

const std::set<std::string> kKinds{"power_meter", "thermal_chamber", "bert", "pattern_generator"};

// "station.toml:12: instruments.chamber.timeout_ms: expected an integer"
Error at(const std::string& source, const toml::node* node, std::string_view key, std::string_view what) {
  std::string where = source;
  if (node && node->source().begin.line > 0) where += fmt::format(":{}", node->source().begin.line);
  return make_error(Errc::config, fmt::format("{}: {}: {}", where, key, what));
}

Result<double> number(const std::string& src, const toml::node& node, std::string_view key) {
  if (auto v = node.value<double>()) return *v;
  return fail(at(src, &node, key, "expected a number"));
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

Result<instruments::InstrumentConfig> parse_instrument(const std::string& src, const std::string& name,
                                                       const toml::table& t, StationConfig& station) {
  const std::string base = "instruments." + name;
  static const std::set<std::string> known{"kind", "driver", "address", "timeout_ms", "connect_timeout_ms",
                                           "opc_timeout_ms", "reconnect_attempts", "limits", "options", "sim_setup"};
  for (const auto& [k, v] : t)
    if (!known.contains(std::string(k.str())))
      return fail(at(src, &v, base + "." + std::string(k.str()), "unknown key"));

  instruments::InstrumentConfig cfg;
  cfg.name = name;
  const auto kind = t["kind"].value<std::string>();
  if (!kind) return fail(at(src, &t, base + ".kind", "missing; one of power_meter, thermal_chamber, bert, pattern_generator"));
  if (!kKinds.contains(*kind))
    return fail(at(src, t.get("kind"), base + ".kind",
                   fmt::format("'{}' is not one of power_meter, thermal_chamber, bert, pattern_generator", *kind)));
  cfg.kind = *kind;
  cfg.driver = t["driver"].value_or(std::string{});
  const auto address = t["address"].value<std::string>();
  if (!address) return fail(at(src, &t, base + ".address", "missing, e.g. \"tcp://127.0.0.1:5025\""));
  if (auto parsed = io::parse_address(*address); !parsed)
    return fail(at(src, t.get("address"), base + ".address", parsed.error().message));
  cfg.address = *address;

  auto millis = [&](std::string_view key, io::Millis& out) -> Status {
    if (const auto* node = t.get(key)) {
      auto v = node->value<std::int64_t>();
      if (!v || *v <= 0) return fail(at(src, node, base + "." + std::string(key), "expected a positive integer (milliseconds)"));
      out = io::Millis(*v);
    }
    return {};
  };
  if (auto st = millis("timeout_ms", cfg.session.timeout); !st) return fail(st.error());
  if (auto st = millis("connect_timeout_ms", cfg.session.connect_timeout); !st) return fail(st.error());
  if (auto st = millis("opc_timeout_ms", cfg.session.opc_timeout); !st) return fail(st.error());
  if (const auto* node = t.get("reconnect_attempts")) {
    auto v = node->value<std::int64_t>();
    if (!v || *v < 0) return fail(at(src, node, base + ".reconnect_attempts", "expected a non-negative integer"));
    cfg.session.reconnect_attempts = static_cast<int>(*v);
  }
  auto limits = number_table(src, t.get("limits"), base + ".limits");
  if (!limits) return fail(limits.error());
  cfg.limits = std::move(*limits);
  auto options = number_table(src, t.get("options"), base + ".options");
  if (!options) return fail(options.error());
  cfg.options = std::move(*options);
  if (!cfg.options.contains("safe_temperature_c")) cfg.options["safe_temperature_c"] = station.safe_temperature_c;
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

const instruments::InstrumentConfig* StationConfig::find(std::string_view n) const {
  for (const auto& i : instruments)
    if (i.name == n) return &i;
  return nullptr;
}

Result<StationConfig> parse_station(std::string_view text, std::string source_name) {
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
  for (const auto& [k, v] : root) {
    const std::string key(k.str());
    if (key != "station" && key != "bench" && key != "instruments" && key != "interlocks")
      return fail(at(source_name, &v, key,
                     "unknown table; expected [station], [bench], [instruments.<name>] or [interlocks.<name>]"));
  }
  if (const auto* s = root["station"].as_table()) {
    st.name = (*s)["name"].value_or(std::string{});
    if (const auto* n = s->get("time_scale")) {
      auto v = number(source_name, *n, "station.time_scale");
      if (!v) return fail(v.error());
      if (*v <= 0) return fail(at(source_name, n, "station.time_scale", "must be > 0"));
      st.time_scale = *v;
    }
    if (const auto* n = s->get("safe_temperature_c")) {
      auto v = number(source_name, *n, "station.safe_temperature_c");
      if (!v) return fail(v.error());
      st.safe_temperature_c = *v;
    }
    if (const auto* n = s->get("link_recovery_s")) {
      auto v = number(source_name, *n, "station.link_recovery_s");
      if (!v) return fail(v.error());
      if (*v < 0) return fail(at(source_name, n, "station.link_recovery_s", "must be >= 0"));
      st.link_recovery_s = *v;
    }
    if (const auto* n = s->get("heartbeat_s")) {
      auto v = number(source_name, *n, "station.heartbeat_s");
      if (!v) return fail(v.error());
      if (*v < 0) return fail(at(source_name, n, "station.heartbeat_s", "must be >= 0 (0 turns it off)"));
      st.heartbeat_s = *v;
    }
  }
  if (st.name.empty()) st.name = std::filesystem::path(source_name).stem().string();
  if (const auto* b = root.get("bench")) st.bench = to_json(*b);
  const auto* instruments = root["instruments"].as_table();
  if (!instruments || instruments->empty())
    return fail(at(source_name, nullptr, "instruments", "no [instruments.<name>] tables"));
  for (const auto& [k, v] : *instruments) {
    const std::string name(k.str());
    const auto* t = v.as_table();
    if (!t) return fail(at(source_name, &v, "instruments." + name, "expected a table"));
    auto cfg = parse_instrument(source_name, name, *t, st);
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
