#include "scpi/server/keyword.hpp"

#include <cctype>
#include <stdexcept>

namespace ledlab::scpi::server {
namespace {

bool is_upper_or_digit(char c) { return std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); }

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

PatternNode make_node(std::string_view text, bool optional) {
  PatternNode node;
  node.optional = optional;
  if (!text.empty() && text.back() == '#') {
    node.suffix = true;
    text.remove_suffix(1);
  }
  if (text.empty()) throw std::invalid_argument("empty keyword in SCPI pattern");
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '*' && c != '_')
      throw std::invalid_argument("bad character in SCPI pattern keyword: " + std::string(text));
    if (is_upper_or_digit(c) || c == '*' || c == '_') node.short_form += c;
  }
  node.long_form = to_upper(text);
  return node;
}

bool match_from(const std::vector<PatternNode>& pattern, std::size_t pi, const std::vector<std::string>& tokens,
                std::size_t ti, std::vector<int>& suffixes) {
  if (pi == pattern.size()) return ti == tokens.size();
  const PatternNode& node = pattern[pi];
  if (ti < tokens.size()) {
    if (auto s = match_keyword(node, tokens[ti])) {
      suffixes[pi] = *s;
      if (match_from(pattern, pi + 1, tokens, ti + 1, suffixes)) return true;
    }
  }
  if (node.optional) {
    suffixes[pi] = 1;
    return match_from(pattern, pi + 1, tokens, ti, suffixes);
  }
  return false;
}

}  // namespace

std::vector<PatternNode> parse_pattern(std::string_view pattern) {
  std::vector<PatternNode> nodes;
  std::size_t i = 0;
  if (!pattern.empty() && pattern.front() == ':') ++i;
  while (i < pattern.size()) {
    bool optional = false;
    std::size_t end;
    if (pattern[i] == '[') {
      optional = true;
      end = pattern.find(']', i);
      if (end == std::string_view::npos) throw std::invalid_argument("unbalanced [ in SCPI pattern");
      std::string_view inner = pattern.substr(i + 1, end - i - 1);
      if (!inner.empty() && inner.front() == ':') inner.remove_prefix(1);
      nodes.push_back(make_node(inner, true));
      i = end + 1;
    } else {
      end = pattern.find_first_of(":[", i);
      if (end == std::string_view::npos) end = pattern.size();
      nodes.push_back(make_node(pattern.substr(i, end - i), optional));
      i = end;
    }
    if (i < pattern.size() && pattern[i] == ':') ++i;
  }
  if (nodes.empty()) throw std::invalid_argument("empty SCPI pattern");
  return nodes;
}

std::optional<int> match_keyword(const PatternNode& node, std::string_view token) {
  std::string_view word = token;
  int suffix = 1;
  // A trailing number is a suffix only where the keyword itself does not end in digits
  // of its own ("PRBS31" as a node keeps its digits).
  const std::string upper = to_upper(token);
  if (upper == node.long_form || upper == node.short_form) return 1;
  if (!node.suffix) return std::nullopt;
  std::size_t digits = word.size();
  while (digits > 0 && std::isdigit(static_cast<unsigned char>(word[digits - 1]))) --digits;
  if (digits == word.size() || digits == 0) return std::nullopt;
  const std::string_view number = word.substr(digits);
  if (number.size() > 6) return std::nullopt;
  suffix = std::stoi(std::string(number));
  if (suffix < 1) return std::nullopt;
  const std::string stem = to_upper(word.substr(0, digits));
  if (stem == node.long_form || stem == node.short_form) return suffix;
  return std::nullopt;
}

bool match_path(const std::vector<PatternNode>& pattern, const std::vector<std::string>& tokens,
                std::vector<int>& suffixes) {
  suffixes.assign(pattern.size(), 1);
  return match_from(pattern, 0, tokens, 0, suffixes);
}

bool matches_choice(std::string_view pattern_form, std::string_view word) {
  const PatternNode node = make_node(pattern_form, false);
  const std::string upper = to_upper(word);
  return upper == node.long_form || upper == node.short_form;
}

}  // namespace ledlab::scpi::server
