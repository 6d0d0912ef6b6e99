#include "engine/socket/bind_socket.hpp"

#include "engine/socket/role_bindings.hpp"
#include "instruments/bert/bert.hpp"
#include "instruments/optical_switch/optical_switch.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/smu/smu.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace ledlab::engine {

using namespace instruments;

namespace {

// Channels of the instrument a per-lane role reads: BERT lanes, meter and SMU channels.
std::optional<int> channel_count(const Instrument* inst) {
  if (const auto* b = dynamic_cast<const Bert*>(inst)) return b->lane_count();
  if (const auto* pm = dynamic_cast<const PowerMeter*>(inst)) return pm->channel_count();
  if (const auto* smu = dynamic_cast<const Smu*>(inst)) return smu->channel_count();
  return std::nullopt;
}

}  // namespace

Result<std::shared_ptr<const FallbacksUsed>> bind_socket(lua::SequenceRunner& runner, const Station& station,
                                                         const SocketConfig& socket, InstrumentLocks* locks,
                                                         std::shared_ptr<Clock> clock, std::shared_ptr<const SocketFallbacks> allowed) {
  auto used = std::make_shared<FallbacksUsed>();
  if (!allowed) allowed = std::make_shared<const SocketFallbacks>();
  for (const auto& role : socket.roles) {
    Instrument* inst = station.find(role.instrument);
    if (!inst)
      return fail(Errc::config, fmt::format("socket {}: {}: no instrument '{}' in the station", socket.name, role.role,
                                            role.instrument));
    if (socket.lane_count() > 0) {
      if (const auto* known = find_socket_role(role.role); known && inst->kind() != known->kind)
        return fail(Errc::config, fmt::format("socket {}: {}: '{}' is a {}, the role needs a {}", socket.name, role.role,
                                              role.instrument, inst->kind(), known->kind));
    }
    OpticalSwitch* sw = nullptr;
    if (!role.optical_switch.empty()) {
      sw = station.get<OpticalSwitch>(role.optical_switch);
      if (!sw)
        return fail(Errc::config, fmt::format("socket {}: {}: no optical switch '{}' in the station", socket.name, role.role,
                                              role.optical_switch));
    }
    socket::RoleBinding rb{std::make_shared<const socket::LaneRole>(socket.name, role, socket.lane_count(), inst, sw, locks),
                           clock, allowed, used};
    if (auto* b = dynamic_cast<Bert*>(inst)) socket::bind_bert_role(runner, rb, b);
    else if (auto* pm = dynamic_cast<PowerMeter*>(inst)) socket::bind_meter_role(runner, rb, pm);
    else if (auto* smu = dynamic_cast<Smu*>(inst)) socket::bind_smu_role(runner, rb, smu);
    else if (auto* ch = dynamic_cast<ThermalChamber*>(inst)) socket::bind_chamber_role(runner, rb, ch);
    else if (auto* pg = dynamic_cast<PatternGenerator*>(inst)) socket::bind_pattern_generator_role(runner, rb, pg);
  }
  return std::shared_ptr<const FallbacksUsed>(std::move(used));
}

Status check_socket_channels(const Station& station, const SocketConfig& socket) {
  const auto refuse = [&](const RoleMap& role, std::string what) {
    return fail(Errc::config, fmt::format("socket {}: {} {}", socket.name, role.role, what));
  };
  for (const auto& role : socket.roles) {
    const Instrument* inst = station.find(role.instrument);
    if (!inst) return refuse(role, fmt::format("is on instrument '{}', which the station does not have", role.instrument));
    if (const auto count = channel_count(inst)) {
      for (std::size_t i = 0; i < role.channels.size(); ++i) {
        if (role.channels[i] <= *count) continue;
        if (role.optical_switch.empty())
          return refuse(role, fmt::format("lane {} is on channel {}, but '{}' has {} channels", i + 1, role.channels[i],
                                          role.instrument, *count));
        return refuse(role, fmt::format("switch output {} is wired to channel {}, but '{}' has {} channels",
                                        role.switch_outputs[i], role.channels[i], role.instrument, *count));
      }
    }
    if (role.optical_switch.empty()) continue;
    const auto* sw = station.get<OpticalSwitch>(role.optical_switch);
    if (!sw) return refuse(role, fmt::format("is behind '{}', which is no optical switch of the station", role.optical_switch));
    for (std::size_t i = 0; i < role.switch_inputs.size(); ++i)
      if (role.switch_inputs[i] > sw->inputs())
        return refuse(role, fmt::format("lane {} enters switch '{}' at input {}, but it has {} inputs", i + 1,
                                        role.optical_switch, role.switch_inputs[i], sw->inputs()));
    for (int output : role.switch_outputs)
      if (output > sw->outputs())
        return refuse(role, fmt::format("is wired to output {} of switch '{}', but it has {} outputs", output,
                                        role.optical_switch, sw->outputs()));
  }
  return {};
}

}  // namespace ledlab::engine
