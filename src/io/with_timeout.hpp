#pragma once
// Races an Asio operation against a watchdog timer (the pattern of Asio's
// cpp20/coroutines/timeout.cpp). The loser is cancelled through its cancellation slot.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <optional>
#include <tuple>

namespace ledlab::io {

// Returns the operation's result tuple, or nullopt when the deadline passed first.
template <class Op>
auto with_timeout(Op&& op, std::chrono::steady_clock::duration timeout)
    -> boost::asio::awaitable<std::optional<typename decltype(std::declval<Op>()(
        boost::asio::as_tuple(boost::asio::use_awaitable)))::value_type>> {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_after(timeout);
  auto winner = co_await (op(boost::asio::as_tuple(boost::asio::use_awaitable)) ||
                          timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
  if (winner.index() == 0) co_return std::get<0>(std::move(winner));
  co_return std::nullopt;
}

}  // namespace ledlab::io
