#include "engine/socket/lane_role.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>

namespace ledlab::engine::socket {

namespace asio = boost::asio;

std::vector<LaneBlock> lane_blocks(const RoleMap& role, int lanes) {
  std::vector<LaneBlock> blocks;
  if (lanes <= 0) return blocks;
  if (role.optical_switch.empty()) {
    LaneBlock all;
    for (int i = 0; i < lanes; ++i) {
      all.lanes.push_back(i);
      all.channels.push_back(role.channels.empty() ? i + 1 : role.channels[static_cast<std::size_t>(i)]);
    }
    blocks.push_back(std::move(all));
    return blocks;
  }
  const int width = static_cast<int>(role.switch_outputs.size());
  for (int first = 0; first < lanes; first += width) {
    LaneBlock block;
    for (int k = 0; k < width && first + k < lanes; ++k) {
      const auto lane = static_cast<std::size_t>(first + k);
      block.lanes.push_back(first + k);
      block.channels.push_back(role.channels[static_cast<std::size_t>(k)]);
      block.routes.emplace_back(role.switch_inputs[lane], role.switch_outputs[static_cast<std::size_t>(k)]);
    }
    blocks.push_back(std::move(block));
  }
  return blocks;
}

LaneRole::LaneRole(std::string socket, RoleMap map, int lanes, instruments::Instrument* instrument,
                   instruments::OpticalSwitch* optical_switch, InstrumentLocks* locks)
    : socket_(std::move(socket)),
      map_(std::move(map)),
      lanes_(lanes),
      instrument_(instrument),
      optical_switch_(optical_switch),
      locks_(locks) {}

std::string LaneRole::describe() const {
  std::string out = fmt::format("socket {}'s {} (instrument '{}'", socket_, map_.role, map_.instrument);
  if (!map_.optical_switch.empty()) out += fmt::format(" behind switch '{}'", map_.optical_switch);
  return out + ")";
}

bool LaneRole::whole_instrument(int instrument_channels) const {
  if (switched() || lanes(instrument_channels) != instrument_channels) return false;
  for (std::size_t i = 0; i < map_.channels.size(); ++i)
    if (map_.channels[i] != static_cast<int>(i) + 1) return false;
  return true;
}

LaneBlock LaneRole::lane(int lane) const {
  LaneBlock block;
  const auto i = static_cast<std::size_t>(lane - 1);
  block.lanes.push_back(lane - 1);
  if (map_.optical_switch.empty()) {
    block.channels.push_back(map_.channels.empty() ? lane : map_.channels[i]);
  } else {
    block.channels.push_back(map_.channels.front());
    block.routes.emplace_back(map_.switch_inputs[i], map_.switch_outputs.front());
  }
  return block;
}

asio::awaitable<InstrumentLocks::Guard> LaneRole::hold() const {
  if (!locks_) co_return InstrumentLocks::Guard{};
  std::vector<std::string> names;
  names.push_back(map_.instrument);
  if (!map_.optical_switch.empty()) names.push_back(map_.optical_switch);
  co_return co_await locks_->acquire(std::move(names), socket_);
}

asio::awaitable<Status> LaneRole::route(const LaneBlock& block) const {
  if (block.routes.empty() || !optical_switch_) co_return Status{};
  // Already routed so (this socket's previous block, or one lane read twice): no settle wait.
  const auto& now = optical_switch_->routes();
  const bool in_place = std::all_of(block.routes.begin(), block.routes.end(), [&](const std::pair<int, int>& r) {
    auto it = now.find(r.second);
    return it != now.end() && it->second == r.first;
  });
  if (in_place) co_return Status{};
  auto routes = block.routes;
  co_return co_await optical_switch_->route_many(std::move(routes));
}

}  // namespace ledlab::engine::socket
