#pragma once
// The process's libusb context and the two threads libusb makes us own:
//  - the event thread, the only caller of libusb_handle_events*(): every transfer callback,
//    and so every usb::Device handler, runs there;
//  - a worker for the one libusb call that has no asynchronous form and may block for
//    seconds (libusb_clear_halt), so neither the Asio thread nor the event thread waits on it.
// Each has an atomic stop flag and a queue at its border; the context owns both and joins
// them before libusb_exit().
#include "core/error.hpp"

#include <libusb.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ledlab::io::usb {

class LibusbContext {
 public:
  // libusb_init() and the event thread; Errc::io when libusb cannot be initialised.
  static Result<std::shared_ptr<LibusbContext>> create();
  ~LibusbContext();
  LibusbContext(const LibusbContext&) = delete;
  LibusbContext& operator=(const LibusbContext&) = delete;

  libusb_context* raw() const { return context_; }
  bool on_event_thread() const { return std::this_thread::get_id() == events_.get_id(); }

  // Runs `work` on the event thread after its current round of events. A transfer that fails
  // before libusb accepts it still reaches its handler later and on the backend's thread,
  // as the seam promises, never inside submit_*().
  void defer(std::function<void()> work);
  // Runs `work` on the blocking-call worker, in submission order.
  void run_blocking(std::function<void()> work);

 private:
  explicit LibusbContext(libusb_context* context);
  void event_loop();
  void run_deferred();
  void blocking_loop();

  libusb_context* context_;
  std::atomic<bool> stop_{false};

  std::mutex deferred_mutex_;
  std::vector<std::function<void()>> deferred_;
  std::thread events_;

  std::mutex blocking_mutex_;
  std::condition_variable blocking_wake_;
  std::deque<std::function<void()>> blocking_;
  std::thread blocking_thread_;  // started on first use: most runs never clear a halt
};

}  // namespace ledlab::io::usb
