#include "io/usbtmc/libusb_device.hpp"

#include "core/log.hpp"
#include "io/usbtmc/libusb_backend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <utility>

namespace ledlab::io::usb {
namespace {

constexpr std::string_view kLog = "usb";

std::string_view transfer_status_name(int status) {
  switch (status) {
    case LIBUSB_TRANSFER_COMPLETED: return "LIBUSB_TRANSFER_COMPLETED";
    case LIBUSB_TRANSFER_ERROR: return "LIBUSB_TRANSFER_ERROR";
    case LIBUSB_TRANSFER_TIMED_OUT: return "LIBUSB_TRANSFER_TIMED_OUT";
    case LIBUSB_TRANSFER_CANCELLED: return "LIBUSB_TRANSFER_CANCELLED";
    case LIBUSB_TRANSFER_STALL: return "LIBUSB_TRANSFER_STALL";
    case LIBUSB_TRANSFER_NO_DEVICE: return "LIBUSB_TRANSFER_NO_DEVICE";
    case LIBUSB_TRANSFER_OVERFLOW: return "LIBUSB_TRANSFER_OVERFLOW";
  }
  return "LIBUSB_TRANSFER_?";
}

// libusb reads a timeout of 0 as "wait forever"; a deadline that has just run out must time
// out instead, so the shortest timeout passed on is 1 ms.
unsigned int timeout_ms(Millis timeout) {
  return static_cast<unsigned int>(std::clamp<Millis::rep>(timeout.count(), 1, UINT_MAX));
}

TransferResult failed(int libusb_error) {
  TransferResult r;
  r.code = code_for_error(libusb_error);
  r.detail = libusb_error_name(libusb_error);
  return r;
}

TransferResult closed_result() {
  return TransferResult{.code = TransferCode::cancelled, .detail = "the device is closed"};
}

}  // namespace

// The State whose handler is running on this thread, so close() called from inside one
// does not wait for itself.
static thread_local const void* running_handler_of = nullptr;

// What a transfer carries to its callback: the handler and the buffer libusb fills.
struct LibusbDevice::Job {
  std::shared_ptr<State> state;
  TransferHandler done;
  Bytes buffer;
  bool in;
  bool control;
};

LibusbDevice::LibusbDevice(std::shared_ptr<LibusbContext> context, libusb_device_handle* handle, InterfaceInfo info,
                           bool reattach_driver)
    : context_(std::move(context)), handle_(handle), info_(std::move(info)), reattach_driver_(reattach_driver) {}

LibusbDevice::~LibusbDevice() { close(); }

void LibusbDevice::submit_bulk_out(Bytes data, Millis timeout, TransferHandler done) {
  submit(LIBUSB_TRANSFER_TYPE_BULK, info_.bulk_out, std::move(data), false, timeout, std::move(done));
}

void LibusbDevice::submit_bulk_in(std::size_t length, Millis timeout, TransferHandler done) {
  submit(LIBUSB_TRANSFER_TYPE_BULK, info_.bulk_in, Bytes(length), true, timeout, std::move(done));
}

void LibusbDevice::submit_interrupt_in(std::size_t length, Millis timeout, TransferHandler done) {
  if (info_.interrupt_in == 0)
    return complete_later(std::move(done), {.code = TransferCode::error, .detail = "the interface has no Interrupt-IN endpoint"});
  submit(LIBUSB_TRANSFER_TYPE_INTERRUPT, info_.interrupt_in, Bytes(length), true, timeout, std::move(done));
}

void LibusbDevice::submit_control(ControlSetup setup, Bytes out, Millis timeout, TransferHandler done) {
  const bool in = (setup.request_type & LIBUSB_ENDPOINT_IN) != 0;
  if (!in && out.size() != setup.length)
    return complete_later(std::move(done), {.code = TransferCode::error,
                                            .detail = fmt::format("wLength {} but {} bytes to send", setup.length, out.size())});
  // The setup packet travels in the first 8 bytes of the buffer (USB 2.0 table 9-2); libusb
  // sizes the transfer from its wLength.
  Bytes buffer(LIBUSB_CONTROL_SETUP_SIZE + setup.length);
  libusb_fill_control_setup(buffer.data(), setup.request_type, setup.request, setup.value, setup.index, setup.length);
  std::copy(out.begin(), out.end(), buffer.begin() + LIBUSB_CONTROL_SETUP_SIZE);
  submit(LIBUSB_TRANSFER_TYPE_CONTROL, 0, std::move(buffer), in, timeout, std::move(done));
}

void LibusbDevice::submit(unsigned char type, std::uint8_t endpoint, Bytes buffer, bool in, Millis timeout,
                          TransferHandler done) {
  std::unique_lock lock(state_->mutex);
  if (state_->closed) {
    lock.unlock();
    context_->defer([done = std::move(done)]() mutable { done(closed_result()); });
    return;
  }
  libusb_transfer* transfer = libusb_alloc_transfer(0);
  if (transfer == nullptr) {
    lock.unlock();
    return complete_later(std::move(done), failed(LIBUSB_ERROR_NO_MEM));
  }
  auto* job = new Job{state_, std::move(done), std::move(buffer), in, type == LIBUSB_TRANSFER_TYPE_CONTROL};
  const int length = static_cast<int>(job->buffer.size());
  const unsigned int ms = timeout_ms(timeout);
  switch (type) {
    case LIBUSB_TRANSFER_TYPE_CONTROL:
      libusb_fill_control_transfer(transfer, handle_, job->buffer.data(), on_transfer_done, job, ms);
      break;
    case LIBUSB_TRANSFER_TYPE_INTERRUPT:
      libusb_fill_interrupt_transfer(transfer, handle_, endpoint, job->buffer.data(), length, on_transfer_done, job, ms);
      break;
    default:
      libusb_fill_bulk_transfer(transfer, handle_, endpoint, job->buffer.data(), length, on_transfer_done, job, ms);
  }
  // libusb never calls back from inside libusb_submit_transfer, and the event thread takes
  // the state's mutex only after libusb's own locks are released, so submitting under the
  // lock keeps in_flight exact for cancel() without a lock-order problem.
  ++state_->pending;
  state_->in_flight.insert(transfer);
  if (int r = libusb_submit_transfer(transfer); r != LIBUSB_SUCCESS) {
    state_->in_flight.erase(transfer);
    libusb_free_transfer(transfer);
    TransferHandler handler = std::move(job->done);
    delete job;
    lock.unlock();
    log::debug(kLog, "submit to endpoint 0x{:02x} failed: {}", endpoint, libusb_error_name(r));
    // Already counted in pending: reported through the deferred path without a second count.
    context_->defer([state = state_, handler = std::move(handler), r]() mutable { finish(state, handler, failed(r)); });
  }
}

void LibusbDevice::on_transfer_done(libusb_transfer* transfer) {
  std::unique_ptr<Job> job(static_cast<Job*>(transfer->user_data));
  {
    std::lock_guard lock(job->state->mutex);
    job->state->in_flight.erase(transfer);
  }
  TransferResult result;
  result.code = code_for_transfer_status(transfer->status);
  if (result.code != TransferCode::ok) result.detail = transfer_status_name(transfer->status);
  // Timed-out IN transfers keep what arrived before the deadline; actual_length counts the
  // data stage only, after the setup packet of a control transfer.
  const std::size_t actual = static_cast<std::size_t>(std::max(transfer->actual_length, 0));
  if (job->in) {
    const std::size_t skip = job->control ? LIBUSB_CONTROL_SETUP_SIZE : 0;
    const std::size_t end = std::min(job->buffer.size(), skip + actual);
    result.data.assign(job->buffer.begin() + static_cast<std::ptrdiff_t>(skip),
                       job->buffer.begin() + static_cast<std::ptrdiff_t>(end));
  } else {
    result.transferred = actual;
  }
  libusb_free_transfer(transfer);
  finish(job->state, job->done, std::move(result));
}

void LibusbDevice::complete_later(TransferHandler done, TransferResult result) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->closed) {
      context_->defer([done = std::move(done)]() mutable { done(closed_result()); });
      return;
    }
    ++state_->pending;
  }
  context_->defer([state = state_, done = std::move(done), result = std::move(result)]() mutable {
    finish(state, done, std::move(result));
  });
}

