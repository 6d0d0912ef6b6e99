// [sockets.<name>] of a station file (socket_config.hpp, README "Sockets"). Everything that
// can be checked without the instruments is checked here, naming the file, the line and the
// key; channel numbers against the instruments' channel counts wait for attach
// (check_socket_channels).
#include "engine/station_config.hpp"
#include "engine/station_toml.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

namespace ledlab::engine {
namespace {

// The script's object names and the instrument kind each needs.
struct RoleKind {
  std::string_view role;
  std::string_view kind;
  bool per_lane;   // lanes reach channels of the instrument (else the instrument serves the DUT whole)
  bool optical;    // may reach its instrument through an optical switch
};
constexpr RoleKind kRoles[] = {
    {"bert", "bert", true, true},
    {"opm", "power_meter", true, true},
    {"smu", "smu", true, false},
    {"pg", "pattern_generator", true, false},
    {"chamber", "thermal_chamber", false, false},
};
constexpr std::string_view kRoleNames = "bert, opm, smu, pg, chamber";

const RoleKind* find_role(std::string_view name) {
  for (const auto& r : kRoles)
    if (r.role == name) return &r;
  return nullptr;
}

Error at(const std::string& src, const toml::node* node, std::string_view key, std::string_view what) {
  return toml_error(src, node, key, what);
}

Result<int> whole(const std::string& src, const toml::node& node, const std::string& key, int lo, int hi) {
  const auto v = node.value_exact<std::int64_t>();
  if (!v || *v < lo || *v > hi) return fail(at(src, &node, key, fmt::format("expected an integer from {} to {}", lo, hi)));
  return static_cast<int>(*v);
}

// "1-4,9,10-12": numbers and ascending ranges, each from 1 to kMaxSocketChannel.
Result<std::vector<int>> parse_range_text(std::string_view text) {
  std::vector<int> out;
  auto number = [](std::string_view s) -> std::optional<int> {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 1 || v > kMaxSocketChannel) return std::nullopt;
    return v;
  };
  while (true) {
    const auto comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const auto dash = item.find('-');
    const auto first = number(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : number(item.substr(dash + 1));
    if (!first || !last)
      return fail(Errc::config, fmt::format("'{}' is not a channel or a range a-b of channels 1 to {}", item, kMaxSocketChannel));
    if (*last < *first) return fail(Errc::config, fmt::format("range '{}' runs backwards", item));
    if (out.size() + static_cast<std::size_t>(*last - *first + 1) > static_cast<std::size_t>(kMaxSocketLanes))
      return fail(Errc::config, fmt::format("more than {} entries", kMaxSocketLanes));
    for (int v = *first; v <= *last; ++v) out.push_back(v);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

// A list of channels (or switch ports): an array of integers or a range string; no repeats.
Result<std::vector<int>> channel_list(const std::string& src, const toml::node& node, const std::string& key) {
  std::vector<int> out;
  if (const auto text = node.value_exact<std::string>()) {
    auto parsed = parse_range_text(*text);
    if (!parsed) return fail(at(src, &node, key, parsed.error().message));
    out = std::move(*parsed);
  } else if (const auto* array = node.as_array()) {
    if (array->size() > static_cast<std::size_t>(kMaxSocketLanes))
      return fail(at(src, &node, key, fmt::format("more than {} entries", kMaxSocketLanes)));
    for (std::size_t i = 0; i < array->size(); ++i) {
      auto v = whole(src, *array->get(i), fmt::format("{}[{}]", key, i), 1, kMaxSocketChannel);
      if (!v) return fail(v.error());
      out.push_back(*v);
    }
  } else {
    return fail(at(src, &node, key, "expected an array of integers or a range string such as \"1-400\" or \"1-4,9\""));
  }
  if (out.empty()) return fail(at(src, &node, key, "is empty"));
  std::set<int> seen;
  for (int v : out)
    if (!seen.insert(v).second) return fail(at(src, &node, key, fmt::format("names {} twice", v)));
  return out;
}

std::vector<int> identity(int n) {
  std::vector<int> out(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = i + 1;
  return out;
}

Result<RoleMap> parse_role(const std::string& src, const std::string& base, const RoleKind& kind, const toml::node& node,
                           int lanes, const StationConfig& station) {
  const auto* t = node.as_table();
  if (!t) return fail(at(src, &node, base, "expected a table such as { instrument = \"bert\", channels = \"1-400\" }"));
  static const std::set<std::string, std::less<>> known{"instrument", "channels", "switch", "switch_inputs", "switch_outputs"};
  for (const auto& [k, v] : *t)
    if (!known.contains(k.str()))
      return fail(at(src, &v, base + "." + std::string(k.str()),
                     "unknown key (instrument, channels, switch, switch_inputs, switch_outputs)"));
  RoleMap role;
  role.role = std::string(kind.role);
  const auto instrument = (*t)["instrument"].value_exact<std::string>();
  if (!instrument) return fail(at(src, t, base + ".instrument", "missing: the station instrument that serves this role"));
  role.instrument = *instrument;
  const auto* cfg = station.find(role.instrument);
  if (!cfg) return fail(at(src, t->get("instrument"), base + ".instrument", fmt::format("no instrument '{}' in this station", role.instrument)));
  if (cfg->kind != kind.kind)
    return fail(at(src, t->get("instrument"), base + ".instrument",
                   fmt::format("'{}' is a {}; the {} role needs a {}", role.instrument, cfg->kind, kind.role, kind.kind)));

  const bool switched = t->contains("switch");
  if (!kind.per_lane) {
    for (const char* key : {"channels", "switch", "switch_inputs", "switch_outputs"})
      if (const auto* v = t->get(key))
        return fail(at(src, v, base + "." + key, fmt::format("the {} serves the DUT as a whole: no channels", kind.role)));
    return role;
  }
  if (!switched) {
    for (const char* key : {"switch_inputs", "switch_outputs"})
      if (const auto* v = t->get(key)) return fail(at(src, v, base + "." + key, "only with switch = \"<optical switch>\""));
    if (const auto* v = t->get("channels")) {
      auto channels = channel_list(src, *v, base + ".channels");
      if (!channels) return fail(channels.error());
      if (std::ssize(*channels) != lanes)
        return fail(at(src, v, base + ".channels",
                       fmt::format("names {} channels for {} lanes (rows x cols): one channel per lane", channels->size(), lanes)));
      role.channels = std::move(*channels);
    } else if (kind.role != "pg") {
      role.channels = identity(lanes);  // lane n on channel n
    }
    return role;
  }

  const auto* sw_node = t->get("switch");
  if (!kind.optical)
    return fail(at(src, sw_node, base + ".switch", fmt::format("the {} is wired electrically: no optical switch", kind.role)));
  const auto sw = sw_node->value_exact<std::string>();
  if (!sw) return fail(at(src, sw_node, base + ".switch", "expected the name of an optical_switch instrument"));
  const auto* sw_cfg = station.find(*sw);
  if (!sw_cfg) return fail(at(src, sw_node, base + ".switch", fmt::format("no instrument '{}' in this station", *sw)));
  if (sw_cfg->kind != "optical_switch")
    return fail(at(src, sw_node, base + ".switch", fmt::format("'{}' is a {}, not an optical_switch", *sw, sw_cfg->kind)));
  role.optical_switch = *sw;
  const auto* inputs = t->get("switch_inputs");
  const auto* outputs = t->get("switch_outputs");
  if (!inputs) return fail(at(src, t, base + ".switch_inputs", "missing: the switch input of every lane"));
  if (!outputs) return fail(at(src, t, base + ".switch_outputs", "missing: the switch outputs wired to the instrument"));
  auto in = channel_list(src, *inputs, base + ".switch_inputs");
  if (!in) return fail(in.error());
  if (std::ssize(*in) != lanes)
    return fail(at(src, inputs, base + ".switch_inputs",
                   fmt::format("names {} inputs for {} lanes (rows x cols): one input per lane", in->size(), lanes)));
  auto out = channel_list(src, *outputs, base + ".switch_outputs");
  if (!out) return fail(out.error());
  role.switch_inputs = std::move(*in);
  role.switch_outputs = std::move(*out);
  if (const auto* v = t->get("channels")) {
    auto channels = channel_list(src, *v, base + ".channels");
    if (!channels) return fail(channels.error());
    if (channels->size() != role.switch_outputs.size())
      return fail(at(src, v, base + ".channels",
                     fmt::format("names {} channels for {} switch outputs: output k is wired to channel k", channels->size(),
                                 role.switch_outputs.size())));
    role.channels = std::move(*channels);
  } else {
    role.channels = identity(static_cast<int>(role.switch_outputs.size()));
  }
  return role;
}

Result<SocketConfig> parse_socket(const std::string& src, const std::string& name, const toml::table& t,
                                  const StationConfig& station) {
  const std::string base = "sockets." + name;
  const bool name_ok = !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  if (!name_ok) return fail(at(src, &t, base, "a socket's name is 1 to 32 letters, digits, '_' or '-'"));
  SocketConfig socket;
  socket.name = name;
  for (const auto& [k, v] : t) {
    const std::string key(k.str());
    if (key != "rows" && key != "cols" && key != "sim_dut" && !find_role(key))
      return fail(at(src, &v, base + "." + key, fmt::format("unknown key (rows, cols, sim_dut, or a role: {})", kRoleNames)));
  }
  for (auto [key, out] : {std::pair{"rows", &socket.rows}, std::pair{"cols", &socket.cols}}) {
    const auto* v = t.get(key);
    if (!v) return fail(at(src, &t, base + "." + key, "missing: the DUT's lanes are rows x cols"));
    auto n = whole(src, *v, base + "." + key, 1, kMaxSocketLanes);
    if (!n) return fail(n.error());
    *out = *n;
  }
  if (socket.rows * static_cast<long long>(socket.cols) > kMaxSocketLanes)
    return fail(at(src, t.get("cols"), base + ".cols", fmt::format("rows x cols is over {} lanes", kMaxSocketLanes)));
  socket.bench_dut = -1;  // set from the file order when not given
  if (const auto* v = t.get("sim_dut")) {
    auto n = whole(src, *v, base + ".sim_dut", 0, kMaxBenchDuts - 1);
    if (!n) return fail(n.error());
    socket.bench_dut = *n;
  }
  for (const auto& rk : kRoles) {
    const auto* v = t.get(rk.role);
    if (!v) continue;
    auto role = parse_role(src, base + "." + std::string(rk.role), rk, *v, socket.lane_count(), station);
    if (!role) return fail(role.error());
    socket.roles.push_back(std::move(*role));
  }
  if (socket.roles.empty())
    return fail(at(src, &t, base, fmt::format("no roles: name the instruments that serve this socket ({})", kRoleNames)));
  return socket;
}

// Checks across sockets: a direct channel (or a switch input) belongs to one lane of one
// socket; the same switch output is wired to the same instrument channel in every socket, and
// a channel behind a switch is no socket's direct channel.
Status check_claims(const std::string& src, const std::vector<SocketConfig>& sockets,
                    const std::map<std::string, const toml::node*>& nodes) {
  std::map<std::pair<std::string, int>, std::string> direct;    // (instrument, channel) -> "socket A lane 3"
  std::map<std::pair<std::string, int>, std::string> inputs;    // (switch, input)
  std::map<std::pair<std::string, int>, std::pair<std::string, int>> wired;  // (switch, output) -> (instrument, channel)
  for (const auto& s : sockets) {
    for (const auto& r : s.roles) {
      const std::string key = fmt::format("sockets.{}.{}", s.name, r.role);
      const toml::node* node = nodes.at(key);
      const auto claim = [&](auto& map, const std::string& where, int n, std::string_view what, const std::string& owner) -> Status {
        auto [it, inserted] = map.emplace(std::pair{where, n}, owner);
        if (!inserted && it->second != owner)
          return fail(at(src, node, key, fmt::format("{} {} of '{}' is already {}", what, n, where, it->second)));
        return {};
      };
      if (r.optical_switch.empty()) {
        for (std::size_t i = 0; i < r.channels.size(); ++i)
          if (auto st = claim(direct, r.instrument, r.channels[i], "channel", fmt::format("socket {} lane {}", s.name, i + 1)); !st)
            return st;
        continue;
      }
      for (std::size_t i = 0; i < r.switch_inputs.size(); ++i)
        if (auto st = claim(inputs, r.optical_switch, r.switch_inputs[i], "input", fmt::format("socket {} lane {}", s.name, i + 1));
            !st)
          return st;
      for (std::size_t k = 0; k < r.switch_outputs.size(); ++k) {
        const std::pair target{r.instrument, r.channels[k]};
        auto [it, inserted] = wired.emplace(std::pair{r.optical_switch, r.switch_outputs[k]}, target);
        if (!inserted && it->second != target)
          return fail(at(src, node, key,
                         fmt::format("switch output {} of '{}' is wired to {} channel {} in another socket, not {} channel {}",
                                     r.switch_outputs[k], r.optical_switch, it->second.first, it->second.second,
                                     target.first, target.second)));
      }
    }
  }
  for (const auto& [output, target] : wired)
    if (auto it = direct.find(target); it != direct.end())
      return fail(Errc::config, fmt::format("{}: {} channel {} is behind switch '{}' output {} and also {}", src, target.first,
                                            target.second, output.first, output.second, it->second));
  return {};
}

}  // namespace

Result<std::vector<SocketConfig>> parse_sockets(const std::string& src, const toml::node& node, const StationConfig& station) {
  const auto* table = node.as_table();
  if (!table) return fail(at(src, &node, "sockets", "expected [sockets.<name>] tables"));
  struct Entry {
    const toml::table* table;
    std::string name;
  };
  std::vector<Entry> entries;
  for (const auto& [k, v] : *table) {
    const auto* t = v.as_table();
    if (!t) return fail(at(src, &v, "sockets." + std::string(k.str()), "expected a table [sockets.<name>]"));
    entries.push_back({t, std::string(k.str())});
  }
  if (entries.empty()) return fail(at(src, &node, "sockets", "no [sockets.<name>] tables"));
  // In the order the file gives them (toml++ keeps keys sorted): a socket without sim_dut sits
  // on the bench DUT of its position.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.table->source().begin.line < b.table->source().begin.line;
  });
  std::vector<SocketConfig> sockets;
  std::map<std::string, const toml::node*> nodes;
  std::map<int, std::string> duts;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto socket = parse_socket(src, entries[i].name, *entries[i].table, station);
    if (!socket) return fail(socket.error());
    if (socket->bench_dut < 0) socket->bench_dut = static_cast<int>(i);
    const std::string key = "sockets." + socket->name;
    if (auto [it, inserted] = duts.emplace(socket->bench_dut, socket->name); !inserted) {
      const auto* sim_dut = entries[i].table->get("sim_dut");
      return fail(at(src, sim_dut ? sim_dut : entries[i].table, key + ".sim_dut",
                     fmt::format("bench DUT {} already sits in socket {}", socket->bench_dut, it->second)));
    }
    for (const auto& r : socket->roles) nodes[key + "." + r.role] = entries[i].table->get(r.role);
    sockets.push_back(std::move(*socket));
  }
  if (auto st = check_claims(src, sockets, nodes); !st) return fail(st.error());
  return sockets;
}

SocketConfig implicit_socket(const StationConfig& station) {
  SocketConfig socket;
  socket.name = std::string(kImplicitSocket);
  for (const auto& inst : station.instruments) {
    if (inst.kind == "optical_switch") continue;  // switches serve mapped roles, scripts never see them
    RoleMap role;
    role.role = inst.name;
    role.instrument = inst.name;
    socket.roles.push_back(std::move(role));
  }
  return socket;
}

std::vector<SocketConfig> station_sockets(const StationConfig& station) {
  if (!station.sockets.empty()) return station.sockets;
  return {implicit_socket(station)};
}

}  // namespace ledlab::engine
