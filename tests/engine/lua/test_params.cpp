#include "lua_test_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace ledlab::lua;
using ledlab::lua::test::run_text;

namespace {

const char* kDeclaring = R"(
log("before params")
local p = params {
  temps = { type = "list", default = {25, 55, 85}, unit = "C", description = "chamber setpoints" },
  bit_rate = { type = "number", default = 2e9, unit = "Hz" },
  name = { type = "string", default = "x" },
  lanes = { type = "integer", default = 400 },
}
record(p)
)";

}  // namespace

TEST_CASE("declared parameters are read without running the sequence") {
  const SequenceScript script("local p = params { temps = { type = 'list', default = {25, 55, 85}, unit = 'C',"
                              " description = 'setpoints' }, name = { type = 'string', default = 'x' } }\n"
                              "while true do end",
                              "seq.lua");
  const auto decls = script.parameters();
  REQUIRE(decls);
  REQUIRE(decls->size() == 2);
  CHECK((*decls)[0].name == "name");
  CHECK((*decls)[1].name == "temps");
  CHECK((*decls)[1].type == "list");
  CHECK((*decls)[1].unit == "C");
  CHECK((*decls)[1].description == "setpoints");
  CHECK((*decls)[1].default_value == nlohmann::json({25, 55, 85}));
}

TEST_CASE("a script that declares nothing has no parameters, and a broken one says why") {
  CHECK(SequenceScript("sleep(1)", "a.lua").parameters()->empty());
  const auto broken = SequenceScript("local x = nil + 1", "b.lua").parameters();
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::StartsWith("b.lua:1:"));
  const auto bad_type = SequenceScript("params { t = { type = 'list', default = 'x' } }", "c.lua").parameters();
  REQUIRE_FALSE(bad_type);
  CHECK_THAT(bad_type.error().message, Catch::Contains("parameter t: default \"x\" is not a list"));
}

TEST_CASE("the script gets the defaults with the command-line overrides applied") {
  nlohmann::json recorded;
  RunOptions options;
  options.overrides = {{"temps", "25, 40"}, {"name", "array 7"}};
  const auto outcome = run_text(kDeclaring, options, Sinks{.record = [&](const nlohmann::json& v) { recorded = v; }});
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  CHECK(recorded["temps"] == nlohmann::json({25.0, 40.0}));
  CHECK(recorded["name"] == "array 7");
  CHECK(recorded["bit_rate"] == 2e9);
  CHECK(recorded["lanes"] == 400);
}

TEST_CASE("overrides are type-checked with a message that names the parameter") {
  ParamDecl temps{"temps", "list", nlohmann::json({25}), "C", ""};
  CHECK(parse_override(temps, "25,55,85").value() == nlohmann::json({25.0, 55.0, 85.0}));
  CHECK(parse_override(temps, "25,x").error().message == "parameter temps: '25,x' is not a list of numbers");
  CHECK(parse_override(temps, "25,").error().message == "parameter temps: '25,' is not a list of numbers");
  ParamDecl rate{"bit_rate", "number", 2e9, "Hz", ""};
  CHECK(parse_override(rate, "4e9").value() == 4e9);
  CHECK(parse_override(rate, "fast").error().message == "parameter bit_rate: 'fast' is not a number");
  ParamDecl lanes{"lanes", "integer", 1, "", ""};
  CHECK(parse_override(lanes, "2.5").error().message == "parameter lanes: '2.5' is not an integer");
  ParamDecl dry{"dry_run", "boolean", false, "", ""};
  CHECK(parse_override(dry, "true").value() == true);
  CHECK_FALSE(parse_override(dry, "maybe"));
}

TEST_CASE("a bad or unknown override fails the run before the sequence does anything") {
  RunOptions options;
  options.overrides = {{"temps", "25,x"}};
  std::vector<std::string> events;
  const auto bad = run_text(kDeclaring, options, Sinks{.log = [&](std::string_view t) { events.emplace_back(t); }});
  CHECK(events.empty());
  CHECK(bad.status == RunStatus::failed);
  CHECK(bad.message == "parameter temps: '25,x' is not a list of numbers");

  options.overrides = {{"tmeps", "25"}};
  CHECK(run_text("params {}\nlog('x')", options).status == RunStatus::failed);
  CHECK_THAT(run_text("log('no params')", options).message, Catch::Contains("unknown parameter 'tmeps'"));
  const auto unknown = run_text(kDeclaring, options);
  CHECK(unknown.status == RunStatus::failed);
  CHECK_THAT(unknown.message, Catch::Contains("unknown parameter 'tmeps'"));
  CHECK_THAT(unknown.message, Catch::Contains("bit_rate, lanes, name, temps"));
}