void LibusbDevice::finish(const std::shared_ptr<State>& state, TransferHandler& done, TransferResult result) {
  const void* outer = std::exchange(running_handler_of, state.get());
  done(std::move(result));
  running_handler_of = outer;
  std::lock_guard lock(state->mutex);
  --state->pending;
  state->changed.notify_all();
}

// USB 2.0 section 9.4.5: CLEAR_FEATURE(ENDPOINT_HALT) resets the device's data toggle to
// DATA0, and the host controller's toggle for that endpoint must be reset with it or the next
// packet is dropped as a duplicate. usbfs only does both in USBDEVFS_CLEAR_HALT (the kernel's
// usb_clear_halt(), which calls usb_reset_endpoint()); the same request sent as a plain
// control transfer would leave the host side on the old toggle. libusb_clear_halt() is that
// ioctl, and it is synchronous (the kernel waits up to USB_CTRL_SET_TIMEOUT, 5 s), so it runs
// on the context's blocking-call worker; `timeout` cannot shorten the kernel's wait.
void LibusbDevice::clear_halt(std::uint8_t endpoint, Millis /*timeout*/, TransferHandler done) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->closed) {
      context_->defer([done = std::move(done)]() mutable { done(closed_result()); });
      return;
    }
    ++state_->pending;
  }
  // handle_ stays open until this has run: close() waits for every pending handler.
  context_->run_blocking([state = state_, handle = handle_, endpoint, done = std::move(done)]() mutable {
    int r = libusb_clear_halt(handle, endpoint);
    finish(state, done, r == LIBUSB_SUCCESS ? TransferResult{} : failed(r));
  });
}

