#pragma once
// The one path by which an operator steers a run: pause, resume, abort and the answer to a
// prompt, whether they come from the control socket (`ledlab ctl`, the dashboard), a line
// typed at the run's terminal or a signal (Ctrl-C, SIGTERM). Each action is taken here once:
// it acts only when it changes something, and says what it did on the run's view and in its
// event log, naming who took it and from where.
#include "core/error.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/control_sender.hpp"
#include "engine/run/operator_prompt.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::engine {

// Who acts: the sender (none: a bare control line) and, at the run's own terminal, the key
// that did it ("Ctrl-C", "Enter").
struct OperatorOrigin {
  std::optional<ControlSender> sender;
  std::string key;
};

// "alice via ledlab ctl on host lab-3 (pid 1234)", "bob via the run's terminal on host lab-3 (Enter)"
std::string describe(const OperatorOrigin& origin);

class OperatorCommands {
 public:
  struct Hooks {
    std::function<void(const std::string& text)> line;  // the run's view
    // The event log: an operator action (db::EventKind::operator_action, source "operator").
    std::function<void(const std::string& message, const nlohmann::json& data)> action;
    std::function<void()> changed;  // the run's state may have changed: publish it
  };
  // What the control socket's queries answer with (the run host knows them).
  struct Queries {
    std::function<std::string()> status;
    std::function<std::string()> snapshot;
  };

  OperatorCommands(lua::SequenceRunner& runner, OperatorPrompts& prompts, Hooks hooks);

  // `note` follows the action's words ("paused by ... (Ctrl-C): Ctrl-C again aborts").
  void pause(const OperatorOrigin& who, std::string_view note = {});
  void resume(const OperatorOrigin& who);
  // `reason` is what the run ends with; "aborted by <who>" when empty.
  void abort(const OperatorOrigin& who, std::string reason = {});
  // The answer to the waiting prompt (OperatorPrompts::answer's matching and errors); logged
  // with the choice, the prompt, who answered, from where, and the wall time.
  Result<std::string> answer(const OperatorOrigin& who, std::string_view choice);

  // One control-socket line (control_sender.hpp): pause, resume, abort, answer CHOICE, status,
  // snapshot. Returns the one-line reply; refusals start with "error:".
  std::string control(std::string_view line, const Queries& queries);
  // One line typed at the run's terminal: while a prompt waits, its answer (a choice or its
  // number); an empty line (Enter) resumes a paused run.
  void console_line(std::string_view line, const OperatorOrigin& terminal);
  // SIGINT pauses (Ctrl-C at the terminal); a second SIGINT, or SIGTERM, aborts.
  void signal(int signal_number, const OperatorOrigin& terminal, bool interactive);

 private:
  void act(const std::string& message, nlohmann::json data = nlohmann::json::object());

  lua::SequenceRunner& runner_;
  OperatorPrompts& prompts_;
  Hooks hooks_;
};

}  // namespace ledlab::engine
