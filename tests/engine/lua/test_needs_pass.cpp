// needs{} read before a run: the script runs in the sandbox with params{} returning the run's
// values until its needs{} call; in the run itself needs{} does nothing.
#include "lua_test_support.hpp"

#include <catch2/catch.hpp>

using namespace ledlab::lua;
using ledlab::lua::test::run_text;

namespace {

const char* kNeeding = R"(
local p = params { temps = { type = "list", default = { 25, 85 }, unit = "C" } }
needs { chamber = { range_c = p.temps, dut_probe = true }, smu = "optional" }
chamber.set_setpoint(p.temps[1])
)";

}  // namespace

TEST_CASE("needs{} is read with the run's parameter values, without running the sequence") {
  const SequenceScript script(kNeeding, "needs.lua");
  auto declared = script.needs({{"temps", "0,105"}});
  REQUIRE(declared);
  REQUIRE(*declared);
  CHECK((*declared)->table["chamber"]["range_c"] == nlohmann::json({0.0, 105.0}));
  CHECK((*declared)->table["smu"] == "optional");
  CHECK((*declared)->at == "needs.lua:3: ");
  // The defaults without overrides.
  CHECK((*script.needs({}))->table["chamber"]["range_c"] == nlohmann::json({25, 85}));
}

TEST_CASE("a script without needs{} declares none, and parameters are read past a needs{} before params{}") {
  auto none = SequenceScript("local p = params {}\nsleep(1)\nneeds {}\n", "a.lua").needs({});
  REQUIRE(none);
  CHECK_FALSE(*none);
  const auto decls = SequenceScript("needs { pg = true }\nparams { x = { type = 'number', default = 1 } }\n", "b.lua")
                         .parameters();
  REQUIRE(decls);
  CHECK(decls->size() == 1);
}

TEST_CASE("the needs pass refuses a bad override at the params{} line and an error before needs{} at its line") {
  const auto bad = SequenceScript(kNeeding, "needs.lua").needs({{"temps", "x"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message == "needs.lua:2: parameter temps: 'x' is not a list of numbers");
  const auto broken = SequenceScript("local p = params {}\nlocal x = p.nothing.field\nneeds {}\n", "c.lua").needs({});
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::StartsWith("c.lua:2:"));
}

TEST_CASE("needs{} in a run takes a table and does nothing else") {
  auto outcome = run_text("needs { bert = { gate = 'bits' } }\nlog('went on')\n");
  CHECK(outcome.status == RunStatus::finished);
  outcome = run_text("needs 'bert'\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains("needs: expected a table, got string"));
}
