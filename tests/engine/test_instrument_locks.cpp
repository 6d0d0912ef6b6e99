// Exclusive use of shared instruments between the sockets of a batch (engine/run/instrument_locks).
#include "engine/run/instrument_locks.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace asio = boost::asio;
using ledlab::engine::InstrumentLocks;

namespace {

// Yields to the other coroutines on the context once.
asio::awaitable<void> yield_once() { co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable); }

}  // namespace

// Holds bert and the switch for `steps` turns of the event loop, checking nobody else has them.
asio::awaitable<void> use_bert_behind_switch(InstrumentLocks& locks, std::vector<std::string>& trace, std::string socket,
                                             int steps) {
  std::vector<std::string> names;  // GCC 12 cannot keep a braced list's array in a coroutine frame
  names.emplace_back("bert");
  names.emplace_back("switch");
  auto guard = co_await locks.acquire(std::move(names), socket);
  trace.push_back(socket + " in");
  for (int i = 0; i < steps; ++i) {
    if (locks.holder("bert") != socket || locks.holder("switch") != socket) trace.push_back(socket + " shared");
    co_await yield_once();
  }
  trace.push_back(socket + " out");
}

TEST_CASE("a shared instrument is used by one socket at a time, granted in the order asked") {
  asio::io_context io;
  InstrumentLocks locks(io.get_executor());
  std::vector<std::string> trace;
  asio::co_spawn(io, use_bert_behind_switch(locks, trace, "A", 3), asio::detached);
  asio::co_spawn(io, use_bert_behind_switch(locks, trace, "B", 2), asio::detached);
  asio::co_spawn(io, use_bert_behind_switch(locks, trace, "C", 1), asio::detached);
  io.run();
  // Never " shared": nobody else held either while a socket was in.
  CHECK(trace == std::vector<std::string>{"A in", "A out", "B in", "B out", "C in", "C out"});
  CHECK(locks.holder("bert").empty());
  CHECK(locks.waiting("bert") == 0);
}

// Catch2's CHECK cannot sit in a coroutine on GCC 12; the section reports what it saw instead.
asio::awaitable<void> nested_section(InstrumentLocks& locks, bool& inner) {
  std::vector<std::string> outer_names(1, "bert");
  auto outer = co_await locks.acquire(outer_names, "A");
  std::vector<std::string> inner_names(outer_names);
  inner_names.emplace_back("opm");
  auto again = co_await locks.acquire(inner_names, "A");
  again.release();
  // Still the outer section's; opm was the inner one's only.
  inner = locks.holder("bert") == "A" && locks.holder("opm").empty();
}

TEST_CASE("a socket that holds an instrument may lock it again inside its own section") {
  asio::io_context io;
  InstrumentLocks locks(io.get_executor());
  bool inner = false;
  asio::co_spawn(io, nested_section(locks, inner), asio::detached);
  io.run();
  CHECK(inner);
  CHECK(locks.holder("bert").empty());
}

asio::awaitable<void> three_rounds(InstrumentLocks& locks, int& done, std::vector<std::string> names, std::string socket) {
  for (int round = 0; round < 3; ++round) {
    auto guard = co_await locks.acquire(names, socket);
    co_await yield_once();
  }
  ++done;
}

TEST_CASE("two sockets asking for the same instruments in opposite orders do not deadlock") {
  asio::io_context io;
  InstrumentLocks locks(io.get_executor());
  int done = 0;
  asio::co_spawn(io, three_rounds(locks, done, {"bert", "switch"}, "A"), asio::detached);
  asio::co_spawn(io, three_rounds(locks, done, {"switch", "bert"}, "B"), asio::detached);
  io.run();
  CHECK(done == 2);
}
