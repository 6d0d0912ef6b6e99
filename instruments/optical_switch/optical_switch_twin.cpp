// Simulated N x M optical matrix switch: the "ledlab-switch" dialect (dialects.cpp), SCPI-99
// ROUTe with two-dimensional channels "(@input!output,...)". Its routes live in the station's
// sim::Wiring, so the light of the lane on a routed input reaches whatever instrument channel
// the output is wired to (a BERT channel behind the switch reads that lane's errors; an open
// output is dark). A route change takes the settle time (option settle_s, simulated seconds):
// *OPC? answers once the mirrors have settled. Routes are one-to-one: closing i!o opens what
// i and o were routed to before. Every route change goes in the twin log (SIM:LOG?).
#include "instruments/common/twin_log_commands.hpp"
#include "instruments/common/twin_registry.hpp"
#include "instruments/common/twin_timing.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/twin_log.hpp"
#include "instruments/sim/wiring.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::instruments {
namespace {

using scpi::server::CommandError;
using scpi::server::Device;
using scpi::server::Request;
namespace codes = scpi::server::codes;

struct SwitchTwin {
  std::string name;
  std::shared_ptr<sim::Bench> bench;
  std::shared_ptr<Clock> clock;
  std::shared_ptr<sim::Wiring> wiring;
  std::shared_ptr<sim::TwinLog> log;
  int inputs = 1;
  int outputs = 1;
  double settle_s = 0.01;
  double settled_at_s = 0;  // clock time the last move ends

  void moved(std::string event) {
    log->add(bench->time_s(), name, std::move(event));
    settled_at_s = clock->elapsed_s() + settle_s;
  }

  // Simulated seconds until the mirrors settle, plus the reply's margin (twin_timing.hpp).
  double pending_s() const {
    const double left = settled_at_s - clock->elapsed_s();
    return left > 0 ? left + opc_margin_s(*clock) : 0.0;
  }

  static int number(std::string_view text, const std::string& list) {
    int v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size())
      throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; channel list '{}'", list)};
    return v;
  }

  // "(@3!1,4!2)" -> {{3,1},{4,2}}: every pair in range; the parameter splitter has cut the
  // list at its commas, so the raw parameters are joined back first.
  std::vector<std::pair<int, int>> channel_list(const Request& r) const {
    if (!r.params.has(0)) throw CommandError{codes::missing_parameter, "Missing parameter; channel list (@in!out,...)"};
    std::string list;
    for (std::size_t i = 0; i < r.params.size(); ++i) list += (i ? "," : "") + r.params.raw(i);
    if (list.size() < 4 || !list.starts_with("(@") || !list.ends_with(")"))
      throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; channel list '{}'", list)};
    std::vector<std::pair<int, int>> pairs;
    std::string_view body(list.data() + 2, list.size() - 3);
    while (true) {
      const auto comma = body.find(',');
      const auto item = body.substr(0, comma);
      const auto bang = item.find('!');
      if (bang == std::string_view::npos)
        throw CommandError{codes::illegal_parameter_value,
                           fmt::format("Illegal parameter value; '{}' in '{}' is not input!output", item, list)};
      const int in = number(item.substr(0, bang), list), out = number(item.substr(bang + 1), list);
      if (in < 1 || in > inputs || out < 1 || out > outputs)
        throw CommandError{codes::data_out_of_range,
                           fmt::format("Data out of range; {}!{} outside {} x {}", in, out, inputs, outputs)};
      pairs.emplace_back(in, out);
      if (comma == std::string_view::npos) break;
      body.remove_prefix(comma + 1);
    }
    return pairs;
  }

  void close(const std::vector<std::pair<int, int>>& pairs) {
    for (std::size_t i = 0; i < pairs.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (pairs[i].first == pairs[j].first || pairs[i].second == pairs[j].second)
          throw CommandError{codes::settings_conflict,
                             fmt::format("Settings conflict; {}!{} and {}!{} share a port", pairs[j].first,
                                         pairs[j].second, pairs[i].first, pairs[i].second)};
    for (auto [in, out] : pairs) {
      wiring->route(name, in, out);
      moved(fmt::format("ROUTE {}!{}", in, out));
    }
  }

  void open(const std::vector<std::pair<int, int>>& pairs) {
    for (auto [in, out] : pairs)
      if (wiring->routed_input(name, out) == in) {
        wiring->open(name, out);
        moved(fmt::format("OPEN {}!{}", in, out));
      }
  }

  void open_all() {
    wiring->open_all(name);
    moved("OPEN ALL");
  }
};

std::shared_ptr<Device> make_optical_switch_twin(const TwinContext& ctx) {
  auto dev = std::make_shared<Device>(twin_identity(ctx.config, {"ledlab", "SIM-SWITCH", ctx.config.name, "0.1"}));
  auto t = std::make_shared<SwitchTwin>();
  t->name = ctx.config.name;
  t->bench = ctx.bench;
  t->clock = ctx.clock;
  // A switch on a station without sockets wires nothing: its routes are its own.
  t->wiring = ctx.wiring ? ctx.wiring : std::make_shared<sim::Wiring>();
  t->log = ctx.log ? ctx.log : std::make_shared<sim::TwinLog>();
  // Size: the station's options, else what the wiring uses, else one input per bench lane and
  // four outputs.
  const int wired_in = t->wiring->switch_inputs(t->name), wired_out = t->wiring->switch_outputs(t->name);
  t->inputs = static_cast<int>(ctx.config.option("inputs", wired_in > 0 ? wired_in : static_cast<double>(ctx.bench->lane_count())));
  t->outputs = static_cast<int>(ctx.config.option("outputs", wired_out > 0 ? wired_out : 4));
  t->settle_s = ctx.config.option("settle_s", 0.01);

  dev->on("ROUTe:CLOSe", [t](Request& r) { t->close(t->channel_list(r)); }, [t](Request& r) {
    std::string out;
    for (auto [in, o] : t->channel_list(r)) out += fmt::format("{}{}", out.empty() ? "" : ",", t->wiring->routed_input(t->name, o) == in ? 1 : 0);
    r.reply(out);
  });
  dev->on("ROUTe:OPEN", [t](Request& r) { t->open(t->channel_list(r)); });
  dev->on("ROUTe:OPEN:ALL", [t](Request&) { t->open_all(); });
  dev->on("ROUTe:CONNection", {}, [t](Request& r) {
    const int out = static_cast<int>(r.params.integer(0, {1, static_cast<double>(t->outputs)}));
    r.reply_int(t->wiring->routed_input(t->name, out).value_or(0));
  });
  dev->on("ROUTe:SIZE:INPuts", {}, [t](Request& r) { r.reply_int(t->inputs); });
  dev->on("ROUTe:SIZE:OUTPuts", {}, [t](Request& r) { r.reply_int(t->outputs); });
  dev->on("ROUTe:SETTle[:TIME]", {}, [t](Request& r) { r.reply(t->settle_s); });
  register_log_commands(*dev, t->log, t->name);
  dev->on_reset = [t] { t->open_all(); };
  dev->pending_operation_s = [t] { return t->pending_s(); };
  return dev;
}

}  // namespace

LEDLAB_REGISTER_TWIN(optical_switch, make_optical_switch_twin);

}  // namespace ledlab::instruments
