#include "lua_test_support.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace ledlab::lua;
using ledlab::lua::test::run_to_end;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A fake instrument call: completes after `args["ms"]` of wall time, or fails on demand.
asio::awaitable<ledlab::Result<nlohmann::json>> fake_read(nlohmann::json args) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::milliseconds(args.value("ms", 1)));
  co_await timer.async_wait(asio::use_awaitable);
  if (args.value("fail", false)) co_return ledlab::fail(ledlab::Errc::instrument, "-222,\"Data out of range\"");
  co_return nlohmann::json{{"power_w", 1.5e-3}, {"lane", args.value("lane", 0)}};
}

Sinks logging_to(std::vector<std::string>& events) {
  return Sinks{.log = [&events](std::string_view text) { events.emplace_back(text); }};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("an async host function returns its value to the script") {
  asio::io_context io;
  nlohmann::json recorded;
  SequenceRunner runner(SequenceScript("local r = meter.read{ms = 5, lane = 7}\nrecord(r.power_w, r.lane)", "seq.lua"),
                        {}, Sinks{.record = [&](const nlohmann::json& v) { recorded = v; }});
  runner.add_async("meter.read", fake_read);
  const auto outcome = run_to_end(io, runner);
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  CHECK(recorded == nlohmann::json({1.5e-3, 7}));
}

TEST_CASE("an error from an async host function is a Lua error the script can catch") {
  asio::io_context io;
  std::vector<std::string> events;
  SequenceRunner runner(SequenceScript("local ok, err = pcall(meter.read, {fail = true})\nlog(err)\n"
                                       "meter.read{fail = true}",
                                       "seq.lua"),
                        {}, logging_to(events));
  runner.add_async("meter.read", fake_read);
  const auto outcome = run_to_end(io, runner);
  REQUIRE(events.size() == 1);
  CHECK_THAT(events[0], Catch::Contains("Data out of range"));
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:3:"));
  CHECK_THAT(outcome.message, Catch::Contains("Data out of range"));
}

TEST_CASE("two sequences on one io_context interleave at their engine calls") {
  asio::io_context io;
  std::vector<std::string> events;
  SequenceRunner slow(SequenceScript("log('slow start')\nmeter.read{ms = 80}\nlog('slow end')", "slow.lua"), {},
                      logging_to(events));
  SequenceRunner fast(SequenceScript("log('fast start')\nmeter.read{ms = 5}\nlog('fast end')", "fast.lua"), {},
                      logging_to(events));
  slow.add_async("meter.read", fake_read);
  fast.add_async("meter.read", fake_read);
  int finished = 0;
  asio::co_spawn(io, slow.run(), [&](std::exception_ptr, RunOutcome o) { finished += o.status == RunStatus::finished; });
  asio::co_spawn(io, fast.run(), [&](std::exception_ptr, RunOutcome o) { finished += o.status == RunStatus::finished; });
  io.run();
  CHECK(finished == 2);
  CHECK(events == std::vector<std::string>{"slow start", "fast start", "fast end", "slow end"});
}

TEST_CASE("abort during sleep ends the run as aborted, even inside pcall") {
  asio::io_context io;
  std::vector<std::string> events;
  SequenceRunner runner(SequenceScript("while true do\n  local ok = pcall(sleep, 3600)\n  log('woke', ok)\nend", "seq.lua"),
                        {}, logging_to(events));
  asio::steady_timer operator_presses_abort(io, 20ms);
  operator_presses_abort.async_wait([&](boost::system::error_code) { runner.abort("operator abort"); });
  const auto start = std::chrono::steady_clock::now();
  const auto outcome = run_to_end(io, runner);
  CHECK(outcome.status == RunStatus::aborted);
  CHECK(outcome.message == "operator abort");
  CHECK(events.empty());
  CHECK(seconds_since(start) < 5.0);
}

TEST_CASE("abort acts at the next engine call of a script that never sleeps") {
  asio::io_context io;
  int calls = 0;
  SequenceRunner* self = nullptr;
  SequenceRunner runner(SequenceScript("while true do pcall(log, 'tick') end", "seq.lua"), {},
                        Sinks{.log = [&](std::string_view) {
                          if (++calls == 3) self->abort();
                        }});
  self = &runner;
  const auto outcome = run_to_end(io, runner);
  CHECK(outcome.status == RunStatus::aborted);
  CHECK(calls == 3);
}

TEST_CASE("parallel branches run concurrently: the run takes the longest branch's time, not the sum") {
  asio::io_context io;
  RunOptions options;
  options.clock = ledlab::Clock::virtual_time();
  std::vector<std::string> events;
  SequenceRunner runner(SequenceScript(R"(
    parallel {
      function() log('a1') sleep(20) log('a2') end,
      function() log('b1') sleep(10) log('b2') end,
      function() log('c1') sleep(20) log('c2') end,
      function() log('d1') sleep(20) log('d2') end,
    }
    log('joined')
  )", "seq.lua"), options, logging_to(events));
  const auto outcome = run_to_end(io, runner, options.clock);
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  CHECK(options.clock->elapsed_s() == 20);  // one after another would be 70 s
  REQUIRE(events.size() == 9);
  CHECK(events[0] == "a1");
  CHECK(events[1] == "b1");
  CHECK(events[2] == "c1");
  CHECK(events[3] == "d1");
  CHECK(events[4] == "b2");
  CHECK(events[8] == "joined");
}

TEST_CASE("the first error in a parallel branch is raised in the caller and stops the siblings") {
  asio::io_context io;
  RunOptions options;
  options.clock = ledlab::Clock::virtual_time();
  std::vector<std::string> events;
  SequenceRunner runner(SequenceScript("local ok, err = pcall(parallel, {\n"
                                       "  function() sleep(1) error('chamber out of band') end,\n"
                                       "  function() sleep(3600) log('never') end,\n"
                                       "})\nlog(err)",
                                       "seq.lua"),
                        options, logging_to(events));
  const auto outcome = run_to_end(io, runner, options.clock);
  INFO(outcome.message);
  CHECK(outcome.status == RunStatus::finished);
  REQUIRE(events.size() == 1);
  CHECK_THAT(events[0], Catch::Contains("seq.lua:2: chamber out of band"));
  CHECK(options.clock->elapsed_s() < 3600);  // the sibling's hour-long sleep was cut short
}

TEST_CASE("abort during parallel ends every branch") {
  asio::io_context io;
  std::vector<std::string> events;
  SequenceRunner runner(SequenceScript("parallel { function() pcall(sleep, 3600) log('a') end,"
                                       " function() while true do pcall(sleep, 3600) end end }\nlog('after')",
                                       "seq.lua"),
                        {}, logging_to(events));
  asio::steady_timer operator_presses_abort(io, 20ms);
  operator_presses_abort.async_wait([&](boost::system::error_code) { runner.abort(); });
  const auto outcome = run_to_end(io, runner);
  CHECK(outcome.status == RunStatus::aborted);
  CHECK(events.empty());
}

TEST_CASE("a runaway parallel branch fails the run, caught or not") {
  asio::io_context io;
  RunOptions options;
  options.instruction_budget = 100'000;
  SequenceRunner runner(SequenceScript("pcall(parallel, { function() sleep(0) end, function()\n while true do end end })",
                                       "seq.lua"),
                        options);
  const auto outcome = run_to_end(io, runner);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::StartsWith("seq.lua:2: script ran"));
}

TEST_CASE("an async host function that throws is a script error, not a hang") {
  asio::io_context io;
  SequenceRunner runner(SequenceScript("meter.read()", "seq.lua"));
  runner.add_async("meter.read", [](nlohmann::json) -> asio::awaitable<ledlab::Result<nlohmann::json>> {
    throw std::runtime_error("driver bug");
    co_return nlohmann::json();
  });
  const auto outcome = run_to_end(io, runner);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains("seq.lua:1:") && Catch::Contains("driver bug"));
}

