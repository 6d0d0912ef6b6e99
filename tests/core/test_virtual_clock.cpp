// The discrete-event clock: sleepers wake at their simulated deadlines, in order, when the
// loop that drives them says nothing else can happen; work in flight holds time still.
#include "core/activity.hpp"
#include "core/clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <limits>
#include <string>
#include <vector>

using namespace ledlab;
namespace asio = boost::asio;

namespace {

// The loop a run drives on a virtual clock (engine/run/run_sequence.cpp, RunHost::drive), until
// nothing is left to do.
void drive(asio::io_context& io, Clock& clock) {
  auto& activity = Activity::of(io);
  for (int guard = 0; guard < 100000; ++guard) {
    if (io.poll_one() > 0) continue;
    if (!activity.busy() && clock.advance_to_next_deadline()) continue;
    if (io.stopped() || (clock.sleepers() == 0 && io.poll() == 0)) return;
  }
  FAIL("the loop did not come to rest");
}

}  // namespace

TEST_CASE("a virtual clock wakes sleepers at their deadlines in deadline order, whatever the wall time") {
  asio::io_context io;
  auto clock = Clock::virtual_time();
  std::vector<std::string> woke;
  auto sleeper = [&](std::string name, double s) -> asio::awaitable<void> {
    co_await clock->sleep(s);
    woke.push_back(name + "@" + std::to_string(static_cast<int>(clock->elapsed_s())));
  };
  asio::co_spawn(io, sleeper("week", 7 * 86400.0), asio::detached);
  asio::co_spawn(io, sleeper("hour", 3600), asio::detached);
  asio::co_spawn(io, sleeper("minute", 60), asio::detached);
  drive(io, *clock);
  CHECK(woke == std::vector<std::string>{"minute@60", "hour@3600", "week@604800"});
  CHECK(clock->elapsed_s() == 7 * 86400.0);
}

TEST_CASE("a loop of sleeps on a virtual clock takes every step exactly, with no drift") {
  asio::io_context io;
  auto clock = Clock::virtual_time();
  std::vector<double> at;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 1000; ++i) {
      co_await clock->sleep(0.25);
      at.push_back(clock->elapsed_s());
    }
  }, asio::detached);
  drive(io, *clock);
  REQUIRE(at.size() == 1000);
  for (std::size_t i = 0; i < at.size(); ++i) CHECK(at[i] == Approx(0.25 * static_cast<double>(i + 1)).epsilon(1e-12));
}

TEST_CASE("work in flight holds virtual time still until it completes") {
  asio::io_context io;
  auto clock = Clock::virtual_time();
  double seen_after_exchange = -1;
  asio::steady_timer reply(io, asio::steady_timer::time_point::max());
  // An "exchange": in flight until the reply timer is cancelled by a wall-time event.
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    Activity::Scope in_flight(io.get_executor());
    co_await reply.async_wait(asio::as_tuple(asio::use_awaitable));
    seen_after_exchange = clock->elapsed_s();
  }, asio::detached);
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { co_await clock->sleep(100); }, asio::detached);
  io.poll();
  REQUIRE(Activity::of(io).busy());
  // The driver must not jump while busy.
  CHECK(io.poll_one() == 0);
  CHECK(clock->elapsed_s() == 0);
  reply.cancel();
  drive(io, *clock);
  CHECK(seen_after_exchange == 0);  // the reply came at the simulated moment it was asked for
  CHECK(clock->elapsed_s() == 100);
  CHECK_FALSE(Activity::of(io).busy());
}

TEST_CASE("a lent exchange lets virtual time run while its reply waits on the clock") {
  asio::io_context io;
  auto clock = Clock::virtual_time();
  double replied_at = -1;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    Activity::Scope in_flight(io.get_executor());
    {
      Activity::Lend waiting(io.get_executor());
      co_await clock->sleep(30);  // a twin's *OPC? while its operation runs
    }
    replied_at = clock->elapsed_s();
  }, asio::detached);
  drive(io, *clock);
  CHECK(replied_at == 30);
}

TEST_CASE("a cancelled sleeper leaves the virtual clock's queue and does not pull time forward") {
  using namespace asio::experimental::awaitable_operators;
  asio::io_context io;
  auto clock = Clock::virtual_time();
  bool short_won = false;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    auto r = co_await (clock->sleep(10) || clock->sleep(1e6));
    short_won = r.index() == 0;
  }, asio::detached);
  drive(io, *clock);
  CHECK(short_won);
  CHECK(clock->sleepers() == 0);
  CHECK(clock->elapsed_s() == 10);
}

TEST_CASE("a sleep forever never moves a virtual clock to infinity") {
  auto clock = Clock::virtual_time();  // outlives the io_context, which destroys the sleeper
  asio::io_context io;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { co_await clock->sleep(std::numeric_limits<double>::infinity()); },
                 asio::detached);
  io.poll();
  CHECK_FALSE(clock->advance_to_next_deadline());
  CHECK(clock->elapsed_s() == 0);
  io.stop();
}

TEST_CASE("clocks refuse a scale that is not a finite positive number") {
  CHECK_THROWS(Clock(0.0));
  CHECK_THROWS(Clock(-1.0));
  CHECK_THROWS(Clock(std::numeric_limits<double>::quiet_NaN()));
  CHECK_THROWS(Clock(std::numeric_limits<double>::infinity()));
  CHECK_NOTHROW(Clock(3600.0));
}
