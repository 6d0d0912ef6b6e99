#pragma once
// One HiSLIP channel seen from the client: a TCP connection that sends and receives whole
// messages (message.hpp), each operation guarded by a watchdog and ended early by cancel().
// A HislipLink holds two: the synchronous channel (Data, DataEnd, Trigger, device clear's
// second half) and the asynchronous one (status query, lock, remote/local, clear's first half).
#include "core/error.hpp"
#include "io/hislip/message.hpp"
#include "io/link.hpp"

#include "io/socket_guard.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>

namespace ledlab::io::hislip {

class Channel {
 public:
  Channel(boost::asio::any_io_executor executor, std::string name);

  bool is_open() const { return socket_.is_open(); }
  boost::asio::awaitable<Status> connect(const std::string& host, std::uint16_t port, Millis timeout);
  boost::asio::awaitable<Status> send(std::string bytes, Millis timeout);
  // The next message; a payload longer than `max_payload` is refused before it is read (the
  // channel is closed: the stream cannot be trusted past a header it refused), as is a header
  // without the "HS" prologue.
  boost::asio::awaitable<Result<Message>> receive(std::uint64_t max_payload, Millis timeout);
  void cancel();  // from the channel's executor
  void close();

 private:
  Error map_error(const boost::system::error_code& ec, std::string_view during) const;

  std::string name_;  // "hislip://host:port/hislip0 (synchronous channel)"
  boost::asio::ip::tcp::socket socket_;
  OperationWatchdog watchdog_;
};

}  // namespace ledlab::io::hislip
