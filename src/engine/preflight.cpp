#include "engine/preflight.hpp"

#include "engine/sim_station.hpp"
#include "engine/station.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace ledlab::engine {

using nlohmann::json;
using instruments::Capabilities;

namespace {

bool within(int value, int count) { return value >= 1 && value <= count; }

}  // namespace

int reachable_lanes(const RoleMap& map, const Capabilities& caps, int lanes, const Capabilities* switch_caps) {
  if (map.optical_switch.empty()) {
    if (map.channels.empty()) return caps.channels > 0 ? std::min(caps.channels, lanes) : 0;  // identity
    int n = 0;
    for (int lane = 1; lane <= lanes && lane <= static_cast<int>(map.channels.size()); ++lane)
      n += within(map.channels[static_cast<std::size_t>(lane - 1)], caps.channels);
    return n;
  }
  if (!switch_caps || switch_caps->kind != "optical_switch") return 0;
  const bool declared = switch_caps->inputs > 0 || switch_caps->outputs > 0;
  bool any_output = false;
  for (std::size_t k = 0; k < map.switch_outputs.size() && k < map.channels.size(); ++k)
    any_output = any_output || ((!declared || within(map.switch_outputs[k], switch_caps->outputs)) &&
                                within(map.channels[k], caps.channels));
  if (!any_output) return 0;
  int n = 0;
  for (int lane = 1; lane <= lanes && lane <= static_cast<int>(map.switch_inputs.size()); ++lane)
    n += !declared || within(map.switch_inputs[static_cast<std::size_t>(lane - 1)], switch_caps->inputs);
  return n;
}

namespace {

// [bench.array] rows x cols, when the station states them.
int stated_array_lanes(const StationConfig& config) {
  const json& bench = config.bench;
  if (!bench.is_object() || !bench.contains("array") || !bench["array"].is_object()) return 0;
  const json& array = bench["array"];
  const auto dim = [&](const char* key) {
    const auto it = array.find(key);
    return it != array.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
  };
  const auto lanes = dim("rows") * dim("cols");
  return lanes >= 1 && lanes <= (std::int64_t{1} << 20) ? static_cast<int>(lanes) : 0;
}

std::string lanes_text(int n) { return fmt::format("{} lane{}", n, n == 1 ? "" : "s"); }

class Checker {
 public:
  Checker(const SocketView& socket, PreflightReport& report) : socket_(socket), report_(report) {}

  void check(const RoleNeed& need) {
    const RoleView* view = socket_.find(need.role);
    if (!view) {
      if (need.optional)
        report_.notes.push_back({need.role, "", "", "not on this station; the sequence goes on without it"});
      else
        report_.missing.push_back({need.role, "", "", fmt::format("no instrument serves this role (the sequence needs a{} {})",
                                                                  starts_with_vowel(need.kind) ? "n" : "",
                                                                  need.kind.empty() ? "instrument" : need.kind)});
      return;
    }
    view_ = view;
    const Capabilities& caps = view->caps;
    if (!need.kind.empty() && caps.kind != need.kind) {
      missing(fmt::format("is a {}, the sequence needs a{} {}", caps.kind, starts_with_vowel(need.kind) ? "n" : "",
                          need.kind));
      return;  // nothing else about it compares
    }
    if (need.lanes) {
      const int wanted = *need.lanes == kAllLanes ? socket_.lanes : *need.lanes;
      if (view->lanes_reachable < wanted)
        missing(fmt::format("reaches {} of the {} the sequence needs{}", view->lanes_reachable, lanes_text(wanted),
                            view->optical_switch.empty()
                                ? fmt::format(" ({} channel{}; map the lanes through an optical switch in [sockets])",
                                              caps.channels, caps.channels == 1 ? "" : "s")
                                : fmt::format(" through switch {}", view->optical_switch)));
    }
    if (need.gate == "bits" && !caps.gate_by_bits) {
      if (need.fallback == "time" && caps.gate_by_time) {
        fallback("cannot gate by bits: gates by time instead, for bits / bit rate seconds");
        report_.use.gate_by_time = true;
      } else {
        missing(fmt::format("cannot gate by bits{}", caps.gate_by_time ? " (the sequence allows no fallback)" : ", nor by time"));
      }
    } else if (need.gate == "time" && !caps.gate_by_time) {
      missing("cannot gate by time");
    }
    if (need.dut_probe && !caps.dut_probe) {
      if (need.fallback == "air") {
        fallback("has no DUT temperature probe: the chamber air stands for the DUT temperature");
        report_.use.dut_temperature_from_air = true;
      } else {
        missing("has no DUT temperature probe (the sequence allows no fallback)");
      }
    }
    if (need.range_c) {
      if (!caps.setpoint_c)
        missing(fmt::format("declares no setpoint range; the sequence sets {}", need.range_c->describe("C")));
      else if (!caps.setpoint_c->contains(*need.range_c))
        missing(fmt::format("setpoints {} are outside what the station limits and the model allow, {}",
                            need.range_c->describe("C"), caps.setpoint_c->describe("C")));
    }
    if (need.bit_rate_hz && caps.bit_rate_hz && !caps.bit_rate_hz->contains(*need.bit_rate_hz))
      missing(fmt::format("bit rates {} are outside the station limits {}", need.bit_rate_hz->describe("Hz"),
                          caps.bit_rate_hz->describe("Hz")));
    if (need.current_a && caps.max_current_a && !(*need.current_a <= *caps.max_current_a))
      missing(fmt::format("the sequence drives {:g} A per lane, above the station limit max_current_a = {:g} A",
                          *need.current_a, *caps.max_current_a));
    if (need.amplitude && !caps.amplitude) missing("cannot read the received modulation amplitude");
  }

