#include "instruments/sim/wiring.hpp"

#include <algorithm>

namespace ledlab::sim {

void Wiring::connect_lane(const std::string& instrument, int channel, std::size_t lane) {
  std::lock_guard lock(mutex_);
  channels_[instrument][channel] = Source{lane, {}, 0};
}

void Wiring::connect_switch_output(const std::string& instrument, int channel, const std::string& optical_switch,
                                   int output) {
  std::lock_guard lock(mutex_);
  channels_[instrument][channel] = Source{std::nullopt, optical_switch, output};
  auto& sw = switches_[optical_switch];
  sw.outputs = std::max(sw.outputs, output);
}

void Wiring::serve_lanes(const std::string& instrument, const std::vector<std::size_t>& lanes) {
  std::lock_guard lock(mutex_);
  auto& served = whole_[instrument];
  served.insert(served.end(), lanes.begin(), lanes.end());
}

void Wiring::connect_switch_input(const std::string& optical_switch, int input, std::size_t lane) {
  std::lock_guard lock(mutex_);
  switches_[optical_switch].inputs[input] = lane;
}

void Wiring::route(const std::string& optical_switch, int input, int output) {
  std::lock_guard lock(mutex_);
  auto& routes = switches_[optical_switch].routes;
  std::erase_if(routes, [&](const auto& r) { return r.first == output || r.second == input; });
  routes[output] = input;
}

void Wiring::open(const std::string& optical_switch, int output) {
  std::lock_guard lock(mutex_);
  auto it = switches_.find(optical_switch);
  if (it != switches_.end()) it->second.routes.erase(output);
}

void Wiring::open_all(const std::string& optical_switch) {
  std::lock_guard lock(mutex_);
  auto it = switches_.find(optical_switch);
  if (it != switches_.end()) it->second.routes.clear();
}

std::optional<int> Wiring::routed_input(const std::string& optical_switch, int output) const {
  std::lock_guard lock(mutex_);
  auto it = switches_.find(optical_switch);
  if (it == switches_.end()) return std::nullopt;
  auto r = it->second.routes.find(output);
  if (r == it->second.routes.end()) return std::nullopt;
  return r->second;
}

bool Wiring::knows(std::string_view instrument) const {
  std::lock_guard lock(mutex_);
  return channels_.contains(instrument) || whole_.contains(instrument);
}

std::optional<std::size_t> Wiring::resolve_locked(std::string_view instrument, int channel) const {
  auto inst = channels_.find(instrument);
  if (inst == channels_.end()) {
    if (channel < 1) return std::nullopt;
    return static_cast<std::size_t>(channel - 1);
  }
  auto src = inst->second.find(channel);
  if (src == inst->second.end()) return std::nullopt;
  if (src->second.lane) return src->second.lane;
  auto sw = switches_.find(src->second.optical_switch);
  if (sw == switches_.end()) return std::nullopt;
  auto route = sw->second.routes.find(src->second.output);
  if (route == sw->second.routes.end()) return std::nullopt;
  auto lane = sw->second.inputs.find(route->second);
  if (lane == sw->second.inputs.end()) return std::nullopt;
  return lane->second;
}

std::optional<std::size_t> Wiring::resolve(std::string_view instrument, int channel) const {
  std::lock_guard lock(mutex_);
  return resolve_locked(instrument, channel);
}

std::vector<std::optional<std::size_t>> Wiring::resolve_all(std::string_view instrument, int count) const {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<std::size_t>> out;
  out.reserve(static_cast<std::size_t>(std::max(count, 0)));
  for (int channel = 1; channel <= count; ++channel) out.push_back(resolve_locked(instrument, channel));
  return out;
}

Wiring::Lit Wiring::lit(std::string_view instrument, int count) const {
  Lit out;
  const auto all = resolve_all(instrument, count);
  for (std::size_t k = 0; k < all.size(); ++k)
    if (all[k]) {
      out.channels.push_back(k);
      out.lanes.push_back(*all[k]);
    }
  return out;
}

int Wiring::channel_count(std::string_view instrument) const {
  std::lock_guard lock(mutex_);
  auto inst = channels_.find(instrument);
  if (inst == channels_.end() || inst->second.empty()) return 0;
  return inst->second.rbegin()->first;
}

int Wiring::switch_inputs(std::string_view optical_switch) const {
  std::lock_guard lock(mutex_);
  auto sw = switches_.find(optical_switch);
  if (sw == switches_.end() || sw->second.inputs.empty()) return 0;
  return sw->second.inputs.rbegin()->first;
}

int Wiring::switch_outputs(std::string_view optical_switch) const {
  std::lock_guard lock(mutex_);
  auto sw = switches_.find(optical_switch);
  return sw == switches_.end() ? 0 : sw->second.outputs;
}

std::vector<std::size_t> Wiring::lanes_of(std::string_view instrument) const {
  std::lock_guard lock(mutex_);
  std::vector<std::size_t> lanes;
  if (auto whole = whole_.find(instrument); whole != whole_.end()) lanes = whole->second;
  if (auto inst = channels_.find(instrument); inst != channels_.end()) {
    for (const auto& [channel, src] : inst->second) {
      if (src.lane) {
        lanes.push_back(*src.lane);
        continue;
      }
      auto sw = switches_.find(src.optical_switch);
      if (sw == switches_.end()) continue;
      for (const auto& [input, lane] : sw->second.inputs) lanes.push_back(lane);
    }
  }
  std::ranges::sort(lanes);
  const auto dup = std::ranges::unique(lanes);
  lanes.erase(dup.begin(), dup.end());
  return lanes;
}

}  // namespace ledlab::sim
