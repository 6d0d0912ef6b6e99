#include "io/usbtmc/libusb_context.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

namespace ledlab::io::usb {
namespace {
constexpr std::string_view kLog = "usb";
}

Result<std::shared_ptr<LibusbContext>> LibusbContext::create() {
  libusb_context* context = nullptr;
  if (int r = libusb_init(&context); r != LIBUSB_SUCCESS)
    return fail(Errc::io, fmt::format("libusb cannot be initialised: {}", libusb_error_name(r)));
  return std::shared_ptr<LibusbContext>(new LibusbContext(context));
}

LibusbContext::LibusbContext(libusb_context* context) : context_(context) {
  events_ = std::thread([this] { event_loop(); });
}

LibusbContext::~LibusbContext() {
  stop_.store(true);
  libusb_interrupt_event_handler(context_);
  events_.join();
  {
    std::lock_guard lock(blocking_mutex_);
    blocking_wake_.notify_all();
  }
  if (blocking_thread_.joinable()) blocking_thread_.join();
  libusb_exit(context_);
}

void LibusbContext::event_loop() {
  int last_error = LIBUSB_SUCCESS;
  while (!stop_.load()) {
    // The timeout only bounds how long a missed wake-up could delay the stop; shutdown and
    // defer() interrupt the wait at once.
    timeval tv{1, 0};
    int r = libusb_handle_events_timeout_completed(context_, &tv, nullptr);
    // Every transfer reports its own failure to its handler; this is only the loop's view
    // (e.g. a reap that failed while a listing had a device open), said once per change.
    if (r != LIBUSB_SUCCESS && r != LIBUSB_ERROR_INTERRUPTED && r != last_error)
      log::info(kLog, "libusb event handling: {}", libusb_error_name(r));
    last_error = r;
    run_deferred();
  }
  run_deferred();  // a handler queued during shutdown still runs exactly once
}

void LibusbContext::defer(std::function<void()> work) {
  {
    std::lock_guard lock(deferred_mutex_);
    deferred_.push_back(std::move(work));
  }
  libusb_interrupt_event_handler(context_);
}

void LibusbContext::run_deferred() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(deferred_mutex_);
    batch.swap(deferred_);
  }
  for (auto& work : batch) work();
}

void LibusbContext::run_blocking(std::function<void()> work) {
  std::lock_guard lock(blocking_mutex_);
  blocking_.push_back(std::move(work));
  if (!blocking_thread_.joinable()) blocking_thread_ = std::thread([this] { blocking_loop(); });
  blocking_wake_.notify_one();
}

void LibusbContext::blocking_loop() {
  std::unique_lock lock(blocking_mutex_);
  for (;;) {
    blocking_wake_.wait(lock, [this] { return stop_.load() || !blocking_.empty(); });
    // Queued calls still run after stop: each one owes its handler a result. Devices hold the
    // context, so by the time it is destroyed nothing is queued anyway.
    if (blocking_.empty()) return;
    auto work = std::move(blocking_.front());
    blocking_.pop_front();
    lock.unlock();
    work();
    lock.lock();
  }
}

}  // namespace ledlab::io::usb
