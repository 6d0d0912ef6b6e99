#pragma once
// The scaled clock shared by the simulated bench and by everything in ledlab that waits.
// Simulated time runs `scale` times faster than wall time: scale 1 is real time, 3600 makes
// one simulated hour pass per wall second. Every timer and sleep in the engine goes through
// a Clock so a week-long burn-in can be replayed in seconds.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <memory>

namespace ledlab {

class Clock {
 public:
  using wall_clock = std::chrono::steady_clock;

  explicit Clock(double scale = 1.0);

  double scale() const { return scale_; }
  // Simulated seconds since the Unix epoch (starts at the wall time of construction).
  double now_s() const;
  // Simulated seconds since this clock was created.
  double elapsed_s() const;
  // Wall-clock duration that corresponds to a simulated duration.
  wall_clock::duration to_wall(double sim_seconds) const;
  // Moves simulated time forward at once (tests and fast-forwarding a soak).
  void advance(double sim_seconds);

  // Waits for a simulated duration on the calling coroutine's executor.
  boost::asio::awaitable<void> sleep(double sim_seconds) const;

  // A clock whose simulated time moves only through advance(): wall time never leaks in, so a
  // seeded simulation replays bit for bit (tests, deterministic burn-in replays). sleep() on it
  // still waits the wall time of scale 1; whoever owns a manual clock drives it with advance().
  static std::shared_ptr<Clock> manual();
  bool is_manual() const { return manual_; }

  // The process-wide clock (scale 1 unless set_default was called first).
  static std::shared_ptr<Clock> default_clock();
  static void set_default(std::shared_ptr<Clock> clock);

 private:
  double scale_;
  double epoch_unix_s_;
  wall_clock::time_point wall_start_;
  std::atomic<double> offset_s_{0.0};
  bool manual_ = false;  // set once before the clock is shared; never changes afterwards
};

}  // namespace ledlab
