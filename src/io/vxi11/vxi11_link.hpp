#pragma once
// VXI-11 (TCP/IP Instrument Protocol, VXI-11 Rev 1.0) link: asks the portmapper for the core
// channel's port, creates a link to the named device, and carries messages as device_write /
// device_read calls; serial poll, device clear, trigger and remote/local are core-channel
// calls. cancel() also sends device_abort on the abort channel so the instrument stops
// waiting (VXI-11 Rev 1.0 B.6.21).
#include "io/link.hpp"
#include "io/vxi11/protocol.hpp"
#include "io/vxi11/rpc_client.hpp"

#include <memory>
#include <string>

namespace ledlab::io {

class Vxi11Link final : public Link {
 public:
  Vxi11Link(boost::asio::any_io_executor executor, Address address);
  ~Vxi11Link() override;

  std::string describe() const override { return address_.canonical(); }
  bool is_open() const override { return linked_ && core_.is_open(); }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) override;
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) override;
  boost::asio::awaitable<Result<std::uint8_t>> read_status_byte(Millis timeout) override;
  boost::asio::awaitable<Status> device_clear(Millis timeout) override;
  boost::asio::awaitable<Status> trigger(Millis timeout) override;
  boost::asio::awaitable<Status> set_remote(RemoteState state, Millis timeout) override;
  bool has_serial_poll() const override { return is_open(); }
  void cancel() override;
  void close() override;

  // device_lock / device_unlock (VXI-11 Rev 1.0 B.6.20-B.6.21): while held, other links'
  // calls fail with error 11 or wait their lock_timeout.
  boost::asio::awaitable<Status> lock(Millis lock_timeout);
  boost::asio::awaitable<Status> unlock(Millis timeout);

  std::uint32_t max_recv_size() const { return max_recv_size_; }
  std::int32_t link_id() const { return lid_; }

 private:
  struct AbortChannel;
  boost::asio::awaitable<Result<std::string>> core_call(vxi11::Proc proc, std::string_view args, Millis timeout);
  boost::asio::awaitable<Status> generic(vxi11::Proc proc, std::string_view what, Millis timeout);

  boost::asio::any_io_executor executor_;
  Address address_;
  rpc::Client core_;
  std::shared_ptr<AbortChannel> abort_;
  bool linked_ = false;
  std::int32_t lid_ = 0;
  std::uint16_t abort_port_ = 0;
  std::uint32_t max_recv_size_ = 0;
  std::string pending_;  // device_read data not yet handed to the caller
};

}  // namespace ledlab::io
