// Pause holds the script at its next engine call; resume lets it go on; abort acts while paused.
#include "lua_test_support.hpp"

#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <chrono>

using namespace ledlab;
using namespace ledlab::lua;
namespace asio = boost::asio;
using nlohmann::json;

namespace {
// A script that makes ten engine calls, and a host function counting them.
struct Ticker {
  asio::io_context io;
  SequenceRunner runner{SequenceScript("for i = 1, 10 do tick(i) end", "ticks.lua")};
  int ticks = 0;
  int paused_at = 3;
  int seen_while_paused = -1;
  asio::steady_timer later{io};

  Ticker() {
    runner.add_async("tick", [this](json) -> asio::awaitable<Result<json>> {
      ++ticks;
      if (ticks == paused_at) {
        runner.pause();
        later.expires_after(std::chrono::milliseconds(100));
        later.async_wait([this](auto) { on_paused(); });
      }
      co_return json();
    });
  }
  std::function<void()> on_paused;
};
}  // namespace

TEST_CASE("pause holds the sequence at its next engine call and resume lets it finish") {
  Ticker t;
  t.on_paused = [&] {
    t.seen_while_paused = t.ticks;
    CHECK(t.runner.paused());
    t.runner.resume();
  };
  auto outcome = test::run_to_end(t.io, t.runner);
  CHECK(outcome.status == RunStatus::finished);
  CHECK(t.seen_while_paused == 3);  // 100 ms paused and not one more call
  CHECK(t.ticks == 10);
}

TEST_CASE("abort acts on a paused sequence") {
  Ticker t;
  t.on_paused = [&] { t.runner.abort("operator aborted while paused"); };
  auto outcome = test::run_to_end(t.io, t.runner);
  CHECK(outcome.status == RunStatus::aborted);
  CHECK(outcome.message == "operator aborted while paused");
  CHECK(t.ticks == 3);
}
