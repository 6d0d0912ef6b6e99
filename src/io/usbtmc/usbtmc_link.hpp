#pragma once
// A Link to a USBTMC / USB488 instrument through the usb::Backend seam (libusb in production).
//
// Messages: each write() is one USBTMC message (DEV_DEP_MSG_OUT transfers, EOM on the last);
// each read_some() that finds nothing buffered sends one REQUEST_DEV_DEP_MSG_IN and returns
// that transfer's payload, reading Bulk-IN until TransferSize bytes arrived. A message
// without EOM is continued by the next read_some() with a new REQUEST.
//
// Recovery (USBTMC 1.0 section 4.2.1): a Bulk-OUT that times out is aborted with
// INITIATE_ABORT_BULK_OUT, a Bulk-IN with INITIATE_ABORT_BULK_IN, each polled to completion,
// then INITIATE_CLEAR empties the device's buffers and the halts are cleared; the call still
// reports its timeout. A malformed reply (bad tag, header) is recovered the same way. A device
// that leaves the bus fails with Errc::unplugged; connect() finds it again when it returns.
#include "io/link.hpp"
#include "io/usbtmc/protocol.hpp"
#include "io/usbtmc/quirks.hpp"
#include "io/usbtmc/usb_device.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <optional>
#include <string>

namespace ledlab::io {

class UsbtmcLink final : public Link {
 public:
  UsbtmcLink(boost::asio::any_io_executor executor, Address address, std::shared_ptr<usb::Backend> backend);
  ~UsbtmcLink() override;

  std::string describe() const override;
  bool is_open() const override { return device_ != nullptr; }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) override;
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) override;
  boost::asio::awaitable<Result<std::uint8_t>> read_status_byte(Millis timeout) override;
  boost::asio::awaitable<Status> device_clear(Millis timeout) override;
  boost::asio::awaitable<Status> trigger(Millis timeout) override;
  boost::asio::awaitable<Status> set_remote(RemoteState state, Millis timeout) override;
  bool has_serial_poll() const override { return is_open() && info_.is_usb488(); }
  void cancel() override;
  void close() override;

  // What GET_CAPABILITIES reported when the link connected.
  const usbtmc::Capabilities& capabilities() const { return caps_; }
  const usb::InterfaceInfo& interface_info() const { return info_; }
  // Service requests (SRQ) seen on Interrupt-IN while waiting for a status byte.
  int service_requests() const { return service_requests_; }

 private:
  enum class Pending { none, abort_out, abort_in, clear };

  // One transfer through the seam, resumed on this link's executor.
  boost::asio::awaitable<usb::TransferResult> bulk_out(usb::Bytes data, Millis timeout);
  boost::asio::awaitable<usb::TransferResult> bulk_in(std::size_t length, Millis timeout);
  boost::asio::awaitable<usb::TransferResult> control_in(usbtmc::Request request, std::uint8_t request_type,
                                                         std::uint16_t value, std::uint16_t index,
                                                         std::uint16_t length, Millis timeout);
  boost::asio::awaitable<usb::TransferResult> clear_halt(std::uint8_t endpoint, Millis timeout);

  // A class request whose reply starts with a USBTMC_status byte; fails unless SUCCESS, and
  // names the request and the status.
  boost::asio::awaitable<Result<usb::Bytes>> class_request(usbtmc::Request request, std::uint8_t request_type,
                                                           std::uint16_t value, std::uint16_t index,
                                                           std::uint16_t length, Millis timeout);

  // Recovery (usbtmc_recovery.cpp).
  boost::asio::awaitable<Status> recover(Millis timeout);
  boost::asio::awaitable<Status> abort_bulk_out(std::uint8_t tag, Millis timeout);
  boost::asio::awaitable<Status> abort_bulk_in(std::uint8_t tag, Millis timeout);
  boost::asio::awaitable<Status> clear_device(Millis timeout);
  boost::asio::awaitable<void> drain_bulk_in(Millis timeout);
  boost::asio::awaitable<void> pause(Millis delay);

  // Turns a failed transfer into the link's error, deciding what recovery it needs.
  Error transfer_error(const usb::TransferResult& r, std::string_view during, Millis timeout, Pending recovery);
  // A transfer of bTag `tag` failed: records the recovery it needs and runs it now (unless the
  // call was cancelled), returning the call's error.
  boost::asio::awaitable<Error> fail_transfer(const usb::TransferResult& r, std::string_view during, Millis timeout,
                                              Pending recovery, std::uint8_t tag);
  // A reply to bTag `tag` arrived but is wrong: aborts the Bulk-IN transfer, clears, and
  // returns the error.
  boost::asio::awaitable<Error> reject_reply(Errc code, std::string message, Millis timeout, std::uint8_t tag);
  boost::asio::awaitable<Result<std::size_t>> read_transfer(std::span<char> buffer, Millis timeout);
  Status require_open() const;
  std::uint16_t interface_number() const { return info_.interface_number; }

  boost::asio::any_io_executor executor_;
  Address address_;
  std::shared_ptr<usb::Backend> backend_;
  std::unique_ptr<usb::Device> device_;
  usb::InterfaceInfo info_;
  usbtmc::Capabilities caps_;
  const usbtmc::Quirks* quirks_;
  usbtmc::TagCounter tags_;
  usbtmc::StatusTagCounter status_tags_;
  std::string rx_;               // payload received beyond what read_some() returned
  Pending pending_ = Pending::none;
  std::uint8_t pending_tag_ = 0;
  bool in_halted_ = false;       // Bulk-IN stalled: its halt is cleared before anything else
  bool unplugged_ = false;
  int service_requests_ = 0;
};

// Finds the interface an address names among those attached: VID/PID, and the serial when
// the address gives one. Errc::unreachable names what is attached instead.
Result<usb::InterfaceInfo> find_interface(const std::vector<usb::InterfaceInfo>& attached, const Address& address);

}  // namespace ledlab::io
