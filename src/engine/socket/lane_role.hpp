#pragma once
// One role of a socket as its script adapters use it: which instrument channel each lane of
// the DUT is read on, through which switch routes, and the locks that make a multi-step use
// of shared instruments one step for the other sockets of a batch.
#include "core/error.hpp"
#include "engine/run/instrument_locks.hpp"
#include "engine/socket/bind_socket.hpp"
#include "engine/socket_config.hpp"
#include "instruments/common/instrument.hpp"
#include "instruments/optical_switch/optical_switch.hpp"

#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include <memory>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::engine::socket {

// Lanes read in one step: directly every lane at once; behind a switch as many lanes as the
// switch has outputs wired to the instrument, lane k of the block routed to output k.
struct LaneBlock {
  std::vector<int> lanes;                  // 0-based lane indices into the socket's lanes
  std::vector<int> channels;               // the instrument channel each lane is read on (1-based)
  std::vector<std::pair<int, int>> routes;  // (switch input, switch output); empty when direct
};

// The blocks that cover lanes 1..`lanes` of `role`. A role without channels and without switch
// (the implicit socket's) reads lane n on channel n.
std::vector<LaneBlock> lane_blocks(const RoleMap& role, int lanes);

// The values of `block`'s channels taken from a reading of every channel of the instrument
// (index 0 = channel 1), or an error naming the channel the instrument does not have.
template <class T>
Result<std::vector<T>> pick_channels(const std::vector<T>& all, const LaneBlock& block, std::string_view what) {
  std::vector<T> out;
  out.reserve(block.channels.size());
  for (int ch : block.channels) {
    if (ch < 1 || static_cast<std::size_t>(ch) > all.size())
      return fail(Errc::config, fmt::format("{}: channel {} is not among the instrument's {} channels", what, ch, all.size()));
    out.push_back(all[static_cast<std::size_t>(ch - 1)]);
  }
  return out;
}

class LaneRole {
 public:
  LaneRole(std::string socket, RoleMap map, int lanes, instruments::Instrument* instrument,
           instruments::OpticalSwitch* optical_switch, InstrumentLocks* locks);

  const std::string& socket() const { return socket_; }
  const RoleMap& map() const { return map_; }
  // "socket B's bert (instrument 'bert4' behind switch 'sw')", for messages.
  std::string describe() const;
  // The method's script name: "bert.gate_bits".
  std::string method(std::string_view name) const { return map_.role + "." + std::string(name); }

  // The DUT's lanes: rows x cols, or for the implicit socket the instrument's channels.
  int lanes(int instrument_channels) const { return lanes_ > 0 ? lanes_ : instrument_channels; }
  bool switched() const { return optical_switch_ != nullptr; }
  // Every lane n on channel n of an instrument with exactly as many channels: the instrument's
  // own all-channel commands serve the socket as they are.
  bool whole_instrument(int instrument_channels) const;
  std::vector<LaneBlock> blocks(int instrument_channels) const { return lane_blocks(map_, lanes(instrument_channels)); }
  // The block of one lane (1-based): its channel and, behind a switch, the route to output 1.
  LaneBlock lane(int lane) const;

  // Holds the role's instrument and switch for the holder (the socket) until the guard goes.
  boost::asio::awaitable<InstrumentLocks::Guard> hold() const;
  // Closes the block's routes (nothing to do when direct). Call while holding.
  boost::asio::awaitable<Status> route(const LaneBlock& block) const;

 private:
  std::string socket_;
  RoleMap map_;
  int lanes_;
  instruments::Instrument* instrument_;
  instruments::OpticalSwitch* optical_switch_;
  InstrumentLocks* locks_;
};

}  // namespace ledlab::engine::socket
