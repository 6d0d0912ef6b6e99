#pragma once
// The clock of a run, passed to everything that waits or reads the time (never process-wide).
// Three kinds:
//  - scaled: simulated time runs `scale` times faster than wall time (1 is real time, 3600
//    makes one simulated hour pass per wall second);
//  - manual: time moves only through advance() (tests, replays of the bench model);
//  - virtual: discrete-event time. Sleepers register their deadlines with the clock; whoever
//    drives the event loop calls advance_to_next_deadline() when nothing else can happen (no
//    handler ready, no instrument exchange in flight: see core/activity.hpp), and the clock
//    jumps to the earliest deadline and wakes its sleepers. A simulated run on a virtual clock
//    is deterministic for its seed, never skips a reading because the machine is busy, and
//    runs as fast as the CPU allows.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace ledlab {

class Clock {
 public:
  using wall_clock = std::chrono::steady_clock;
  enum class Kind { scaled, manual, virtual_time };

  // A scaled clock; scale must be finite and > 0.
  explicit Clock(double scale = 1.0);

  // A clock whose simulated time moves only through advance(): wall time never leaks in, so a
  // seeded simulation replays bit for bit. sleep() on it still waits the wall time of scale 1.
  static std::shared_ptr<Clock> manual();
  // A discrete-event clock (see above). `scale` only converts simulated durations that some
  // twin still spends in wall time (to_wall); it does not make time pass.
  static std::shared_ptr<Clock> virtual_time(double scale = 1.0);

  Kind kind() const { return kind_; }
  bool is_manual() const { return kind_ == Kind::manual; }
  bool is_virtual() const { return kind_ == Kind::virtual_time; }
  double scale() const { return scale_; }
  // Simulated seconds since the Unix epoch (starts at the wall time of construction).
  double now_s() const;
  // Simulated seconds since this clock was created.
  double elapsed_s() const;
  // Wall-clock duration that corresponds to a simulated duration.
  wall_clock::duration to_wall(double sim_seconds) const;
  // Moves simulated time forward at once (resume after a crash, tests). On a virtual clock it
  // also wakes every sleeper whose deadline has passed.
  void advance(double sim_seconds);

  // Waits for a simulated duration on the calling coroutine's executor. Cancellation (the
  // operation's cancellation slot) ends it early; the caller checks its own state afterwards.
  boost::asio::awaitable<void> sleep(double sim_seconds) const;

  // Virtual clocks: the earliest deadline a sleeper waits for, and the jump to it (false when
  // nobody sleeps). Called by the one loop that drives the run.
  std::optional<double> next_deadline_s() const;
  bool advance_to_next_deadline();
  std::size_t sleepers() const;

 private:
  struct Sleeper {
    std::shared_ptr<boost::asio::steady_timer> timer;
  };
  Clock(double scale, Kind kind);
  using SleeperKey = std::pair<double, std::uint64_t>;
  SleeperKey add_sleeper(double deadline_elapsed_s, std::shared_ptr<boost::asio::steady_timer> timer) const;
  void remove_sleeper(const SleeperKey& key) const;
  void wake_due(double elapsed) const;

  double scale_;
  Kind kind_;
  double epoch_unix_s_;
  wall_clock::time_point wall_start_;
  std::atomic<double> offset_s_{0.0};

  // Virtual clocks: sleepers by deadline (elapsed seconds), then by arrival, so sleepers with
  // one deadline wake in the order they went to sleep.
  mutable std::mutex mutex_;
  mutable std::map<SleeperKey, Sleeper> sleepers_;
  mutable std::uint64_t next_id_ = 0;
};

}  // namespace ledlab
