// The input targets of the mutation fuzzer (mutation_fuzzer.hpp; invariants in
// input_targets.hpp): station files, -p overrides, and host-function arguments.
//
// usage: fuzz_inputs TARGET CORPUS_DIR[:MORE_DIRS] ARTIFACT_DIR [ITERATIONS] [SECONDS] [SEED]
//   TARGET  station | params | host
//        fuzz_inputs show-host|show-station INPUT_FILE   (prints the script or station file the
//                                                   target generates from an input)
#include "fuzz/input_targets.hpp"
#include "fuzz/mutation_fuzzer.hpp"
#include "fuzz/station_gen.hpp"

#include <array>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

// TOML 1.0 syntax and the station file's keys, with the numbers that test its ranges.
constexpr auto kStationTokens = std::to_array<std::string_view>({
    "nan", "inf", "-inf", "+nan", "1e308", "1e309", "-0.0", "9223372036854775807", "9223372036854775808",
    "-9223372036854775808", "0x7fffffffffffffff", "0b1", "1_000", "1979-05-27T07:32:00Z", "\n", " = ", "[", "]", "[[",
    "]]", "{", "}", ",", ".", "\"", "'''", "\"\"\"", "#", "[station]\n", "[bench]\n", "[bench.array]\n",
    "[bench.chamber]\n", "[instruments.x]\n", "[interlocks.x]\n", "time_scale = ", "safe_temperature_c = ",
    "link_recovery_s = ", "heartbeat_s = ", "kind = \"thermal_chamber\"\n", "kind = \"chamber_band\"\n",
    "kind = \"over_temperature\"\n", "instrument = \"chamber\"\n", "limits = { max_c = ", "options = { ",
    "band_c = ", "soak_s = ", "poll_s = ", "max_c = ", "timeout_ms = ", "reconnect_attempts = ", "rows = ", "\xff",
    "\xc0\x80", "\xed\xa0\x80", "\\u0000", "a.b.c.d.e = 1\n"});

// -p values as an operator might mistype them, and Lua declarations a script might write.
constexpr auto kParamsTokens = std::to_array<std::string_view>({
    "=", ",", ",,", "\n", " ", "+", "-", "nan", "inf", "-inf", "1e309", "1e-400", "0x10", "-0", "1.5", "9007199254740993",
    "9e15", "-9.1e15", "true", "off", "\xff", "\xc3\x28", "\xed\xa0\x80", "@lua\n", "@end\n", "@bandwidth.lua\n",
    "@burn_in.lua\n", "temps=", "points=", "dut_type=", "type = \"number\"", "type = \"integer\"", "type = \"list\"",
    "type = \"string\"", "type = \"boolean\"", "type = 1", "type = {}", "default = ", "default = 0/0",
    "default = math.huge", "default = \"\\xff\"", "default = {}", "default = {1, 0/0}", "default = math.maxinteger",
    "unit = {}", "description = \"\\xff\"", "params {", "}", "{", "x = {", "[\"\\xff\"] = {", "[1] = {"});

// Lua that reaches the host functions, for the scripts written as they stand ("--lua").
constexpr auto kHostTokens = std::to_array<std::string_view>({
    "sleep(", "log(", "progress(", "record(", "result(", "checkpoint('a', ", "params{", "now()", "dev.echo(",
    "calc.echo(", "pcall(", "parallel{", "function() ", " end", ")", "(", ",", "{", "}", "0/0", "math.huge",
    "-math.huge", "1e308", "math.mininteger", "\"\\xff\"", "cyc", "string.rep('x', 1 << 24)", "\n", " = ",
    "local t = {} t[1] = t ", "wait_until(", "nil"});

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && (std::string_view(argv[1]) == "show-host" || std::string_view(argv[1]) == "show-station")) {
    std::ifstream in(argv[2], std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string input = bytes.str();
    if (std::string_view(argv[1]) == "show-host") std::cout << ledlab::fuzz::host_script(input);
    else std::cout << (input.starts_with("@gen\n") ? ledlab::fuzz::generated_station(input.substr(5)) : input);
    return in ? 0 : 2;
  }
  using ledlab::fuzz::Target;
  const std::array targets{Target{"station", ledlab::fuzz::check_station_input, kStationTokens, 16384},
                           Target{"params", ledlab::fuzz::check_params_input, kParamsTokens, 4096},
                           Target{"host", ledlab::fuzz::check_host_input, kHostTokens, 1024}};
  return ledlab::fuzz::run_fuzzer("fuzz_inputs", targets, argc, argv);
}