 private:
  static bool starts_with_vowel(std::string_view s) {
    return !s.empty() && std::string_view("aeiou").find(s.front()) != std::string_view::npos;
  }
  PreflightItem item(std::string what) const {
    return {view_->role, view_->instrument, view_->caps.driver, std::move(what)};
  }
  void missing(std::string what) { report_.missing.push_back(item(std::move(what))); }
  void fallback(std::string what) { report_.fallbacks.push_back(item(std::move(what))); }

  const SocketView& socket_;
  PreflightReport& report_;
  const RoleView* view_ = nullptr;
};

json items_json(const std::vector<PreflightItem>& items) {
  json out = json::array();
  for (const auto& i : items)
    out.push_back({{"role", i.role}, {"instrument", i.instrument}, {"driver", i.driver}, {"what", i.what}});
  return out;
}

}  // namespace

json Fallbacks::to_json() const {
  return {{"gate_by_time", gate_by_time}, {"dut_temperature_from_air", dut_temperature_from_air}};
}

const RoleView* SocketView::find(std::string_view role) const {
  for (const auto& r : roles)
    if (r.role == role) return &r;
  return nullptr;
}

std::string PreflightItem::describe() const {
  if (instrument.empty()) return fmt::format("{}: {}", role, what);
  return fmt::format("{} (instrument {}, driver {}): {}", role, instrument, driver.empty() ? "?" : driver, what);
}

std::string PreflightReport::describe() const {
  std::string out = fmt::format("pre-flight, socket {}: {}", socket,
                                !ok() ? fmt::format("REFUSED, {} missing", missing.size())
                                : fallbacks.empty() ? std::string("the station can run the sequence")
                                                    : fmt::format("runs with {} fallback{}", fallbacks.size(),
                                                                  fallbacks.size() == 1 ? "" : "s"));
  for (const auto& i : missing) out += "\n  missing   " + i.describe();
  for (const auto& i : fallbacks) out += "\n  fallback  " + i.describe();
  for (const auto& i : notes) out += "\n  note      " + i.describe();
  return out;
}

json PreflightReport::to_json() const {
  return {{"socket", socket},       {"ok", ok()}, {"missing", items_json(missing)}, {"fallbacks", items_json(fallbacks)},
          {"notes", items_json(notes)}, {"use", use.to_json()}};
}

PreflightReport preflight(const SequenceNeeds& needs, const SocketView& socket) {
  PreflightReport report;
  report.socket = socket.socket;
  Checker checker(socket, report);
  for (const auto& need : needs.roles) checker.check(need);
  return report;
}

SocketView socket_view(const Station& station, const SocketConfig& socket) {
  SocketView view{socket.name, socket.lane_count(), {}};
  for (const auto& map : socket.roles) {
    const auto* inst = station.find(map.instrument);
    if (!inst) continue;
    RoleView role{map.role, map.instrument, inst->capabilities(), 0, map.optical_switch};
    std::optional<Capabilities> switch_caps;
    if (!map.optical_switch.empty())
      if (const auto* sw = station.find(map.optical_switch)) switch_caps = sw->capabilities();
    role.lanes_reachable = reachable_lanes(map, role.caps, view.lanes, switch_caps ? &*switch_caps : nullptr);
    view.roles.push_back(std::move(role));
  }
  return view;
}

SocketView implicit_socket_view(const Station& station) {
  SocketView view{"A", stated_array_lanes(station.config()), {}};
  for (const auto& inst : station.instruments()) view.roles.push_back({inst->name(), inst->name(), inst->capabilities(), 0, ""});
  if (view.lanes == 0)
    for (const auto& r : view.roles) view.lanes = std::max(view.lanes, r.caps.channels);
  for (auto& r : view.roles) r.lanes_reachable = std::min(r.caps.channels, view.lanes);
  return view;
}

std::vector<SocketView> socket_views(const Station& station) {
  std::vector<SocketView> views;
  if (station.config().sockets.empty()) {
    views.push_back(implicit_socket_view(station));
  } else {
    for (const auto& socket : station.config().sockets) views.push_back(socket_view(station, socket));
  }
  return views;
}

boost::asio::awaitable<Result<std::vector<PreflightReport>>> attach_and_check(Station& station,
                                                                             const SequenceNeeds& needs) {
  for (const auto& inst : station.instruments())
    if (auto st = co_await inst->attach(); !st)
      co_return fail(make_error(st.error().code, fmt::format("cannot attach {}: {}", inst->name(), st.error().describe())));
  std::vector<PreflightReport> reports;
  for (const auto& view : socket_views(station)) reports.push_back(preflight(needs, view));
  co_return reports;
}

