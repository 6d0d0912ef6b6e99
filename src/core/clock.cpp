#include "core/clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace ledlab {

namespace asio = boost::asio;

Clock::Clock(double scale) : Clock(scale, Kind::scaled) {}

Clock::Clock(double scale, Kind kind)
    : scale_(scale),
      kind_(kind),
      epoch_unix_s_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()),
      wall_start_(wall_clock::now()) {
  if (!std::isfinite(scale) || !(scale > 0.0)) throw std::invalid_argument("clock scale must be finite and > 0");
}

std::shared_ptr<Clock> Clock::manual() { return std::shared_ptr<Clock>(new Clock(1.0, Kind::manual)); }

std::shared_ptr<Clock> Clock::virtual_time(double scale) {
  return std::shared_ptr<Clock>(new Clock(scale, Kind::virtual_time));
}

double Clock::elapsed_s() const {
  if (kind_ != Kind::scaled) return offset_s_.load(std::memory_order_acquire);
  const double wall = std::chrono::duration<double>(wall_clock::now() - wall_start_).count();
  return wall * scale_ + offset_s_.load(std::memory_order_relaxed);
}

double Clock::now_s() const { return epoch_unix_s_ + elapsed_s(); }

Clock::wall_clock::duration Clock::to_wall(double sim_seconds) const {
  if (!(sim_seconds > 0)) return wall_clock::duration::zero();
  // Bounded so that a huge simulated duration cannot overflow the wall clock's representation.
  const double wall_s = std::min(sim_seconds / scale_, 1e9);
  return std::chrono::duration_cast<wall_clock::duration>(std::chrono::duration<double>(wall_s));
}

void Clock::advance(double sim_seconds) {
  if (!std::isfinite(sim_seconds) || sim_seconds <= 0) return;
  double cur = offset_s_.load();
  while (!offset_s_.compare_exchange_weak(cur, cur + sim_seconds)) {
  }
  if (kind_ == Kind::virtual_time) wake_due(cur + sim_seconds);
}

Clock::SleeperKey Clock::add_sleeper(double deadline, std::shared_ptr<asio::steady_timer> timer) const {
  std::lock_guard lock(mutex_);
  SleeperKey key{deadline, next_id_++};
  sleepers_.emplace(key, Sleeper{std::move(timer)});
  return key;
}

void Clock::remove_sleeper(const SleeperKey& key) const {
  std::lock_guard lock(mutex_);
  sleepers_.erase(key);
}

// Wakes every sleeper due at `elapsed`, in deadline order. The timers are cancelled on their
// own executors (a timer is not safe to touch from another thread); each sleeper holds its
// timer by shared_ptr, so a sleeper cancelled meanwhile leaves nothing dangling.
void Clock::wake_due(double elapsed) const {
  std::vector<std::shared_ptr<asio::steady_timer>> due;
  {
    std::lock_guard lock(mutex_);
    auto it = sleepers_.begin();
    while (it != sleepers_.end() && it->first.first <= elapsed) {
      due.push_back(std::move(it->second.timer));
      it = sleepers_.erase(it);
    }
  }
  for (auto& t : due) asio::post(t->get_executor(), [t] { t->cancel(); });
}

std::optional<double> Clock::next_deadline_s() const {
  std::lock_guard lock(mutex_);
  if (sleepers_.empty()) return std::nullopt;
  return sleepers_.begin()->first.first;
}

std::size_t Clock::sleepers() const {
  std::lock_guard lock(mutex_);
  return sleepers_.size();
}

bool Clock::advance_to_next_deadline() {
  const auto next = next_deadline_s();
  if (!next || !std::isfinite(*next)) return false;  // nobody waits, or only forever
  double cur = offset_s_.load();
  while (cur < *next && !offset_s_.compare_exchange_weak(cur, *next)) {
  }
  wake_due(*next);
  return true;
}

asio::awaitable<void> Clock::sleep(double sim_seconds) const {
  auto executor = co_await asio::this_coro::executor;
  if (kind_ != Kind::virtual_time) {
    asio::steady_timer timer(executor);
    timer.expires_after(to_wall(sim_seconds));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return;
  }
  // Virtual time: the timer never expires by itself; the clock cancels it when its deadline
  // comes (or the caller's cancellation slot does). A zero sleep still yields once, so a loop of
  // zero sleeps cannot starve the rest of the run.
  if (!(sim_seconds > 0)) {
    co_await asio::post(executor, asio::use_awaitable);
    co_return;
  }
  auto timer = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  const auto key = add_sleeper(elapsed_s() + sim_seconds, timer);
  struct Unregister {
    const Clock* clock;
    SleeperKey key;
    ~Unregister() { clock->remove_sleeper(key); }
  } unregister{this, key};
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace ledlab
