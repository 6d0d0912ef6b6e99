#include "instruments/thermal_chamber/espec_protocol.hpp"

#include <fmt/format.h>

namespace ledlab::instruments::espec {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

void split_into(std::string_view text, std::string_view separators, std::vector<std::string>& out) {
  while (!text.empty()) {
    const auto at = text.find_first_of(separators);
    const std::string_view item = trim(text.substr(0, at));
    if (!item.empty()) out.emplace_back(item);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
}

}  // namespace

std::optional<Command> parse(std::string_view line) {
  line = trim(line);
  Command c;
  const auto comma = line.find(',');
  std::string_view head = trim(line.substr(0, comma));
  if (head.ends_with('?')) {
    c.monitor = true;
    head.remove_suffix(1);
  }
  if (head.empty()) return std::nullopt;
  c.header = head;
  // Monitor options are comma separated ("TIMER LIST?,1"); setting parameters follow one comma,
  // space separated ("TEMP, S25.0 H80.0 L-20.0").
  if (comma != std::string_view::npos) split_into(line.substr(comma + 1), c.monitor ? "," : " ", c.params);
  return c;
}

std::string accepted(std::string_view line) { return fmt::format("OK: {}", trim(line)); }

std::string refused(std::string_view reason) { return fmt::format("NA:{}", reason); }

}  // namespace ledlab::instruments::espec
