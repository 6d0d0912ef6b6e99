// What the input fuzzers (fuzz_inputs params|host) found, each as a sentence. The inputs that
// found them are in tests/fuzz/corpus/{params,host}/regression_*, replayed by
// test_input_corpus.cpp.
#include "engine/lua/lua_test_support.hpp"
#include "engine/station_config.hpp"
#include "fuzz/input_targets.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>

using ledlab::Error;
using ledlab::Result;
using namespace ledlab::lua;
using ledlab::lua::test::run_text;

namespace {

Error declaration_error(const std::string& text) {
  Result<std::vector<ParamDecl>> decls = std::vector<ParamDecl>{};
  REQUIRE_NOTHROW(decls = SequenceScript(text, "seq.lua").parameters());
  REQUIRE_FALSE(decls);
  return decls.error();
}

}  // namespace

TEST_CASE("a declared type that is not a string is refused naming the parameter, not thrown out of the engine") {
  // nlohmann's value("type", "") threw type_error 302 through SequenceScript::parameters.
  const auto error = declaration_error("params { x = { type = 1, default = 1 } }");
  CHECK_THAT(error.message, Catch::Contains("parameter x: type 1 is not one of number, integer, string, boolean, list"));
  CHECK_THAT(declaration_error("params { x = { type = {}, default = 1 } }").message, Catch::Contains("parameter x: type"));
}

TEST_CASE("a default of the wrong type is refused naming the parameter even when it is not UTF-8") {
  // The message dumped the default as JSON, which threw type_error 316 on the byte 0xff.
  const auto error = declaration_error("params { x = { type = 'number', default = '\\xff' } }");
  CHECK_THAT(error.message, Catch::Contains("parameter x: default \"\xEF\xBF\xBD\" is not a finite number"));
}

TEST_CASE("a default that is NaN or infinite is refused: the script would compare with it, the store keep null") {
  CHECK_THAT(declaration_error("params { x = { type = 'number', default = 0/0 } }").message,
             Catch::Contains("parameter x: default"));
  CHECK_THAT(declaration_error("params { x = { type = 'number', default = -math.huge } }").message,
             Catch::Contains("parameter x: default -inf is not a finite number"));
  CHECK_THAT(declaration_error("params { x = { type = 'list', default = { 1, math.huge } } }").message,
             Catch::Contains("parameter x: default"));
}

TEST_CASE("a parameter name, string default, unit or description that is not UTF-8 is refused") {
  // The store keeps parameters as JSON text, where such a byte becomes U+FFFD: a resumed run
  // would then look up a parameter the script never declared, or run with another value.
  CHECK_THAT(declaration_error("params { ['a\\xff'] = { type = 'number', default = 1 } }").message,
             Catch::Contains("the parameter name is not valid UTF-8 (byte 0xff at offset 1)"));
  CHECK_THAT(declaration_error("params { s = { type = 'string', default = '\\xc0\\x80' } }").message,
             Catch::Contains("parameter s: the default is not valid UTF-8"));
  CHECK_THAT(declaration_error("params { s = { type = 'number', default = 1, unit = '\\xed\\xa0\\x80' } }").message,
             Catch::Contains("parameter s: the unit is not valid UTF-8"));
  CHECK_THAT(declaration_error("params { s = { type = 'number', default = 1, description = '\\xff' } }").message,
             Catch::Contains("parameter s: the description is not valid UTF-8"));
}

TEST_CASE("a declaration refused before the run names the script line of its params{} call") {
  const auto error = declaration_error("local x = 1\nparams { x = { type = 'number' } }\n");
  CHECK_THAT(error.message, Catch::StartsWith("seq.lua:2: parameter x: no default"));
}

TEST_CASE("a params{} call refused while the sequence runs names the script line, as every script error does") {
  // The run failed with "params{} takes a table of declarations ..." and no position.
  const auto outcome = run_text("local x = 1\nparams { 1, 2 }\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:2: params{} takes a table of declarations"));
}

