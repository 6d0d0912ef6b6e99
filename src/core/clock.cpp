#include "core/clock.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>

#include <mutex>
#include <stdexcept>

namespace ledlab {

namespace asio = boost::asio;

Clock::Clock(double scale)
    : scale_(scale),
      epoch_unix_s_(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()),
      wall_start_(wall_clock::now()) {
  if (!(scale > 0.0)) throw std::invalid_argument("clock scale must be > 0");
}

double Clock::elapsed_s() const {
  if (manual_) return offset_s_.load(std::memory_order_relaxed);
  const double wall = std::chrono::duration<double>(wall_clock::now() - wall_start_).count();
  return wall * scale_ + offset_s_.load(std::memory_order_relaxed);
}

double Clock::now_s() const { return epoch_unix_s_ + elapsed_s(); }

Clock::wall_clock::duration Clock::to_wall(double sim_seconds) const {
  if (sim_seconds <= 0) return wall_clock::duration::zero();
  return std::chrono::duration_cast<wall_clock::duration>(std::chrono::duration<double>(sim_seconds / scale_));
}

void Clock::advance(double sim_seconds) {
  double cur = offset_s_.load();
  while (!offset_s_.compare_exchange_weak(cur, cur + sim_seconds)) {
  }
}

asio::awaitable<void> Clock::sleep(double sim_seconds) const {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(to_wall(sim_seconds));
  // Cancellation ends the sleep early; the caller checks its own state afterwards.
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::shared_ptr<Clock> Clock::manual() {
  auto clock = std::make_shared<Clock>(1.0);
  clock->manual_ = true;
  return clock;
}

namespace {
std::mutex g_default_mutex;
std::shared_ptr<Clock> g_default;
}  // namespace

std::shared_ptr<Clock> Clock::default_clock() {
  std::lock_guard lock(g_default_mutex);
  if (!g_default) g_default = std::make_shared<Clock>(1.0);
  return g_default;
}

void Clock::set_default(std::shared_ptr<Clock> clock) {
  std::lock_guard lock(g_default_mutex);
  g_default = std::move(clock);
}

}  // namespace ledlab
