#pragma once
// SCPI header keywords (SCPI-99 vol 1, 6.2): a keyword matches its short form (the upper-case
// letters of its long form) or its long form, in any case, and nothing in between.
// Pattern syntax used by twins to register commands:
//   "[SENSe#]:CORRection[:WAVelength]"   [] = optional node, # = numeric suffix allowed
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::scpi::server {

struct PatternNode {
  std::string long_form;   // upper-cased: "CORRECTION"
  std::string short_form;  // "CORR"
  bool optional = false;
  bool suffix = false;
};

// Parses a registration pattern; throws std::invalid_argument on a malformed pattern
// (a programming error in a twin, caught by its tests).
std::vector<PatternNode> parse_pattern(std::string_view pattern);

// Matches one header token ("sens2", "CORR") against a node. Returns the numeric suffix
// (1 when the token has none) or nullopt when it does not match.
std::optional<int> match_keyword(const PatternNode& node, std::string_view token);

// Matches a whole header path. On success fills one suffix per pattern node (1 when the node
// was omitted or carried no suffix).
bool match_path(const std::vector<PatternNode>& pattern, const std::vector<std::string>& tokens,
                std::vector<int>& suffixes);

// True when `word` names the keyword given in pattern form ("PRBS31", "TIME", "ASCii").
bool matches_choice(std::string_view pattern_form, std::string_view word);

}  // namespace ledlab::scpi::server
