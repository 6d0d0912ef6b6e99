#include "lua_test_support.hpp"

#include <catch2/catch.hpp>
#include <lua.hpp>

using namespace ledlab::lua;
using ledlab::lua::test::run_text;

namespace {

void require_refused(const std::string& text, const std::string& expected) {
  INFO(text);
  const auto outcome = run_text(text);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains(expected));
}

int collect_bytes(lua_State*, const void* p, size_t size, void* ud) {
  static_cast<std::string*>(ud)->append(static_cast<const char*>(p), size);
  return 0;
}

}  // namespace

TEST_CASE("sandbox escapes are refused with an error that names the missing function") {
  require_refused("os.execute('true')", "seq.lua:1: 'os.execute' is not available in a sequence (sandbox)");
  require_refused("local f = io.open('/etc/passwd')", "seq.lua:1: 'io' is not available");
  require_refused("\nrequire('os')", "seq.lua:2: 'require' is not available");
  require_refused("load('return 1')()", "'load' is not available");
  require_refused("loadstring('return 1')()", "'loadstring' is not available");
  require_refused("dofile('/etc/passwd')", "'dofile' is not available");
  require_refused("loadfile('/etc/passwd')", "'loadfile' is not available");
  require_refused("local s = string.dump(function() end)", "'string.dump' is not available");
  require_refused("local s = ('x').dump(function() end)", "'string.dump' is not available");
  require_refused("local i = debug.getinfo(1)", "'debug' is not available");
  require_refused("collectgarbage()", "'collectgarbage' is not available");
  require_refused("local p = package.path", "'package' is not available");
}

TEST_CASE("the safe part of the standard library is there") {
  const auto outcome = run_text(R"(
    assert(math.floor(2.5) == 2 and string.format("%d", 3) == "3" and ("ab"):upper() == "AB")
    assert(table.concat({1, 2}, ",") == "1,2" and select("#", 1, 2) == 2 and utf8.char(65) == "A")
    assert(type(os.time()) == "number" and type(os.clock()) == "number" and unpack({7}) == 7)
    assert(_G.pairs == pairs and undefined_global == nil)
    local ok, err = pcall(error, "caught")
    assert(not ok and err == "caught")
    local ok2, err2 = xpcall(function() error("x", 0) end, function(m) return "handled " .. m end)
    assert(not ok2 and err2 == "handled x")
  )");
  INFO(outcome.message);
  CHECK(outcome.status == RunStatus::finished);
}

TEST_CASE("a precompiled (binary) chunk is refused") {
  lua_State* L = luaL_newstate();
  REQUIRE(luaL_loadstring(L, "return 1") == LUA_OK);
  std::string bytes;
  lua_dump(L, collect_bytes, &bytes, 0);
  lua_close(L);
  const auto outcome = run_text(bytes);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains("attempt to load a binary chunk"));
}

TEST_CASE("a runaway loop is stopped by the instruction guard with its file and line") {
  RunOptions options;
  options.instruction_budget = 200'000;
  const auto outcome = run_text("local x = 0\nwhile true do x = x + 1 end\n", options);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:2: script ran"));
  CHECK_THAT(outcome.message, Catch::Contains("instructions without yielding to the engine (runaway loop?)"));
  CHECK_THAT(outcome.traceback, Catch::Contains("stack traceback"));
}

TEST_CASE("the runaway guard cannot be swallowed by pcall") {
  RunOptions options;
  options.instruction_budget = 200'000;
  const auto outcome = run_text("for i = 1, 10 do pcall(function() while true do end end) end\nlog('escaped')",
                                options, Sinks{.log = [](std::string_view) { FAIL("script went on"); }});
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains("runaway loop?"));
}

TEST_CASE("the instruction budget is per stretch between engine calls") {
  RunOptions options;
  options.instruction_budget = 200'000;
  options.clock = std::make_shared<ledlab::Clock>(1e6);
  // ~300k instructions in total, but never more than ~30k between two sleeps
  const auto outcome = run_text("for i = 1, 10 do for j = 1, 10000 do end sleep(0) end", options);
  INFO(outcome.message);
  CHECK(outcome.status == RunStatus::finished);
}

TEST_CASE("a script error reports file:line and a traceback") {
  const auto outcome = run_text("local t = nil\n\nlocal function f()\n  return t.x\nend\nf()\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:4: attempt to index a nil value"));
  CHECK_THAT(outcome.traceback, Catch::Contains("seq.lua:6"));
}

TEST_CASE("a syntax error reports file:line") {
  const auto outcome = run_text("local x = \n\n)");
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:3:"));
}
