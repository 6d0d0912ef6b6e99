#pragma once
// The run's own terminal as the engine sees it: lines the operator types, and a place to show
// a prompt so that it cannot be missed. `ledlab run` gives one when its input is a terminal
// (src/cli/terminal_console.*); without one (a pipe, a test, the dashboard's child) the run
// reads no keys, and prompts are answered through the control socket.
#include "engine/run/control_sender.hpp"
#include "engine/run/operator_prompt.hpp"

#include <boost/asio/io_context.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace ledlab::engine {

class OperatorConsole {
 public:
  using LineHandler = std::function<void(std::string line)>;
  virtual ~OperatorConsole() = default;

  // Reads the operator's lines on `io`'s thread, each (without its newline) to `on_line`,
  // until stop() or the end of the input.
  virtual void start(boost::asio::io_context& io, LineHandler on_line) = 0;
  virtual void stop() = 0;
  // A prompt waits for an answer (the run's view has printed it): how to answer it here.
  virtual void prompt(const PendingPrompt& prompt, std::string_view run_uuid) = 0;
  // Whoever types here: this process's user and host, no pid (a key does not say who sent it).
  virtual ControlSender who() const {
    ControlSender terminal = this_process("the run's terminal");
    terminal.pid = 0;
    return terminal;
  }
};

}  // namespace ledlab::engine
