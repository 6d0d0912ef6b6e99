#pragma once
// What every socket-based link shares: the error kind of a failed socket operation, and one
// watchdog per connection that bounds each read or write (cheaper than a timer and a parallel
// group per operation on the hot query path).
#include "core/error.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>

namespace ledlab::io {

// cancelled (our own cancel or watchdog), disconnected (the peer went away), unreachable
// (nothing listens, no route, no such host), else io.
Errc socket_errc(const boost::system::error_code& ec);

class OperationWatchdog {
 public:
  explicit OperationWatchdog(boost::asio::any_io_executor executor) : timer_(executor) {}

  // Cancels `target`'s pending operations once `timeout` passes; returns a token for disarm().
  template <class Cancellable>
  std::uint64_t arm(std::chrono::milliseconds timeout, Cancellable& target) {
    const std::uint64_t token = ++operation_;
    timer_.expires_after(timeout);
    timer_.async_wait([this, token, &target](const boost::system::error_code& ec) {
      // A handler queued just before disarm() must not cancel the next operation.
      if (ec || token != operation_) return;
      fired_for_ = token;
      boost::system::error_code ignored;
      target.cancel(ignored);
    });
    return token;
  }
  // Ends the guarded operation; true when the watchdog fired for it (it timed out).
  bool disarm(std::uint64_t token) {
    const bool fired = fired_for_ == token;
    ++operation_;
    timer_.cancel();
    return fired;
  }

 private:
  boost::asio::steady_timer timer_;
  std::uint64_t operation_ = 0;  // generation of the guarded operation in progress
  std::uint64_t fired_for_ = 0;  // generation the watchdog last fired for
};

}  // namespace ledlab::io
