#pragma once
// Exclusive use of shared instruments by the runs of one batch (several DUT sockets on one
// station, one engine thread). A run that gates a BERT behind an optical switch holds both for
// the whole block of lanes, so another socket can neither re-route the switch nor restart the
// gate in between; a run that only reads an instrument it has to itself never waits.
//
// Locks are held by a holder (a socket's name), re-entrant for that holder (a script's
// `serial{"bert", ...}` section may call bert.gate_bits, which locks bert again), granted in
// the order they were asked for, and taken in name order when several are asked for at once
// so two holders never deadlock. Everything runs on the engine's one executor; no thread
// safety beyond that.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::engine {

class InstrumentLocks {
 public:
  explicit InstrumentLocks(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  // Releases what it holds when destroyed (or on release()). Movable, not copyable.
  class Guard {
   public:
    Guard() = default;
    Guard(Guard&& other) noexcept;
    Guard& operator=(Guard&& other) noexcept;
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() { release(); }
    void release();

   private:
    friend class InstrumentLocks;
    InstrumentLocks* owner_ = nullptr;
    std::string holder_;
    std::vector<std::string> names_;
  };

  // Waits until `holder` has every instrument in `names` (duplicates ignored), in name order.
  boost::asio::awaitable<Guard> acquire(std::vector<std::string> names, std::string holder);

  // Who holds `name` now, or empty.
  std::string holder(const std::string& name) const;
  // Holders waiting for `name`.
  std::size_t waiting(const std::string& name) const;

 private:
  struct Waiter {
    std::string holder;
    std::shared_ptr<boost::asio::steady_timer> wake;
  };
  struct Lock {
    std::string holder;
    std::size_t depth = 0;
    std::deque<Waiter> queue;
  };
  void unlock(const std::string& name, const std::string& holder);

  boost::asio::any_io_executor executor_;
  std::map<std::string, Lock> locks_;
};

}  // namespace ledlab::engine
