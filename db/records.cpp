#include "db/records.hpp"

#include <fmt/core.h>

#include <array>
#include <utility>

namespace ledlab::db {
namespace {
constexpr std::array kStatusNames{"running", "finished", "aborted", "failed", "interrupted"};
constexpr std::array kEventNames{"state", "alarm", "fault", "operator", "info"};
}  // namespace

std::string_view to_string(RunStatus status) { return kStatusNames[static_cast<std::size_t>(status)]; }

Result<RunStatus> parse_run_status(std::string_view text) {
  for (std::size_t i = 0; i < kStatusNames.size(); ++i)
    if (text == kStatusNames[i]) return static_cast<RunStatus>(i);
  return fail(Errc::invalid_argument, fmt::format("unknown run status '{}'", text));
}

std::string_view to_string(EventKind kind) { return kEventNames[static_cast<std::size_t>(kind)]; }

Result<EventKind> parse_event_kind(std::string_view text) {
  for (std::size_t i = 0; i < kEventNames.size(); ++i)
    if (text == kEventNames[i]) return static_cast<EventKind>(i);
  return fail(Errc::invalid_argument, fmt::format("unknown event kind '{}'", text));
}

std::optional<bool> judge(double value, std::optional<double> lower, std::optional<double> upper) {
  if (!lower && !upper) return std::nullopt;
  if (lower && !(value >= *lower)) return false;  // NaN fails
  if (upper && !(value <= *upper)) return false;
  return true;
}

}  // namespace ledlab::db
