#pragma once
// One ONC RPC (RFC 5531) client connection over TCP: calls carried as records (section 11),
// replies matched to their call by xid. Received bytes are kept across reads, so a call that
// times out or is cancelled leaves the stream in step: its late reply is recognised by its
// xid and dropped when the next call reads.
#include "core/error.hpp"
#include "io/link.hpp"
#include "io/vxi11/rpc.hpp"

#include "io/socket_guard.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>

namespace ledlab::io::rpc {

class Client {
 public:
  // `name` is how errors name the connection ("vxi11://host:111/inst0 core channel").
  Client(boost::asio::any_io_executor executor, std::string name, RecordLimits limits = {});

  boost::asio::awaitable<Status> connect(const std::string& host, std::uint16_t port, Millis timeout);
  // Sends a call and returns the reply's results (the bytes after an accepted SUCCESS header).
  boost::asio::awaitable<Result<std::string>> call(std::uint32_t program, std::uint32_t version,
                                                   std::uint32_t procedure, std::string_view args, Millis timeout);
  // Sends a call without waiting for its reply (destroy_link from close(), which cannot wait).
  void send_and_forget(std::uint32_t program, std::uint32_t version, std::uint32_t procedure, std::string_view args);

  // Ends the call in progress with Errc::cancelled; on the client's executor only.
  void cancel();
  void close();
  bool is_open() const { return socket_.is_open(); }
  bool in_call() const { return in_call_; }
  const std::string& name() const { return name_; }

 private:
  Error map_error(const boost::system::error_code& ec, std::string_view during) const;
  std::string frame_call(std::uint32_t xid, std::uint32_t program, std::uint32_t version, std::uint32_t procedure,
                         std::string_view args) const;

  boost::asio::any_io_executor executor_;
  std::string name_;
  boost::asio::ip::tcp::socket socket_;
  OperationWatchdog watchdog_;
  RecordLimits limits_;
  RecordBuffer received_;
  std::uint32_t xid_;
  bool in_call_ = false;
};

}  // namespace ledlab::io::rpc