TEST_CASE("progress, result, checkpoint and sync host functions reach the embedder") {
  asio::io_context io;
  double fraction = 0;
  std::string step, checkpoint_name;
  nlohmann::json result, state;
  SequenceRunner runner(SequenceScript("progress(0.5, 'temp 55')\nresult{name = 'f3db_hz', value = station.f3db(2)}\n"
                                       "checkpoint('after_55', {done = {25, 55}})",
                                       "seq.lua"),
                        {},
                        Sinks{.progress = [&](double f, std::string_view t) { fraction = f, step = t; },
                              .result = [&](const nlohmann::json& v) { result = v; },
                              .checkpoint = [&](std::string_view n, const nlohmann::json& s) {
                                checkpoint_name = n;
                                state = s;
                              }});
  runner.add_function("station.f3db", [](nlohmann::json lane) -> ledlab::Result<nlohmann::json> {
    return nlohmann::json(1e9 * lane.get<double>());
  });
  const auto outcome = run_to_end(io, runner);
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  CHECK(fraction == 0.5);
  CHECK(step == "temp 55");
  CHECK(result == nlohmann::json{{"name", "f3db_hz"}, {"value", 2e9}});
  CHECK(checkpoint_name == "after_55");
  CHECK(state == nlohmann::json{{"done", {25, 55}}});
}

TEST_CASE("wait_until polls its condition on the run's clock until it holds") {
  asio::io_context io;
  std::vector<std::string> events;
  RunOptions options;
  options.clock = ledlab::Clock::virtual_time();
  SequenceRunner runner(SequenceScript(R"lua(
local polls = 0
local waited = wait_until(function() polls = polls + 1; return polls >= 4 end, { poll = 60, timeout = 3600 })
log(("polls %d, waited %d s"):format(polls, math.floor(waited / 60 + 0.5) * 60))
)lua", "seq.lua"), options, logging_to(events));
  const auto outcome = run_to_end(io, runner, options.clock);
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  REQUIRE(events.size() == 1);
  CHECK(events[0] == "polls 4, waited 180 s");
}

TEST_CASE("wait_until that times out fails the run at the line that called it") {
  RunOptions options;
  options.clock = ledlab::Clock::virtual_time();
  const auto outcome = test::run_text("local x = 1\nwait_until(function() return false end, { poll = 30, timeout = 120, what = 'chamber at 85 C' })\n",
                                      options);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains("seq.lua:2: wait_until: chamber at 85 C not met within 120 s"));
}

TEST_CASE("wait_until refuses a condition that is not a function") {
  const auto outcome = test::run_text("wait_until(true)\n");
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains("seq.lua:1: wait_until: the first argument must be a function"));
}

TEST_CASE("a holder keeps the script waiting at its next engine call until released, independent of pause") {
  asio::io_context io;
  std::vector<std::string> events;
  SequenceRunner runner(SequenceScript("log('a')\nsleep(0)\nlog('b')\n", "seq.lua"), {}, logging_to(events));
  runner.hold("interlock:band");
  runner.pause();
  asio::steady_timer later(io);
  later.expires_after(100ms);
  later.async_wait([&](auto) {
    CHECK(events == std::vector<std::string>{"a"});
    runner.resume();  // the operator resumes, but the interlock still holds
    asio::post(io, [&] {
      CHECK(runner.held());
      CHECK(events == std::vector<std::string>{"a"});
      runner.release("interlock:band");
    });
  });
  const auto outcome = run_to_end(io, runner);
  CHECK(outcome.status == RunStatus::finished);
  CHECK(events == std::vector<std::string>{"a", "b"});
}
