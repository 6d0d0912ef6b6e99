#include "engine/run/instrument_locks.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace ledlab::engine {

namespace asio = boost::asio;

InstrumentLocks::Guard::Guard(Guard&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), holder_(std::move(other.holder_)), names_(std::move(other.names_)) {}

InstrumentLocks::Guard& InstrumentLocks::Guard::operator=(Guard&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = std::exchange(other.owner_, nullptr);
    holder_ = std::move(other.holder_);
    names_ = std::move(other.names_);
  }
  return *this;
}

void InstrumentLocks::Guard::release() {
  if (!owner_) return;
  // Reverse order of taking: a waiter for the first name is granted last.
  for (auto it = names_.rbegin(); it != names_.rend(); ++it) owner_->unlock(*it, holder_);
  owner_ = nullptr;
  names_.clear();
}

asio::awaitable<InstrumentLocks::Guard> InstrumentLocks::acquire(std::vector<std::string> names, std::string holder) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  Guard guard;
  guard.owner_ = this;
  guard.holder_ = holder;
  for (const auto& name : names) {
    Lock& lock = locks_[name];
    if (lock.depth == 0 || lock.holder == holder) {
      lock.holder = holder;
      ++lock.depth;
    } else {
      // unlock() hands the lock over (holder and depth set) before it wakes us.
      auto wake = std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
      lock.queue.push_back({holder, wake});
      boost::system::error_code ec;
      co_await wake->async_wait(asio::redirect_error(asio::use_awaitable, ec));
      // Cancelled by the hand-over (operation_aborted). Any other way out (the coroutine's
      // own cancellation) leaves us in the queue: take ourselves out, or give back what we got.
      Lock& now = locks_[name];
      if (now.holder != holder || now.depth == 0) {
        std::erase_if(now.queue, [&](const Waiter& w) { return w.wake == wake; });
        guard.release();
        throw boost::system::system_error(ec ? ec : asio::error::operation_aborted);
      }
    }
    guard.names_.push_back(name);
  }
  co_return guard;
}

void InstrumentLocks::unlock(const std::string& name, const std::string& holder) {
  auto it = locks_.find(name);
  if (it == locks_.end() || it->second.holder != holder || it->second.depth == 0) return;
  Lock& lock = it->second;
  if (--lock.depth > 0) return;
  if (lock.queue.empty()) {
    lock.holder.clear();
    return;
  }
  Waiter next = std::move(lock.queue.front());
  lock.queue.pop_front();
  lock.holder = next.holder;
  lock.depth = 1;
  next.wake->cancel();
}

std::string InstrumentLocks::holder(const std::string& name) const {
  auto it = locks_.find(name);
  return it == locks_.end() || it->second.depth == 0 ? std::string() : it->second.holder;
}

std::size_t InstrumentLocks::waiting(const std::string& name) const {
  auto it = locks_.find(name);
  return it == locks_.end() ? 0 : it->second.queue.size();
}

}  // namespace ledlab::engine
