#pragma once
// The libusb-facing seam of the USBTMC link. Everything above it (framing, tags, recovery,
// the Link adapter) is ours and testable; everything below it is either libusb
// (libusb_backend.cpp, its own event thread) or a fake device in the tests.
//
// Transfers are asynchronous: submit_*() returns at once and the handler runs exactly once,
// later, on whatever thread the backend completes on (libusb's event thread, a test fake's
// executor). It must not block; the USBTMC link posts the result back to its own executor.
#include "core/error.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ledlab::io::usb {

using Millis = std::chrono::milliseconds;
using Bytes = std::vector<std::uint8_t>;

// How a transfer ended, in the terms USBTMC recovery needs (USBTMC 1.0 section 4.2.1:
// a halted endpoint must be cleared, a timed-out transfer aborted).
enum class TransferCode {
  ok,
  timeout,    // the deadline passed; `data` holds what arrived before it
  stall,      // the endpoint is halted (STALL handshake)
  no_device,  // the device is gone: unplugged, or reset and re-enumerated
  cancelled,  // cancel() or close() ended it
  overflow,   // the device sent more than was asked for
  error,      // anything else; `detail` says what
};

std::string_view to_string(TransferCode code);

struct TransferResult {
  TransferCode code = TransferCode::ok;
  Bytes data;          // IN transfers: the bytes received (also on timeout, possibly partial)
  std::size_t transferred = 0;  // OUT transfers: bytes the device accepted
  std::string detail;  // backend's words for an error, e.g. "LIBUSB_ERROR_IO"
  bool ok() const { return code == TransferCode::ok; }
};

using TransferHandler = std::function<void(TransferResult)>;

// A USB control request's setup packet (USB 2.0 table 9-2).
struct ControlSetup {
  std::uint8_t request_type = 0;  // bmRequestType: 0xA1 class/interface IN, 0xA2 class/endpoint IN
  std::uint8_t request = 0;       // bRequest
  std::uint16_t value = 0;        // wValue
  std::uint16_t index = 0;        // wIndex
  std::uint16_t length = 0;       // wLength: bytes expected (IN) or sent (OUT)
};

// One USBTMC interface on the bus: interface class 0xFE, subclass 0x03, protocol 0 (USBTMC)
// or 1 (USB488), with its endpoints.
struct InterfaceInfo {
  std::uint8_t bus = 0;
  std::uint8_t device_address = 0;
  std::string port_path;           // "1-4.2": stable across replug on the same port
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  std::string serial;              // iSerialNumber, empty when the device has none or denies access
  std::string manufacturer;        // iManufacturer
  std::string product;             // iProduct
  std::uint8_t configuration = 1;  // bConfigurationValue holding the interface
  std::uint8_t interface_number = 0;
  std::uint8_t alt_setting = 0;
  std::uint8_t protocol = 0;       // 0 USBTMC, 1 USB488
  std::uint8_t bulk_out = 0;       // endpoint addresses (bit 7 set for IN)
  std::uint8_t bulk_in = 0;
  std::uint8_t interrupt_in = 0;   // 0 when the interface has none
  std::uint16_t bulk_out_max_packet = 64;
  std::uint16_t bulk_in_max_packet = 64;
  std::string access_error;        // set when the device node cannot be opened (permissions)

  bool is_usb488() const { return protocol == 1; }
};

// An opened USBTMC interface: claimed, the kernel's usbtmc driver detached. Thread-safe for
// submit and cancel; at most one transfer per endpoint is in flight (the link serialises).
class Device {
 public:
  virtual ~Device() = default;

  virtual const InterfaceInfo& info() const = 0;

  virtual void submit_bulk_out(Bytes data, Millis timeout, TransferHandler done) = 0;
  // Reads up to `length` bytes; completes on a short packet or when `length` bytes arrived.
  virtual void submit_bulk_in(std::size_t length, Millis timeout, TransferHandler done) = 0;
  virtual void submit_interrupt_in(std::size_t length, Millis timeout, TransferHandler done) = 0;
  // A control transfer; IN when bit 7 of request_type is set (data = the reply, at most
  // setup.length bytes), OUT otherwise (sends `out`).
  virtual void submit_control(ControlSetup setup, Bytes out, Millis timeout, TransferHandler done) = 0;
  // CLEAR_FEATURE(ENDPOINT_HALT) on `endpoint`, resetting the host side's data toggle too.
  virtual void clear_halt(std::uint8_t endpoint, Millis timeout, TransferHandler done) = 0;

  // Ends every transfer in flight with TransferCode::cancelled. Safe from any thread.
  virtual void cancel() = 0;
  // Releases the interface and re-attaches the kernel driver it detached. Transfers still in
  // flight are cancelled and their handlers have run when close() returns. Idempotent.
  virtual void close() = 0;
};

// Finds and opens USBTMC interfaces: libusb in production, a fake bus in tests.
class Backend {
 public:
  virtual ~Backend() = default;
  // Every USBTMC interface attached now, in bus order.
  virtual Result<std::vector<InterfaceInfo>> list() = 0;
  // Opens the device, detaches a bound kernel driver, selects the configuration when it is
  // not the active one and claims the interface. Errc::unreachable when it is not attached
  // (any more), Errc::io with the cause (e.g. permissions) when it cannot be opened.
  virtual Result<std::unique_ptr<Device>> open(const InterfaceInfo& interface) = 0;
};

// The process's libusb backend, created on first use (one libusb context, one event thread).
// Errc::io when libusb cannot be initialised.
Result<std::shared_ptr<Backend>> libusb_backend();

// The bus usbtmc:// links open through: libusb, unless a simulated bus is installed (a
// simulated station puts the twins of its USB instruments on one, so nothing in a simulated
// run reaches real hardware). Removing it (only if it is still the one installed) goes back
// to libusb.
Result<std::shared_ptr<Backend>> link_backend();
void install_simulated_bus(std::shared_ptr<Backend> bus);
void remove_simulated_bus(const Backend* bus);

}  // namespace ledlab::io::usb
