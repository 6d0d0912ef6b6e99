// What a script cannot do to the engine: exhaust its memory, hide in a finalizer or a C loop
// where no hook runs, or hand the engine a value that would not fit in memory as JSON.
#include "lua_test_support.hpp"

#include <catch2/catch.hpp>

#include <future>
#include <limits>
#include <string>
#include <thread>
#include <vector>

using namespace ledlab::lua;
using ledlab::lua::test::run_text;
using ledlab::lua::test::run_to_end;

namespace {

RunOptions with_memory_mib(std::size_t mib) {
  RunOptions options;
  options.memory_limit_bytes = mib << 20;
  return options;
}

Sinks failing_on_log() {
  return Sinks{.log = [](std::string_view text) { FAIL("the script went on: " << text); }};
}

}  // namespace

TEST_CASE("a huge string.rep ends the run at its line with the script memory limit, not the machine's") {
  const auto outcome = run_text("local x = 1\nlocal s = string.rep('x', 2e9)\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK(outcome.message == "seq.lua:2: script memory limit of 512 MiB exceeded");
  CHECK_THAT(outcome.traceback, Catch::Contains("seq.lua:2"));
}

TEST_CASE("a table grown past the memory limit ends the run at the line that grew it") {
  const auto outcome = run_text("local t = {}\nfor i = 1, 1.5e6 do\n  t[i] = i\nend\n", with_memory_mib(16));
  CHECK(outcome.status == RunStatus::failed);
  CHECK(outcome.message == "seq.lua:3: script memory limit of 16 MiB exceeded");
}

TEST_CASE("the memory limit cannot be swallowed by pcall") {
  const auto outcome = run_text("local ok = pcall(string.rep, 'x', 2e9)\nlog('survived')\n"
                                "local ok2 = pcall(function() local t = {} for i = 1, 1.5e6 do t[i] = i end end)\n",
                                with_memory_mib(16), failing_on_log());
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:1: script memory limit of 16 MiB exceeded"));
}

TEST_CASE("a script near its memory limit goes on once the collector has freed what it no longer uses") {
  // 10 MB held and 4 MB strings thrown away: allocations are refused until Lua's emergency
  // collection (lmem.c) makes room and the same request is granted on its retry.
  const auto outcome = run_text("local piece = string.rep('x', 2e6)\nlocal keep = piece .. piece .. piece .. piece .. piece\n"
                                "for i = 1, 50 do local s = piece .. piece .. i end\n"
                                "local ok, err = pcall(error, 'an ordinary error', 0)\n"  // not taken for the limit
                                "assert(not ok and err == 'an ordinary error')\n",
                                with_memory_mib(16));
  INFO(outcome.message);
  CHECK(outcome.status == RunStatus::finished);
}

TEST_CASE("a finalizer (__gc) is refused at the line that sets it, so none can loop inside the collector") {
  const auto outcome = run_text("local t = {}\nsetmetatable(t, {__gc = function() while true do end end})\nt = nil\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:2: __gc metamethods (finalizers) are not available in a "
                                                "sequence (sandbox)"));
}

TEST_CASE("setmetatable without __gc works as in Lua, protected metatables included") {
  const auto outcome = run_text(R"(
    local t = setmetatable({}, {__index = function(_, k) return k * 2 end})
    assert(t[21] == 42 and getmetatable(t).__index ~= nil)
    assert(setmetatable(t, nil) == t and getmetatable(t) == nil)
    local locked = setmetatable({}, {__metatable = "locked"})
    local ok, err = pcall(setmetatable, locked, {})
    assert(not ok and err:find("cannot change a protected metatable"), err)
  )");
  INFO(outcome.message);
  CHECK(outcome.status == RunStatus::finished);
}

TEST_CASE("string.rep of an empty piece returns at once however many times it is asked for") {
  // The library would loop math.maxinteger times in C, where no hook runs.
  const auto outcome = run_text(R"(
    assert(string.rep('', math.maxinteger) == '')
    assert((''):rep(math.maxinteger, '') == '')
    assert(string.rep('ab', 3, ',') == 'ab,ab,ab' and string.rep('x', 0) == '')
  )");
  INFO(outcome.message);
  CHECK(outcome.status == RunStatus::finished);
}

