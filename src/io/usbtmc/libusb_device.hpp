#pragma once
// usb::Device over one claimed libusb handle. Transfers use libusb's asynchronous API; their
// callbacks, and so the handlers, run on the context's event thread.
#include "io/usbtmc/libusb_context.hpp"
#include "io/usbtmc/usb_device.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_set>

namespace ledlab::io::usb {

class LibusbDevice final : public Device {
 public:
  // Takes over `handle` with `info.interface_number` claimed; `reattach_driver` when open()
  // detached a kernel driver that close() must give back.
  LibusbDevice(std::shared_ptr<LibusbContext> context, libusb_device_handle* handle, InterfaceInfo info,
               bool reattach_driver);
  ~LibusbDevice() override;

  const InterfaceInfo& info() const override { return info_; }
  void submit_bulk_out(Bytes data, Millis timeout, TransferHandler done) override;
  void submit_bulk_in(std::size_t length, Millis timeout, TransferHandler done) override;
  void submit_interrupt_in(std::size_t length, Millis timeout, TransferHandler done) override;
  void submit_control(ControlSetup setup, Bytes out, Millis timeout, TransferHandler done) override;
  void clear_halt(std::uint8_t endpoint, Millis timeout, TransferHandler done) override;
  void cancel() override;
  // From one of this device's own handlers too (even destroying it there; the handle is then
  // released just after that handler returns), but not from a handler while other transfers
  // are in flight: their callbacks need the event thread that would be waiting here
  // (std::logic_error).
  void close() override;

 private:
  // What the transfers share with the device; they hold it, so a handler may close and
  // destroy the device and the bookkeeping after it still has somewhere to go.
  struct State {
    std::mutex mutex;
    std::condition_variable changed;
    std::unordered_set<libusb_transfer*> in_flight;  // what cancel() can reach
    std::size_t pending = 0;  // handlers still owed: in flight, deferred or on the worker
    bool closed = false;
  };
  struct Job;
  static void LIBUSB_CALL on_transfer_done(libusb_transfer* transfer);
  // Runs the handler, then lets close() go on once nothing is pending.
  static void finish(const std::shared_ptr<State>& state, TransferHandler& done, TransferResult result);

  void submit(unsigned char type, std::uint8_t endpoint, Bytes buffer, bool in, Millis timeout,
              TransferHandler done);
  // Reports `result` later on the event thread (a submit that never reached the bus).
  void complete_later(TransferHandler done, TransferResult result);

  std::shared_ptr<LibusbContext> context_;
  libusb_device_handle* handle_;
  InterfaceInfo info_;
  bool reattach_driver_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace ledlab::io::usb
