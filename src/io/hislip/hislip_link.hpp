#pragma once
// A Link to a HiSLIP instrument (IVI-6.1): two TCP connections to one port, the synchronous
// channel carrying the program and response messages and the asynchronous one carrying the
// out-of-band controls (status query, device clear, lock, remote/local).
//
// connect(): Initialize / InitializeResponse on the synchronous channel (session id, and the
// server's mode: overlapped or synchronized), AsyncInitialize / AsyncInitializeResponse on the
// asynchronous one, then AsyncMaximumMessageSize both ways; with ?lock, AsyncLock (exclusive).
// write(): one message as Data messages of at most the server's maximum size and a DataEnd,
// each with the next message id (from 0xffffff00, up by 2). read_some(): the payloads of the
// response's Data and DataEnd; a response to a message sent before a read that timed out or was
// cancelled, or before a device clear, is stale and dropped (its message id tells).
#include "io/hislip/channel.hpp"
#include "io/link.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <string>

namespace ledlab::io {

class HislipLink final : public Link {
 public:
  struct Options {
    std::uint64_t max_message_bytes = 1u << 20;  // the largest message we take from the server
  };

  HislipLink(boost::asio::any_io_executor executor, Address address, Options options);
  HislipLink(boost::asio::any_io_executor executor, Address address)
      : HislipLink(executor, std::move(address), Options{}) {}
  ~HislipLink() override;

  std::string describe() const override;
  bool is_open() const override { return sync_.is_open() && async_.is_open(); }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) override;
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) override;
  boost::asio::awaitable<Result<std::uint8_t>> read_status_byte(Millis timeout) override;  // AsyncStatusQuery
  boost::asio::awaitable<Status> device_clear(Millis timeout) override;
  boost::asio::awaitable<Status> trigger(Millis timeout) override;
  boost::asio::awaitable<Status> set_remote(RemoteState state, Millis timeout) override;
  bool has_serial_poll() const override { return is_open(); }
  void cancel() override;
  void close() override;

  // AsyncLock (IVI-6.1 section 2.5): an exclusive lock with an empty name, else the shared
  // lock of that name; waits up to `wait` for another session's lock to go. Errc::instrument
  // when the server refuses it.
  boost::asio::awaitable<Status> lock(std::string shared_name, Millis wait, Millis timeout);
  boost::asio::awaitable<Status> unlock(Millis timeout);

  bool overlapped() const { return overlapped_; }
  std::uint16_t session_id() const { return session_id_; }
  std::uint64_t server_max_message_bytes() const { return server_max_; }
  std::uint16_t server_protocol_version() const { return server_version_; }
  // Service requests (AsyncServiceRequest) seen while waiting on the asynchronous channel.
  int service_requests() const { return service_requests_; }
  // Responses dropped as stale (see above).
  int stale_responses() const { return stale_responses_; }

 private:
  boost::asio::awaitable<Status> handshake(Millis timeout);
  // The next message on the asynchronous channel of type `wanted`; AsyncServiceRequest and
  // AsyncInterrupted on the way are noted and skipped, Error and FatalError fail the call.
  boost::asio::awaitable<Result<hislip::Message>> async_reply(hislip::MessageType wanted, Millis timeout);
  // An Error or FatalError from the server, as the call's error (FatalError closes the link).
  Error server_error(const hislip::Message& m, std::string_view channel);
  std::uint32_t take_message_id();
  std::uint8_t rmt_bit();  // RMT-delivered for the next message, then cleared

  boost::asio::any_io_executor executor_;
  Address address_;
  Options options_;
  hislip::Channel sync_, async_;
  std::uint16_t session_id_ = 0;
  std::uint16_t server_version_ = 0;
  bool overlapped_ = false;
  std::uint64_t server_max_ = 0;
  std::uint32_t message_id_ = hislip::kFirstMessageId;    // the id of the next message sent
  std::uint32_t stale_before_ = hislip::kFirstMessageId;  // responses to earlier ids are dropped
  bool rmt_delivered_ = false;  // a whole response (DataEnd) was read since the last message sent
  std::string rx_;              // payload received beyond what read_some() returned
  int service_requests_ = 0;
  int stale_responses_ = 0;
};

}  // namespace ledlab::io
