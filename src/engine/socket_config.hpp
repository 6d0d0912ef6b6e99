#pragma once
// DUT sockets of a station ([sockets.<name>] in a station file): the positions a chamber or a
// rack holds, each with one array under test and, per role the scripts use (`bert`, `opm`,
// `pg`, `smu`, `chamber`), the instrument that serves it and how the DUT's lanes reach that
// instrument's channels: wired directly, or through an optical switch whose outputs go to the
// instrument's channels (a 400-lane array on a 4-channel BERT, one meter for several DUTs).
// A station without [sockets] has one implicit socket: every instrument under its own name,
// lane n on channel n (what runs did before sockets existed).
#include "core/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

// Bounds of a [sockets.<name>] table: lanes per socket, channel and switch port numbers, and
// the simulated bench's DUTs a socket may sit on.
inline constexpr int kMaxSocketLanes = 65536;
inline constexpr int kMaxSocketChannel = 1'000'000;
inline constexpr int kMaxBenchDuts = 64;
// The one socket of a station without [sockets].
inline constexpr std::string_view kImplicitSocket = "A";

// One role of a socket. Lanes are 1-based, row-major over the socket's rows x cols.
struct RoleMap {
  std::string role;        // the script's object name: "bert", "opm", "pg", "smu", "chamber"
  std::string instrument;  // the station's instrument that serves it
  // Direct wiring: lane n is on channels[n - 1] of the instrument. Through a switch: the
  // instrument channels the switch's outputs are wired to, channels[k] behind
  // switch_outputs[k]. Empty for whole-DUT roles (chamber, a pattern generator that drives
  // every lane at once): the instrument serves the socket as a whole.
  std::vector<int> channels;
  std::string optical_switch;       // station instrument of kind "optical_switch", or empty
  std::vector<int> switch_inputs;   // lane n enters the switch at switch_inputs[n - 1]
  std::vector<int> switch_outputs;  // same length as channels
};

struct SocketConfig {
  std::string name;  // "A"
  int rows = 0;
  int cols = 0;
  std::vector<RoleMap> roles;
  // Simulated bench only: which of the bench's DUTs (0-based) sits in this socket. Defaults to
  // the socket's position in the file.
  int bench_dut = 0;

  // rows x cols; 0 for the implicit socket, whose lanes are its instruments' channels.
  int lane_count() const { return rows * cols; }
  const RoleMap* find(std::string_view role) const {
    for (const auto& r : roles)
      if (r.role == role) return &r;
    return nullptr;
  }
};

}  // namespace ledlab::engine
