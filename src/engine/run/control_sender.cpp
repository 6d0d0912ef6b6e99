#include "engine/run/control_sender.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace ledlab::engine {

namespace {

std::string login_name() {
  if (const char* user = std::getenv("USER"); user && *user) return user;
  if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_name) return pw->pw_name;
  return fmt::format("uid {}", ::getuid());
}

std::string host_name() {
  char name[256] = {};
  // gethostname(2): the name may be cut short without a NUL; the last byte stays 0.
  if (::gethostname(name, sizeof name - 1) != 0 || !*name) return "unknown host";
  return name;
}

}  // namespace

ControlSender this_process(std::string via) {
  return {.user = login_name(), .host = host_name(), .pid = ::getpid(), .via = std::move(via)};
}

ControlSender run_starter() {
  const char* via = std::getenv(kStartedVia);
  ControlSender from = this_process(via && *via ? via : "ledlab run");
  if (const char* pid = std::getenv(kStartedByPid); via && *via && pid) {
    char* end = nullptr;
    const long long n = std::strtoll(pid, &end, 10);
    if (end != pid && *end == '\0' && n > 0) from.pid = n;
  }
  return from;
}

namespace {

nlohmann::json sender_json(const ControlSender& from) {
  return {{"user", from.user}, {"host", from.host}, {"pid", from.pid}, {"via", from.via}};
}

// The end of the JSON string that starts at text[0] (its closing quote's index + 1), or npos.
std::size_t string_end(std::string_view text) {
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '\\') ++i;
    else if (text[i] == '"') return i + 1;
  }
  return std::string_view::npos;
}

}  // namespace

std::string control_line(std::string_view verb, const ControlSender& from) {
  // dump() escapes control characters, so the line has no newline inside it.
  return fmt::format("{} {}", verb, sender_json(from).dump());
}

std::string control_line(std::string_view verb, std::string_view argument, const ControlSender& from) {
  return fmt::format("{} {} {}", verb, nlohmann::json(std::string(argument)).dump(), sender_json(from).dump());
}

Result<ControlCommand> parse_control_line(std::string_view line) {
  const auto space = line.find(' ');
  ControlCommand out{std::string(line.substr(0, space)), std::nullopt, std::nullopt};
  if (space == std::string_view::npos) return out;
  std::string_view rest = line.substr(space + 1);
  if (rest.starts_with('"')) {
    const auto end = string_end(rest);
    const auto arg = end == std::string_view::npos ? nlohmann::json() : nlohmann::json::parse(rest.substr(0, end), nullptr, false);
    if (!arg.is_string())
      return fail(Errc::invalid_argument, fmt::format("control command '{}': the quoted argument {} is not a closed JSON "
                                                      "string", out.verb, rest));
    out.argument = arg.get<std::string>();
    rest = rest.substr(end);
  } else if (!rest.starts_with('{')) {
    const auto word_end = rest.find(' ');
    out.argument = std::string(rest.substr(0, word_end));
    rest = word_end == std::string_view::npos ? std::string_view() : rest.substr(word_end);
  }
  while (rest.starts_with(' ')) rest.remove_prefix(1);
  if (rest.empty()) return out;
  const auto j = nlohmann::json::parse(rest, nullptr, false);
  if (!j.is_object())
    return fail(Errc::invalid_argument,
                fmt::format("control command '{}': expected {}a sender object after the verb, got '{}'", out.verb,
                            out.argument ? "one argument and " : "", line.substr(space + 1)));
  const auto text = [&](const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ControlSender from{.user = text("user"), .host = text("host"), .pid = 0, .via = text("via")};
  if (const auto it = j.find("pid"); it != j.end() && it->is_number_integer()) from.pid = it->get<std::int64_t>();
  out.from = std::move(from);
  return out;
}

std::string describe(const std::optional<ControlSender>& from) {
  if (!from) return "an unnamed sender via the control socket";
  std::string s = from->user.empty() ? "an unnamed user" : from->user;
  s += " via " + (from->via.empty() ? std::string("the control socket") : from->via);
  if (!from->host.empty()) s += " on host " + from->host;
  if (from->pid > 0) s += fmt::format(" (pid {})", from->pid);
  return s;
}

}  // namespace ledlab::engine
