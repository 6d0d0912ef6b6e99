#pragma once
// Raw-socket SCPI over TCP (port 5025 by convention).
#include "io/link.hpp"

#include "io/socket_guard.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace ledlab::io {

class TcpLink final : public Link {
 public:
  TcpLink(boost::asio::any_io_executor executor, std::string host, std::uint16_t port);
  ~TcpLink() override;

  std::string describe() const override;
  bool is_open() const override { return socket_.is_open(); }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Status> write(std::string_view bytes, Millis timeout) override;
  boost::asio::awaitable<Result<std::size_t>> read_some(std::span<char> buffer, Millis timeout) override;
  void cancel() override;
  void close() override;

 private:
  Error map_error(const boost::system::error_code& ec, std::string_view during) const;

  boost::asio::any_io_executor executor_;
  std::string host_;
  std::uint16_t port_;
  boost::asio::ip::tcp::socket socket_;
  OperationWatchdog watchdog_;
};

}  // namespace ledlab::io
