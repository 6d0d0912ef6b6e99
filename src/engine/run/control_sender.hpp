#pragma once
// Who steers a run and from where. A control command carries its sender after the verb as
// one JSON object ("pause {"user":"alice","host":"lab-3","pid":1234,"via":"dashboard"}"), so
// that the event log can say "paused by alice via dashboard on host lab-3 (pid 1234)". A bare
// verb (an older client, or `socat`) is still a command, from a sender it cannot name.
#include "core/error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::engine {

struct ControlSender {
  std::string user;  // login name of the sending process
  std::string host;
  std::int64_t pid = 0;
  std::string via;   // "dashboard", "ledlab ctl"
};

// The calling process as a sender: $USER (else the password database's name for the uid),
// gethostname(2), getpid(2).
ControlSender this_process(std::string via);

// Who started this run: the calling process as "ledlab run", unless the program that launched
// it named itself in the environment (kStartedVia, kStartedByPid), as the dashboard does.
inline constexpr const char* kStartedVia = "LEDLAB_STARTED_VIA";
inline constexpr const char* kStartedByPid = "LEDLAB_STARTED_BY_PID";
ControlSender run_starter();

// "pause" + the sender: the line send_control() writes.
std::string control_line(std::string_view verb, const ControlSender& from);
// A verb with one argument: `answer "Move on" {sender}`. The argument goes as a JSON string,
// so that it may hold spaces and quotes.
std::string control_line(std::string_view verb, std::string_view argument, const ControlSender& from);

struct ControlCommand {
  std::string verb;
  std::optional<std::string> argument;  // `answer OK`, `answer "Move on"`
  std::optional<ControlSender> from;    // empty: a bare verb
};

// verb [argument] [sender]: the argument is a JSON string or, typed by hand (`socat`), one
// word. Errors: invalid_argument when the argument's string is not closed or what follows it
// is not a sender object.
Result<ControlCommand> parse_control_line(std::string_view line);

// "alice via dashboard on host lab-3 (pid 1234)"; "an unnamed sender via the control socket".
std::string describe(const std::optional<ControlSender>& from);

}  // namespace ledlab::engine
