#pragma once
// Runs a coroutine to completion on a test's client io_context.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>

namespace ledlab::test {

// Runs `op` on `io` and returns its value. Completions posted from other threads (twins,
// a fake USB bus) keep the loop going until the coroutine is done.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> op) {
  auto fut = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  io.restart();
  while (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
    if (io.run_one_for(std::chrono::milliseconds(5)) == 0) io.restart();
  }
  return fut.get();
}

}  // namespace ledlab::test
