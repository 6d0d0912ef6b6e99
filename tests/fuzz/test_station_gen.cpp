// The station-file generator behind the station fuzz target reaches the source-measure unit:
// `smu` instruments with their three limits, hostile values among them, each generated file
// keeping the station target's invariants (refused naming the file, or finite and in range).
#include "fuzz/input_targets.hpp"
#include "fuzz/station_gen.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

TEST_CASE("the station generator writes smu instruments with their limits, hostile values included, and the station target holds on them") {
  std::size_t smu = 0, all_limits = 0, hostile = 0, compliance = 0;
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;  // a fixed xorshift sequence: the same inputs every run
  for (int input = 0; input < 3000; ++input) {
    std::string bytes(96, '\0');
    for (char& c : bytes) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      c = static_cast<char>(state & 0xff);
    }
    const std::string text = ledlab::fuzz::generated_station(bytes);
    if (text.find("kind = \"smu\"") == std::string::npos) continue;
    ++smu;
    const bool limits = text.find("max_current_a = ") != std::string::npos &&
                        text.find("max_compliance_v = ") != std::string::npos &&
                        text.find("max_compliance_a = ") != std::string::npos;
    all_limits += limits;
    for (const char* bad : {"max_current_a = nan", "max_current_a = inf", "max_current_a = -inf", "max_compliance_v = nan",
                            "max_compliance_v = 210.00000000000003", "max_compliance_a = 0.0", "max_current_a = \"12\""})
      if (text.find(bad) != std::string::npos) {
        ++hostile;
        break;
      }
    compliance += text.find("compliance_v = ") != std::string::npos && text.find("options = {") != std::string::npos;
    INFO(text);
    CHECK(ledlab::fuzz::check_station_input("@gen\n" + bytes, 1) == std::nullopt);
  }
  CHECK(smu > 300);
  CHECK(all_limits > smu / 2);  // most reach the checks behind "required"
  CHECK(hostile > 0);
  CHECK(compliance > 0);
}
