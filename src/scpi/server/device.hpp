#pragma once
// The SCPI side of a simulated instrument: a command tree, the IEEE 488.2 common commands and
// status model, and connection-level fault injection (SIM:FAULt). Twins register their
// commands with on(); the Server feeds it lines from any number of clients.
#include "scpi/server/faults.hpp"
#include "scpi/server/keyword.hpp"
#include "scpi/server/params.hpp"
#include "scpi/server/status.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::scpi::server {

class Device;

class Request {
 public:
  Request(Device& device, Params params, std::vector<int> suffixes, bool query)
      : device(device), params(std::move(params)), query(query), suffixes_(std::move(suffixes)) {}

  Device& device;
  Params params;
  const bool query;

  // The suffix of the n-th pattern node that accepts one ("SENS3:..." -> suffix(0) == 3).
  int suffix(std::size_t n = 0) const { return n < suffixes_.size() ? suffixes_[n] : 1; }

  void reply(std::string text) { response = std::move(text); }
  void reply(double value);
  void reply_int(long long value) { response = std::to_string(value); }
  void reply_bool(bool value) { response = value ? "1" : "0"; }
  void reply_block(std::string_view bytes);

  std::string response;
  double delay_s = 0;  // simulated time the reply takes (e.g. *OPC? while a gate runs)

 private:
  std::vector<int> suffixes_;
};

using Handler = std::function<void(Request&)>;

struct Identity {
  std::string manufacturer = "ledlab", model = "SIM", serial = "0", firmware = "0.1";
};

// What the connection should do with the outcome of one line.
struct Outcome {
  std::string reply;      // without terminator; empty when the line held no query
  bool has_reply = false;
  double delay_s = 0;     // simulated seconds before the reply is sent
  FaultAction fault;      // drop / stall / garble decided by the fault plan
};

// Per-connection parser state: the current path for `;`-continued headers.
struct ConnectionState {
  std::vector<std::string> path;
};

class Device {
 public:
  explicit Device(Identity identity);
  virtual ~Device() = default;

  // Registers a command. `set` handles "HEADER params", `query` handles "HEADER? params";
  // either may be empty. Patterns use the syntax of keyword.hpp. Each suffix-capable node's
  // value reaches the handler through Request::suffix(n), counting suffix-capable nodes only.
  void on(std::string_view pattern, Handler set, Handler query = {});

  // Runs one program message (one line, without its terminator).
  Outcome execute(std::string_view line, ConnectionState& state);

  const Identity& identity() const { return identity_; }
  StatusModel& status() { return status_; }
  FaultPlan& faults() { return faults_; }
  // Pushes an error as the instrument would report it.
  void push_error(int code, std::string message) { status_.push_error(code, std::move(message)); }

  // *RST hook: the twin returns its settings to defaults.
  std::function<void()> on_reset;
  // Runs before every program message, so a twin can bring status conditions (OPER/QUES
  // condition registers, which follow the physics) up to date before anything reads them.
  std::function<void()> before_command;
  // Twins of instruments that do not speak IEEE 488.2 (an Espec chamber controller answers
  // every line, "OK: ..." or "NA: ...") take whole lines here first: the reply, or nullopt to
  // leave the line to the SCPI parser (the SIMulate fault commands every twin has).
  std::function<std::optional<std::string>(std::string_view line)> native_line;
  // *OPC? waits for this many simulated seconds of pending operation (0 = idle).
  std::function<double()> pending_operation_s;

  // IEEE 488.2 6.1.5 and 6.4.2 leave the sizes of the input buffer and the output queue to the
  // device. These bound what one connection can make a twin hold: a program message longer
  // than input_bytes is refused (the links call input_overrun() and skip it up to its
  // terminator), and a message whose replies outgrow output_bytes stops there (-223).
  struct Buffers {
    std::size_t input_bytes = 1u << 20;
    std::size_t output_bytes = 1u << 20;
  };
  Buffers buffers;
  // Queues -363 for a program message refused for its length (SCPI-99 error list, a device-specific error).
  void input_overrun();

 private:
  struct Command {
    std::string pattern_text;
    std::vector<PatternNode> nodes;
    std::vector<std::size_t> suffix_nodes;
    Handler set, query;
  };
  void register_common_commands();
  void register_fault_commands();
  // Runs one message unit; returns its response when it is a query that succeeded.
  std::optional<std::string> run_unit(std::string_view unit, ConnectionState& state, double& delay_s);

  Identity identity_;
  StatusModel status_;
  FaultPlan faults_;
  std::vector<Command> commands_;
};

// Splits a program message into its message units on ';' outside strings and blocks.
std::vector<std::string> split_units(std::string_view line);
// Splits a unit's parameter text on ',' outside strings and blocks, trimming each.
std::vector<std::string> split_params(std::string_view text);

}  // namespace ledlab::scpi::server