Result<StationCheck> check_station_for(const StationConfig& config, const SequenceNeeds& needs, bool simulate) {
  boost::asio::io_context io;
  std::unique_ptr<SimulatedStation> sim;
  StationConfig effective = config;
  if (simulate) {
    auto started = SimulatedStation::start(io, config, std::make_shared<Clock>(config.time_scale),
                                           SimulatedStation::Ports::any_free);
    if (!started) return fail(started.error());
    sim = std::move(*started);
    effective = sim->config();
  }
  auto station = Station::create(effective, io.get_executor());
  if (!station) return fail(station.error());
  std::optional<Result<std::vector<PreflightReport>>> outcome;
  // The twins serve on the same loop: stop them (and the loop) once the check is done.
  boost::asio::co_spawn(io, attach_and_check(**station, needs),
                        [&](std::exception_ptr e, Result<std::vector<PreflightReport>> r) {
                          if (e) outcome = fail(Errc::io, "the pre-flight check threw");
                          else outcome = std::move(r);
                          if (sim) sim->stop();
                          io.stop();
                        });
  io.run();
  if (!outcome) return fail(Errc::io, "the pre-flight check did not finish");
  if (!*outcome) return fail(outcome->error());
  StationCheck check;
  for (const auto& inst : (*station)->instruments()) {
    check.names.push_back(inst->name());
    check.instruments.push_back(inst->capabilities());
    const auto& id = inst->identity_check();
    check.identity.push_back(id && id->verdict == instruments::IdentityCheck::Verdict::mismatched ? id->describe() : "");
  }
  check.reports = std::move(**outcome);
  return check;
}

std::string describe(const StationCheck& check) {
  std::string out;
  for (std::size_t i = 0; i < check.instruments.size(); ++i) {
    const auto& c = check.instruments[i];
    std::string has;
    const auto add = [&](bool flag, std::string_view what) {
      if (flag) has += (has.empty() ? "" : ", ") + std::string(what);
    };
    if (c.channels > 0) has = fmt::format("{} channel{}", c.channels, c.channels == 1 ? "" : "s");
    add(c.bulk_read, "bulk reads");
    add(c.gate_by_bits, "gate by bits");
    add(c.gate_by_time, "gate by time");
    add(c.amplitude, "amplitude");
    add(c.dut_probe, "DUT probe");
    add(c.kind == "thermal_chamber" && !c.dut_probe, "no DUT probe");
    add(c.current_mode, "current mode");
    add(c.inputs > 0 || c.outputs > 0, fmt::format("{} x {} switch", c.inputs, c.outputs));
    if (c.setpoint_c) add(true, "setpoints " + c.setpoint_c->describe("C"));
    if (c.bit_rate_hz) add(true, "bit rates " + c.bit_rate_hz->describe("Hz"));
    if (c.max_current_a) add(true, fmt::format("max {:g} A", *c.max_current_a));
    out += fmt::format("{:<12} {:<18} {:<14} {}\n", check.names[i], c.kind, c.driver, has);
    if (i < check.identity.size() && !check.identity[i].empty())
      out += fmt::format("{:<12} identity {}\n", "", check.identity[i]);
  }
  return out + describe(check.reports);
}

Fallbacks combined(const std::vector<PreflightReport>& reports) {
  Fallbacks use;
  for (const auto& r : reports) {
    use.gate_by_time = use.gate_by_time || r.use.gate_by_time;
    use.dut_temperature_from_air = use.dut_temperature_from_air || r.use.dut_temperature_from_air;
  }
  return use;
}

const PreflightReport* report_for(const std::vector<PreflightReport>& reports, std::string_view socket) {
  if (socket.empty()) return reports.size() == 1 ? &reports.front() : nullptr;
  for (const auto& r : reports)
    if (r.socket == socket) return &r;
  return nullptr;
}

std::string refusal_message(std::string_view sequence, const std::vector<PreflightReport>& reports) {
  std::string out = fmt::format("pre-flight refused the station: it cannot run {}:", sequence);
  for (const auto& r : reports)
    for (const auto& item : r.missing)
      out += reports.size() > 1 ? fmt::format("\n  socket {}: {}", r.socket, item.describe()) : "\n  " + item.describe();
  return out;
}

json preflight_event_data(const SequenceNeeds& needs, const std::vector<PreflightReport>& reports) {
  json data{{"needs", needs.to_json()}, {"reports", json::array()}, {"fallbacks", combined(reports).to_json()}};
  for (const auto& r : reports) data["reports"].push_back(r.to_json());
  return data;
}

std::string describe(const std::vector<PreflightReport>& reports) {
  std::string out;
  for (const auto& r : reports) out += (out.empty() ? "" : "\n") + r.describe();
  return out;
}

bool all_ok(const std::vector<PreflightReport>& reports) {
  return std::all_of(reports.begin(), reports.end(), [](const PreflightReport& r) { return r.ok(); });
}

}  // namespace ledlab::engine
