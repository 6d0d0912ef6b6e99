#pragma once
// A simulated USB bus: twins reached as USBTMC / USB488 instruments behind the usb::Backend
// seam, in this process. It is the device side of USBTMC 1.0 (Bulk-OUT messages, REQUESTs
// answered on Bulk-IN in packets, aborts, clear, capabilities) and USB488 (READ_STATUS_BYTE with
// an Interrupt-IN endpoint, REN/GTL/LLO, TRIGGER), executing messages on an SCPI Device.
//
// `ledlab run --sim` puts the twins of usbtmc:// instruments here (SimulatedStation), and the
// tests drive the link against it. Like libusb, it completes transfers on its own thread, so the
// link's hand-over to its executor is exercised.
//
// The twin's own behaviour crosses over as on TCP: a reply's simulated delay (a BERT gate) and
// an injected stall hold it back, a garbled reply arrives garbled, and a dropped connection or
// an outage takes the device off the bus until it is over (the next enumeration finds it again
// at a new address). Transport faults (UsbFaults) are armed by tests and fire once.
#include "core/clock.hpp"
#include "io/usbtmc/usb_device.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ledlab::scpi::server {

namespace usb = io::usb;

// What the fake instrument does wrong next (each fires once, then clears itself).
struct UsbFaults {
  bool swallow_request = false;    // take the next REQUEST_DEV_DEP_MSG_IN and never answer it
  bool hang_bulk_out = false;      // NAK the next Bulk-OUT transfer until it times out
  bool wrong_tag = false;          // answer the next REQUEST with bTag + 1
  bool oversize = false;           // claim one byte more than requested in the next reply
  bool truncate = false;           // claim more bytes than the next reply carries, then stop
  bool stall_bulk_in = false;      // halt Bulk-IN on the next REQUEST
  std::size_t split_at = 0;        // end the device's Bulk-IN transfers after this many bytes
                                   // with a short packet and send the rest separately (0 = off)
  int clear_pending_polls = 0;     // CHECK_CLEAR_STATUS answers PENDING this many times
};

struct UsbTwin {
  usb::InterfaceInfo info;
  std::shared_ptr<scpi::server::Device> scpi;
  bool term_char_capable = false;
  bool usb488 = true;
};

class UsbBus;

// The device side of one instrument; state lives on the bus thread.
class UsbBusDevice final : public usb::Device {
 public:
  UsbBusDevice(UsbBus& bus, std::size_t index);
  ~UsbBusDevice() override;

  const usb::InterfaceInfo& info() const override;
  void submit_bulk_out(usb::Bytes data, usb::Millis timeout, usb::TransferHandler done) override;
  void submit_bulk_in(std::size_t length, usb::Millis timeout, usb::TransferHandler done) override;
  void submit_interrupt_in(std::size_t length, usb::Millis timeout, usb::TransferHandler done) override;
  void submit_control(usb::ControlSetup setup, usb::Bytes out, usb::Millis timeout, usb::TransferHandler done) override;
  void clear_halt(std::uint8_t endpoint, usb::Millis timeout, usb::TransferHandler done) override;
  void cancel() override;
  void close() override;

 private:
  UsbBus& bus_;
  std::size_t index_;
  bool closed_ = false;
};

class UsbBus final : public usb::Backend {
 public:
  // Without a clock the bus keeps real time (scale 1).
  explicit UsbBus(std::shared_ptr<Clock> clock = nullptr);
  ~UsbBus() override;

  // Adds an instrument; returns its index. Descriptors as a PM100-like USB488 meter.
  std::size_t attach(std::shared_ptr<scpi::server::Device> scpi, std::uint16_t vendor_id, std::uint16_t product_id,
                     std::string serial, bool with_interrupt_in = true, std::uint16_t max_packet = 64);
  void unplug(std::size_t index);  // in-flight transfers end with no_device; list() omits it
  void replug(std::size_t index);  // back on the bus, at a new address, reset

  Result<std::vector<usb::InterfaceInfo>> list() override;
  Result<std::unique_ptr<usb::Device>> open(const usb::InterfaceInfo& interface) override;

  // Test controls and observations (thread-safe).
  void arm(std::size_t index, UsbFaults faults);
  void raise_srq(std::size_t index, std::uint8_t stb);
  void execute(std::size_t index, const std::string& line);  // a line on the twin, on the bus thread  // queues a USB488 SRQ notification
  std::vector<std::string> control_log(std::size_t index);  // class requests, in order, by name
  std::vector<std::string> bulk_log(std::size_t index);     // "OUT tag=.. size=.. eom=1", "REQUEST ..."
  int opens(std::size_t index);
  int triggers(std::size_t index);
  std::string remote_state(std::size_t index);  // "local", "remote", "lockout"
  // Runs `f` on the bus thread and waits for it.
  void sync(const std::function<void()>& f);

 private:
  friend class UsbBusDevice;
  struct Pending {
    std::uint64_t id = 0;
    std::size_t length = 0;
    usb::TransferHandler done;
    std::shared_ptr<boost::asio::steady_timer> timer;
  };
  struct State;

  void post(std::function<void()> f);
  void take_off_bus(State& s);  // in-flight transfers end with no_device
  void take_off_by_fault(State& s, std::string_view fault);  // ... until return_from_fault
  void plug_in(State& s);       // back at a new address, its exchange state reset
  // Enumeration: a device that a twin fault took off the bus comes back once it is over.
  void return_from_fault(State& s);
  // Queues the reply of one message for the host, after `hold` (simulated delay or a stall).
  void deliver(State& s, std::string reply, std::chrono::steady_clock::duration hold);
  // A copy of one field of device `index`'s state, read on the bus thread.
  template <class T>
  T read(std::size_t index, T State::*member);
  // Bus-thread internals.
  void bulk_out(State& s, usb::Bytes data, usb::Millis timeout, usb::TransferHandler done);
  void control(State& s, usb::ControlSetup setup, usb::TransferHandler done);
  void receive_message_bytes(State& s, std::string_view bytes, bool eom);
  void queue_output(State& s, const std::string& reply);
  void execute_message(State& s);
  void answer_request(State& s);
  void serve_bulk_in(State& s);
  void serve_interrupt(State& s);
  Pending make_pending(State& s, std::size_t length, usb::Millis timeout, usb::TransferHandler done,
                       std::deque<Pending>& queue);
  void fail_all(State& s, usb::TransferCode code);

  std::shared_ptr<Clock> clock_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::vector<std::unique_ptr<State>> devices_;
  std::mutex mutex_;  // guards devices_ (the vector) for attach()
  std::uint64_t next_id_ = 1;
  std::uint8_t next_address_ = 2;
  std::thread thread_;
};

}  // namespace ledlab::scpi::server
