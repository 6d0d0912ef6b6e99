#include "db/records.hpp"

#include <fmt/core.h>

#include <array>
#include <utility>

namespace ledlab::db {
namespace {
constexpr std::array kStatusNames{"running", "finished", "aborted", "failed", "interrupted"};
constexpr std::array kEventNames{"state", "alarm", "fault", "operator", "info"};
constexpr std::array kVerdictNames{"pass", "fail", "dead", "not_judged"};
constexpr std::array kQualifierNames{"", ">", "<"};

template <class Enum, std::size_t N>
Result<Enum> parse_name(const std::array<const char*, N>& names, std::string_view text, std::string_view what) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (text == names[i]) return static_cast<Enum>(i);
  return fail(Errc::invalid_argument, fmt::format("unknown {} '{}'", what, text));
}
}  // namespace

std::string_view to_string(RunStatus status) { return kStatusNames[static_cast<std::size_t>(status)]; }

Result<RunStatus> parse_run_status(std::string_view text) {
  return parse_name<RunStatus>(kStatusNames, text, "run status");
}

std::string_view to_string(EventKind kind) { return kEventNames[static_cast<std::size_t>(kind)]; }

Result<EventKind> parse_event_kind(std::string_view text) {
  return parse_name<EventKind>(kEventNames, text, "event kind");
}

std::string_view to_string(Verdict verdict) { return kVerdictNames[static_cast<std::size_t>(verdict)]; }

Result<Verdict> parse_verdict(std::string_view text) { return parse_name<Verdict>(kVerdictNames, text, "verdict"); }

std::string_view to_string(Qualifier qualifier) { return kQualifierNames[static_cast<std::size_t>(qualifier)]; }

Result<Qualifier> parse_qualifier(std::string_view text) {
  return parse_name<Qualifier>(kQualifierNames, text, "qualifier");
}

Verdict judge(double value, std::optional<double> lower, std::optional<double> upper) {
  if (!lower && !upper) return Verdict::not_judged;
  if (lower && !(value >= *lower)) return Verdict::fail;  // NaN fails
  if (upper && !(value <= *upper)) return Verdict::fail;
  return Verdict::pass;
}

Verdict verdict_of(const ResultRecord& result) {
  return result.verdict.value_or(judge(result.value, result.lower_limit, result.upper_limit));
}

}  // namespace ledlab::db