TEST_CASE("an error of a guarded library function names the script line") {
  const auto outcome = run_text("local x = 1\nlocal s = string.rep('x', 1 << 62, 'yy')\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK(outcome.message == "seq.lua:2: resulting string too large");
}

TEST_CASE("table.move of more elements than a sequence may move is refused at its line") {
  const auto refused = run_text("local t = {}\ntable.move(t, 1, 1 << 40, 2)\n");
  CHECK(refused.status == RunStatus::failed);
  CHECK(refused.message == "seq.lua:2: table.move of more than 16777216 elements is refused in a sequence (sandbox)");
  const auto negative = run_text("table.move({}, math.mininteger, -1, 1)\n");
  CHECK_THAT(negative.message, Catch::StartsWith("seq.lua:1: table.move of more than"));
  const auto moved = run_text("local t = table.move({1, 2, 3}, 1, 3, 2)\nassert(t[1] == 1 and t[4] == 3)\n"
                              "local ok, err = pcall(table.move, nil, 1, 2, 1)\nassert(err:find('table.move'), err)\n");
  INFO(moved.message);
  CHECK(moved.status == RunStatus::finished);
}

TEST_CASE("interrupt from another thread stops a script in a loop at its next hook, naming file:line") {
  boost::asio::io_context io;
  RunOptions options;
  options.instruction_budget = std::numeric_limits<std::uint64_t>::max();  // only the interrupt stops it
  std::promise<void> looping;
  SequenceRunner runner(SequenceScript("log('looping')\nlocal x = 0\nwhile true do x = x + 1 end\n", "seq.lua"), options,
                        Sinks{.log = [&](std::string_view) { looping.set_value(); }});
  std::thread watchdog([&] {
    looping.get_future().wait();
    runner.interrupt("the engine loop did not answer");
  });
  const auto outcome = run_to_end(io, runner);
  watchdog.join();
  CHECK(outcome.status == RunStatus::failed);
  CHECK(outcome.message == "seq.lua:3: the engine loop did not answer");
}

TEST_CASE("the declaration pass refuses a finalizer and stops at the memory limit, naming file:line") {
  const auto finalizer =
      SequenceScript("setmetatable({}, {__gc = function() while true do end end})\nparams{}\n", "a.lua").parameters();
  REQUIRE_FALSE(finalizer);
  CHECK_THAT(finalizer.error().message, Catch::StartsWith("a.lua:1: __gc metamethods (finalizers) are not available"));
  const auto memory = SequenceScript("local x = 1\nlocal s = string.rep('x', 2e9)\nparams{}\n", "b.lua").parameters();
  REQUIRE_FALSE(memory);
  CHECK(memory.error().message == "b.lua:2: script memory limit of 512 MiB exceeded");
}

TEST_CASE("log() of a table shared at every level is refused with a clear error instead of exhausting memory") {
  // 40 levels, each holding the one below twice: 2^40 values as JSON.
  const auto outcome = run_text("local t = {}\nfor i = 1, 40 do t = {a = t, b = t} end\nlog(t)\n", {}, failing_on_log());
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:3: log: more than 1000000 values"));
}

TEST_CASE("a table that contains itself is refused as a cycle, wherever it is passed") {
  const auto logged = run_text("local t = {1}\nt.self = t\nlog(t)\n", {}, failing_on_log());
  CHECK(logged.message == "seq.lua:3: log: table contains itself (a cycle)");
  const auto recorded = run_text("local t = {}\nt[1] = {t}\nrecord('x', t)\n");
  CHECK(recorded.message == "seq.lua:3: table contains itself (a cycle)");
}

TEST_CASE("a table shared within the bounds converts, and nil arguments stay in place") {
  std::vector<nlohmann::json> records;
  const auto outcome = run_text("local s = {1, 2}\nrecord({a = s, b = s})\nrecord(1, nil, 3)\n", {},
                                Sinks{.record = [&](const nlohmann::json& v) { records.push_back(v); }});
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  REQUIRE(records.size() == 2);
  CHECK(records[0] == nlohmann::json{{"a", {1, 2}}, {"b", {1, 2}}});
  CHECK(records[1] == nlohmann::json({1, nullptr, 3}));
}