void LibusbDevice::cancel() {
  std::lock_guard lock(state_->mutex);
  // A transfer whose callback is already waiting for the mutex answers NOT_FOUND: it has
  // ended on its own and its handler will say how.
  for (libusb_transfer* transfer : state_->in_flight) libusb_cancel_transfer(transfer);
}

void LibusbDevice::close() {
  {
    // Called from one of our own handlers, that handler is still counted and cannot end
    // before we return.
    const std::size_t own = running_handler_of == state_.get() ? 1 : 0;
    std::unique_lock lock(state_->mutex);
    if (state_->closed) return;
    state_->closed = true;
    for (libusb_transfer* transfer : state_->in_flight) libusb_cancel_transfer(transfer);
    if (state_->pending > own && context_->on_event_thread())
      throw std::logic_error("usb::Device::close() from a transfer handler with other transfers in flight");
    // Cancelled URBs always come back (discarded, or ended by the unplug); the wait is
    // bounded by the kernel, the log says when it is slow.
    while (!state_->changed.wait_for(lock, std::chrono::seconds(5), [&] { return state_->pending == own; }))
      log::warn(kLog, "closing {}: still waiting for {} cancelled transfer(s)", info_.port_path, state_->pending - own);
  }
  // libusb_close() from inside a transfer callback deadlocks on libusb's open-devices lock
  // (libusb issue #903), so from a handler on the event thread the handle is given back
  // right after that handler returns instead of before close() does.
  auto release = [handle = handle_, info = info_, reattach = reattach_driver_] {
    if (int r = libusb_release_interface(handle, info.interface_number);
        r != LIBUSB_SUCCESS && r != LIBUSB_ERROR_NO_DEVICE)
      log::warn(kLog, "releasing interface {} of {}: {}", info.interface_number, info.port_path, libusb_error_name(r));
    // Give the interface back to the kernel's usbtmc driver, as open() found it.
    if (reattach) {
      if (int r = libusb_attach_kernel_driver(handle, info.interface_number);
          r != LIBUSB_SUCCESS && r != LIBUSB_ERROR_NO_DEVICE)
        log::warn(kLog, "re-attaching the kernel driver to {}: {}", info.port_path, libusb_error_name(r));
    }
    libusb_close(handle);
    log::info(kLog, "closed {:04x}:{:04x} at {}", info.vendor_id, info.product_id, info.port_path);
  };
  handle_ = nullptr;
  // The deferred release must not hold the context: the last reference dropped on the event
  // thread would make it join itself. The context drains its queue before libusb_exit().
  if (context_->on_event_thread()) context_->defer(release);
  else release();
}

}  // namespace ledlab::io::usb
