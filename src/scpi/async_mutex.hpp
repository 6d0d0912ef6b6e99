#pragma once
// A FIFO lock for coroutines on one executor: an instrument answers one exchange at a time,
// so concurrent callers of one session queue up here instead of interleaving their bytes.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <deque>
#include <memory>

namespace ledlab::scpi {

class AsyncMutex {
 public:
  class Guard {
   public:
    explicit Guard(AsyncMutex* m) : m_(m) {}
    Guard(Guard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (m_) m_->unlock();
    }

   private:
    AsyncMutex* m_;
  };

  boost::asio::awaitable<Guard> lock() {
    if (!locked_) {
      locked_ = true;
      co_return Guard(this);
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(co_await boost::asio::this_coro::executor);
    timer->expires_at(boost::asio::steady_timer::time_point::max());
    waiters_.push_back(timer);
    // unlock() hands the lock over by cancelling the first waiter's timer.
    co_await timer->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return Guard(this);
  }

 private:
  void unlock() {
    if (waiters_.empty()) {
      locked_ = false;
      return;
    }
    auto next = waiters_.front();
    waiters_.pop_front();
    next->cancel();  // ownership passes to `next`; locked_ stays true
  }

  bool locked_ = false;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> waiters_;
};

}  // namespace ledlab::scpi
