#include "scpi/server/keyword.hpp"

#include <catch2/catch.hpp>

using namespace ledlab::scpi::server;

TEST_CASE("a keyword matches its short or long form in any case, never a partial") {
  const auto nodes = parse_pattern("SYSTem:ERRor");
  REQUIRE(nodes.size() == 2);
  CHECK(match_keyword(nodes[0], "SYST"));
  CHECK(match_keyword(nodes[0], "system"));
  CHECK(match_keyword(nodes[0], "SyStEm"));
  CHECK_FALSE(match_keyword(nodes[0], "SYSTE"));
  CHECK_FALSE(match_keyword(nodes[0], "SYS"));
  CHECK_FALSE(match_keyword(nodes[0], "SYSTEMS"));
}

TEST_CASE("numeric suffixes select channels and default to 1") {
  const auto nodes = parse_pattern("SENSe#:POWer");
  CHECK(match_keyword(nodes[0], "SENS3") == 3);
  CHECK(match_keyword(nodes[0], "sense12") == 12);
  CHECK(match_keyword(nodes[0], "SENS") == 1);
  CHECK_FALSE(match_keyword(nodes[0], "SENS0"));
  CHECK_FALSE(match_keyword(nodes[1], "POW2"));  // POWer takes no suffix
}

TEST_CASE("optional nodes may be left out anywhere in the path") {
  const auto nodes = parse_pattern("[SENSe#]:CORRection[:WAVelength]");
  std::vector<int> suffixes;
  CHECK(match_path(nodes, {"SENS2", "CORR", "WAV"}, suffixes));
  CHECK(suffixes[0] == 2);
  CHECK(match_path(nodes, {"CORR"}, suffixes));
  CHECK(suffixes[0] == 1);
  CHECK(match_path(nodes, {"sense", "correction"}, suffixes));
  CHECK_FALSE(match_path(nodes, {"SENS", "WAV"}, suffixes));
  CHECK_FALSE(match_path(nodes, {"CORR", "WAV", "EXTRA"}, suffixes));
}

TEST_CASE("keywords that end in digits keep them") {
  CHECK(matches_choice("PRBS31", "prbs31"));
  CHECK_FALSE(matches_choice("PRBS31", "PRBS7"));
  CHECK(matches_choice("ASCii", "ASC"));
  CHECK(matches_choice("ASCii", "ascii"));
}

TEST_CASE("malformed registration patterns are programming errors") {
  CHECK_THROWS_AS(parse_pattern(""), std::invalid_argument);
  CHECK_THROWS_AS(parse_pattern("[SENS"), std::invalid_argument);
  CHECK_THROWS_AS(parse_pattern("SENS-X"), std::invalid_argument);
}
