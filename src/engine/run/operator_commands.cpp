#include "engine/run/operator_commands.hpp"

#include "core/time_format.hpp"

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdlib>

namespace ledlab::engine {

using nlohmann::json;

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

json sender_json(const OperatorOrigin& who) {
  json j{{"described", describe(who)}};
  if (who.sender)
    j.update({{"user", who.sender->user}, {"host", who.sender->host}, {"pid", who.sender->pid}, {"via", who.sender->via}});
  if (!who.key.empty()) j["key"] = who.key;
  return j;
}

}  // namespace

std::string describe(const OperatorOrigin& origin) {
  std::string s = describe(origin.sender);
  if (!origin.key.empty()) s += " (" + origin.key + ")";
  return s;
}

OperatorCommands::OperatorCommands(lua::SequenceRunner& runner, OperatorPrompts& prompts, Hooks hooks)
    : runner_(runner), prompts_(prompts), hooks_(std::move(hooks)) {}

void OperatorCommands::act(const std::string& message, json data) {
  if (hooks_.line) hooks_.line(message);
  if (hooks_.action) hooks_.action(message, data);
}

void OperatorCommands::pause(const OperatorOrigin& who, std::string_view note) {
  if (runner_.paused() || runner_.abort_requested()) return;
  runner_.pause();
  act(fmt::format("paused by {}{}{}", describe(who), note.empty() ? "" : ": ", note));
}

void OperatorCommands::resume(const OperatorOrigin& who) {
  if (!runner_.paused() || runner_.abort_requested()) return;
  runner_.resume();
  act("resumed by " + describe(who));
}

void OperatorCommands::abort(const OperatorOrigin& who, std::string reason) {
  if (runner_.abort_requested()) return;
  if (reason.empty()) reason = "aborted by " + describe(who);
  runner_.abort(reason);
  act("abort: " + reason);
}

Result<std::string> OperatorCommands::answer(const OperatorOrigin& who, std::string_view choice) {
  if (runner_.abort_requested()) return fail(Errc::not_found, "the run is aborting: no prompt is waiting for an answer");
  const auto asked = prompts_.pending();
  auto taken = prompts_.answer(choice);
  if (!taken) return taken;
  const double wall_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  act(fmt::format("answered '{}' by {} to: {}", *taken, describe(who), asked->spec.text),
      {{"prompt_id", asked->id}, {"prompt", asked->spec.text}, {"choice", *taken}, {"answered_by", sender_json(who)},
       {"answered_at", iso_utc(wall_s)}});
  return taken;
}

std::string OperatorCommands::control(std::string_view line, const Queries& queries) {
  auto parsed = parse_control_line(line);
  if (!parsed) return fmt::format("error: {}", parsed.error().message);
  const std::string& verb = parsed->verb;
  const OperatorOrigin who{parsed->from, {}};
  if (verb == "answer") {
    if (!parsed->argument || parsed->argument->empty()) {
      const auto& p = prompts_.pending();
      if (!p) return "error: answer needs a choice, and no prompt is waiting for an answer";
      std::string choices;
      for (const auto& c : p->spec.choices) choices += (choices.empty() ? "" : ", ") + c;
      return fmt::format("error: answer needs a choice for '{}': one of {}", p->spec.text, choices);
    }
    auto taken = answer(who, *parsed->argument);
    if (hooks_.changed) hooks_.changed();
    return taken ? fmt::format("answered '{}'", *taken) : fmt::format("error: {}", taken.error().message);
  }
  if (parsed->argument)
    return fmt::format("error: control command '{}' takes no argument (got '{}')", verb, *parsed->argument);
  if (verb == "pause") pause(who);
  else if (verb == "resume") resume(who);
  else if (verb == "abort") abort(who);
  else if (verb == "snapshot") return queries.snapshot();
  else if (verb != "status")
    return fmt::format("error: unknown command '{}' (pause, resume, abort, answer, status, snapshot)", verb);
  if (hooks_.changed) hooks_.changed();
  return queries.status();
}

void OperatorCommands::console_line(std::string_view line, const OperatorOrigin& terminal) {
  const std::string_view text = trimmed(line);
  if (const auto& p = prompts_.pending(); p && !text.empty()) {
    std::string choice(text);
    // The terminal lists the choices numbered from 1: a number picks one.
    char* end = nullptr;
    const long n = std::strtol(choice.c_str(), &end, 10);
    if (end != choice.c_str() && *end == '\0' && n >= 1 && static_cast<std::size_t>(n) <= p->spec.choices.size() &&
        !prompts_.match(choice))
      choice = p->spec.choices[static_cast<std::size_t>(n - 1)];
    OperatorOrigin who = terminal;
    who.key = "typed";
    if (auto taken = answer(who, choice); !taken && hooks_.line)
      hooks_.line(fmt::format("not taken: {}; type one of them, or its number, and Enter", taken.error().message));
  } else if (text.empty() || !p) {
    OperatorOrigin who = terminal;
    who.key = "Enter";
    resume(who);
  }
  if (hooks_.changed) hooks_.changed();
}

void OperatorCommands::signal(int signal_number, const OperatorOrigin& terminal, bool interactive) {
  if (signal_number == SIGINT && !runner_.paused() && !runner_.abort_requested()) {
    OperatorOrigin who = terminal;
    who.key = "Ctrl-C";
    pause(who, interactive ? "Enter resumes, Ctrl-C again aborts" : "Ctrl-C again aborts");
  } else if (!runner_.abort_requested()) {
    abort(terminal, signal_number == SIGTERM ? "stopped by SIGTERM" : "second Ctrl-C by " + describe(terminal));
  }
  if (hooks_.changed) hooks_.changed();
}

}  // namespace ledlab::engine