TEST_CASE("wait_until refuses options that are not a table at the line that called it, not inside the prelude") {
  // It failed with "[ledlab prelude]:5: attempt to index a number value (local 'options')".
  const auto run = ledlab::fuzz::run_host_script("local x = 1\nwait_until(function() return true end, 5)\n");
  REQUIRE(run.outcome);
  CHECK(run.outcome->status == RunStatus::failed);
  CHECK_THAT(run.outcome->message, Catch::StartsWith("fuzz.lua:2: wait_until: the options must be a table"));
}

TEST_CASE("wait_until refuses a NaN timeout, which would never expire, and a poll that sleep would refuse") {
  // A NaN timeout waited until the operator aborted; a NaN poll failed inside the prelude.
  const auto never = ledlab::fuzz::run_host_script("wait_until(function() return false end, { timeout = 0/0 })\n");
  REQUIRE(never.outcome);
  CHECK(never.outcome->status == RunStatus::failed);
  CHECK_THAT(never.outcome->message, Catch::StartsWith("fuzz.lua:1: wait_until: timeout must be a number of seconds"));
  for (const char* poll : {"0/0", "math.huge", "'soon'"}) {
    const auto run = ledlab::fuzz::run_host_script(
        fmt::format("wait_until(function() return false end, {{ poll = {} }})\n", poll));
    REQUIRE(run.outcome);
    CHECK_THAT(run.outcome->message, Catch::StartsWith("fuzz.lua:1: wait_until: poll must be a number of seconds"));
  }
  const auto what = ledlab::fuzz::run_host_script("wait_until(function() return false end, { what = {} })\n");
  REQUIRE(what.outcome);
  CHECK_THAT(what.outcome->message, Catch::StartsWith("fuzz.lua:1: wait_until: what must be a string"));
}

TEST_CASE("a station file naming a driver its kind does not have is refused at the driver's line") {
  // parse_station skipped the settings check for an unknown dialect: out-of-range limits were
  // accepted until the station was built, and then refused without the file's line.
  const auto st = ledlab::engine::parse_station("[instruments.chamber]\nkind = \"thermal_chamber\"\n"
                                                "driver = \"thermostrem\"\naddress = \"tcp://127.0.0.1:5025\"\n"
                                                "limits = { max_c = 5000 }\n",
                                                "bench.toml");
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().message, Catch::StartsWith("bench.toml:3: instruments.chamber.driver: 'thermostrem' is not a "
                                                   "thermal_chamber driver (one of thermostream"));
}

TEST_CASE("a precompiled chunk given as a sequence is refused naming the script") {
  // Lua's own message, "attempt to load a binary chunk (mode is 't')", named neither.
  const std::string binary = "\x1bLua\x54\x00 whatever follows";
  CHECK_THAT(declaration_error(binary).message, Catch::StartsWith("seq.lua:1: attempt to load a binary chunk"));
  const auto outcome = run_text(binary);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:1: attempt to load a binary chunk (mode is 't'): a sequence "
                                                "must be Lua source text"));
}

TEST_CASE("a station file whose keys nest thousands of tables deep is refused at its line, not a stack overflow") {
  // toml++ recurses once per table level, and dotted keys are not bounded the way inline
  // arrays and tables are: a 40 kB file of "[bench.t.t.t...]" overflowed the stack.
  std::string path = "t";
  for (int i = 0; i < 100'000; ++i) path += ".t";
  const std::string instrument = "[instruments.opm]\nkind = \"power_meter\"\naddress = \"tcp://127.0.0.1:5025\"\n";
  const auto header = ledlab::engine::parse_station(instrument + "[bench." + path + "]\nx = 1\n", "deep.toml");
  REQUIRE_FALSE(header);
  CHECK_THAT(header.error().message, Catch::StartsWith("deep.toml:4: keys nest deeper than 64 tables"));
  const auto inline_key = ledlab::engine::parse_station(instrument + "[bench]\nx = { " + path + " = 1 }\n", "deep.toml");
  REQUIRE_FALSE(inline_key);
  CHECK_THAT(inline_key.error().message, Catch::StartsWith("deep.toml:5: keys nest deeper than 64 tables"));
  // Dots in strings and numbers are not key levels.
  std::string values = "[bench]\nnote = \"" + path + "\"\nlist = [";
  for (int i = 0; i < 1000; ++i) values += "1.5, ";
  CHECK(ledlab::engine::parse_station(instrument + values + "2.5]\n", "dots.toml"));
}
