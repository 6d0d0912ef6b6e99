#pragma once
// Invariants the engine keeps on what operators and scripts hand it, checked by the mutation
// fuzzer (fuzz_inputs.cpp) and, for the inputs it once failed on, by the corpus replay
// (test_input_corpus.cpp). Each check returns what was violated, or nothing; the seed is
// unused (an input alone decides what runs).
#include "engine/lua/sequence_runner.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::fuzz {

// `input` is a station file (TOML) named "fuzz.toml", or "@gen\n" and bytes from which one is
// generated (station_gen.hpp). parse_station never throws; it refuses
// with a message naming the file, or gives a config whose safety numbers are finite and in
// their ranges (time scale, link recovery, heartbeat, limits, options, timeouts, interlocks),
// whose [bench] table converts or is refused naming the file, and whose text is valid UTF-8.
std::optional<std::string> check_station_input(std::string_view input, std::uint64_t seed);

// `input` is a set of -p overrides for a sequence, one `name=value` a line, under a first line
// that names the declarations: `@bandwidth.lua` (a shipped sequence in sequences/) or
// `@lua` followed by a script up to a line `@end` (declarations as a script writes them).
// The run command's UTF-8 check applies first. Declaring and resolving never throw; errors
// name the parameter; resolved values have their declared types, numbers are finite, the
// values dump as JSON, and a script's params{} hands the same values to the script.
std::optional<std::string> check_params_input(std::string_view input, std::uint64_t seed);

// `input` either starts with "--lua\n" and is a sequence script as it stands, or is bytes from
// which a script is generated (host_script()) that calls the host functions (sleep, log,
// progress, record, result, checkpoint, params, now, parallel, wait_until and fake instrument
// functions) with hostile arguments: NaN, infinities, huge and negative numbers, invalid UTF-8,
// nested, shared and cyclic tables, wrong counts. The script runs on a virtual clock under a
// small instruction budget and memory limit; it ends, either finished or failed with a
// message that starts with "fuzz.lua:<line>:", and whatever reached the sinks is sane.
std::optional<std::string> check_host_input(std::string_view input, std::uint64_t seed);

// The script check_host_input runs for `input`.
std::string host_script(std::string_view input);

// How check_host_input runs a script (as "fuzz.lua", with the fake instrument functions and
// sinks, on a virtual clock, aborted as by an operator after 1e9 simulated seconds).
struct HostRun {
  std::optional<lua::RunOutcome> outcome;  // none if the run never ended
  std::optional<std::string> finding;      // what a sink or fake function saw wrong
  bool abort_requested = false;
};
HostRun run_host_script(const std::string& script);

}  // namespace ledlab::fuzz
