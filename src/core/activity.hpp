#pragma once
// What keeps a virtual clock (core/clock.hpp) from jumping: work in flight on an io_context
// that is not a wait on the clock. An instrument exchange holds an Activity::Scope from the
// moment its command is sent until its reply is in (or the exchange failed), so simulated time
// stands still while an instrument is being talked to and a twin's reply is computed at the
// simulated moment it was asked for. A twin that itself waits simulated time before it answers
// (IEEE 488.2 *OPC? while an operation runs) lends the scope back for that wait.
//
// One counter per io_context (an Asio service), never process-wide.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution_context.hpp>

#include <atomic>

namespace ledlab {

class Activity : public boost::asio::execution_context::service {
 public:
  using key_type = Activity;
  static inline boost::asio::execution_context::id id;

  explicit Activity(boost::asio::execution_context& context) : service(context) {}

  static Activity& of(boost::asio::execution_context& context);
  static Activity& of(const boost::asio::any_io_executor& executor);

  // True while some exchange is in flight.
  bool busy() const { return count_.load(std::memory_order_acquire) > 0; }
  int count() const { return count_.load(std::memory_order_acquire); }

  // Work in flight for the lifetime of the scope.
  class Scope {
   public:
    explicit Scope(Activity& a) : a_(&a) { a_->count_.fetch_add(1, std::memory_order_acq_rel); }
    explicit Scope(const boost::asio::any_io_executor& ex) : Scope(of(ex)) {}
    ~Scope() { a_->count_.fetch_sub(1, std::memory_order_acq_rel); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Activity* a_;
  };
  // The opposite: while it lives, one unit of work in flight waits on the clock instead.
  class Lend {
   public:
    explicit Lend(Activity& a) : a_(&a) { a_->count_.fetch_sub(1, std::memory_order_acq_rel); }
    explicit Lend(const boost::asio::any_io_executor& ex) : Lend(of(ex)) {}
    ~Lend() { a_->count_.fetch_add(1, std::memory_order_acq_rel); }
    Lend(const Lend&) = delete;
    Lend& operator=(const Lend&) = delete;

   private:
    Activity* a_;
  };

 private:
  void shutdown() override {}
  std::atomic<int> count_{0};
};

}  // namespace ledlab
