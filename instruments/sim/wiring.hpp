#pragma once
// How the simulated bench's lanes reach the channels of the simulated instruments: per
// instrument and channel (1-based), either a bench lane directly (a fibre of the array onto a
// meter channel, a drive line onto a lane) or an output of an optical switch; per switch input,
// the bench lane whose light enters it. The switch twin sets the routes; every other twin
// asks resolve() which lane a channel sees at this moment.
//
// An instrument the wiring does not know keeps the bench's identity wiring (channel n is bench
// lane n-1, as before sockets existed), so a station without [sockets] works unchanged.
// Thread-safe: one mutex; twins on different threads (TCP and the simulated USB bus) share it.
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ledlab::sim {

class Wiring {
 public:
  // A channel fed by one bench lane.
  void connect_lane(const std::string& instrument, int channel, std::size_t lane);
  // A channel fed by output `output` of the switch `optical_switch`.
  void connect_switch_output(const std::string& instrument, int channel, const std::string& optical_switch, int output);
  // An instrument that serves lanes as a whole, without a channel per lane (a pattern generator
  // driving a DUT's every lane at once): it drives or reads these lanes.
  void serve_lanes(const std::string& instrument, const std::vector<std::size_t>& lanes);
  // The light of `lane` enters `optical_switch` at `input`.
  void connect_switch_input(const std::string& optical_switch, int input, std::size_t lane);

  // Routes, as the switch twin sets them. A route is one-to-one: routing `input` to `output`
  // opens the routes `input` and `output` had before.
  void route(const std::string& optical_switch, int input, int output);
  void open(const std::string& optical_switch, int output);
  void open_all(const std::string& optical_switch);
  // The input routed to `output`, nullopt when the output is open.
  std::optional<int> routed_input(const std::string& optical_switch, int output) const;

  // Whether the wiring names any channel of `instrument` (else: identity wiring).
  bool knows(std::string_view instrument) const;
  // The bench lane `channel` of `instrument` sees now; nullopt for a dark channel (not wired,
  // behind an open switch output or a switch input no lane enters). An unknown instrument
  // gets the identity: channel n is lane n-1 (the caller checks n against the bench).
  std::optional<std::size_t> resolve(std::string_view instrument, int channel) const;
  // resolve() of channels 1..count at one instant (index 0 is channel 1).
  std::vector<std::optional<std::size_t>> resolve_all(std::string_view instrument, int count) const;
  // The same, as the lit channels only: channels[k] (0-based) sees lanes[k]; for one bulk
  // reading of the bench.
  struct Lit {
    std::vector<std::size_t> channels;
    std::vector<std::size_t> lanes;
  };
  Lit lit(std::string_view instrument, int count) const;
  // The highest channel wired on `instrument` (0 when it is not known).
  int channel_count(std::string_view instrument) const;
  // The highest input / output wired on `optical_switch` (0 when none).
  int switch_inputs(std::string_view optical_switch) const;
  int switch_outputs(std::string_view optical_switch) const;
  // Every bench lane `instrument` may see: through its channels (directly, or through any route
  // of their switch) and the lanes it serves as a whole. Sorted, each once.
  std::vector<std::size_t> lanes_of(std::string_view instrument) const;

 private:
  struct Source {
    std::optional<std::size_t> lane;  // direct
    std::string optical_switch;       // or through this switch's
    int output = 0;                   // output
  };
  struct Switch {
    std::map<int, std::size_t> inputs;  // input -> lane
    std::map<int, int> routes;          // output -> input
    int outputs = 0;
  };
  std::optional<std::size_t> resolve_locked(std::string_view instrument, int channel) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::map<int, Source>, std::less<>> channels_;
  std::map<std::string, Switch, std::less<>> switches_;
  std::map<std::string, std::vector<std::size_t>, std::less<>> whole_;
};

}  // namespace ledlab::sim
