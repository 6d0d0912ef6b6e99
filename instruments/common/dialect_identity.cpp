#include "instruments/common/dialect_identity.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>

namespace ledlab::instruments {

namespace {

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Glob match with backtracking to the last '*': linear in practice for the short fields of
// an *IDN? reply, and never recursive, so a hostile reply cannot exhaust the stack.
bool glob(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || fold(pattern[p]) == fold(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

bool matches_pattern(std::string_view patterns, std::string_view text) {
  std::size_t start = 0;
  while (start <= patterns.size()) {
    const std::size_t bar = patterns.find('|', start);
    const std::string_view one = patterns.substr(start, bar == std::string_view::npos ? std::string_view::npos : bar - start);
    if (glob(one, text)) return true;
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return false;
}

bool matches(const DialectIdentity& dialect, const scpi::Identity& id) {
  if (!dialect.declared()) return true;
  return (dialect.manufacturers.empty() || matches_pattern(dialect.manufacturers, id.manufacturer)) &&
         (dialect.models.empty() || matches_pattern(dialect.models, id.model));
}

std::string_view to_string(IdentityPolicy policy) {
  switch (policy) {
    case IdentityPolicy::refuse: return "refuse";
    case IdentityPolicy::warn: return "warn";
    case IdentityPolicy::ignore: return "ignore";
  }
  return "refuse";
}

std::optional<IdentityPolicy> parse_identity_policy(std::string_view text) {
  if (text == "refuse") return IdentityPolicy::refuse;
  if (text == "warn") return IdentityPolicy::warn;
  if (text == "ignore") return IdentityPolicy::ignore;
  return std::nullopt;
}

std::string IdentityCheck::describe() const {
  const std::string fits = would_match.empty() ? "no known dialect" : fmt::format("{}", fmt::join(would_match, ", "));
  switch (verdict) {
    case Verdict::matched: return fmt::format("matches dialect {}", dialect);
    case Verdict::mismatched:
      return fmt::format("MISMATCH: *IDN? '{}' is not a model dialect {} serves; it would fit: {}", idn, dialect, fits);
    case Verdict::undeclared: return fmt::format("dialect {} declares no identity (fits: {})", dialect, fits);
    case Verdict::ignored: return fmt::format("not compared (identity = \"ignore\"; fits: {})", fits);
  }
  return {};
}

}  // namespace ledlab::instruments
