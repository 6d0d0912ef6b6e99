#pragma once
// Modbus TCP (Modbus Messaging on TCP/IP V1.0b): one transaction at a time, each with a new
// transaction identifier that the response must carry back (section 3.1.3).
#include "io/modbus/transport.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace ledlab::io::modbus {

class TcpTransport final : public Transport {
 public:
  TcpTransport(boost::asio::any_io_executor executor, std::string host, std::uint16_t port, std::uint8_t unit);
  ~TcpTransport() override;

  std::string describe() const override;
  bool is_open() const override { return socket_.is_open(); }
  boost::asio::awaitable<Status> connect(Millis timeout) override;
  boost::asio::awaitable<Result<std::string>> transact(std::string_view pdu, Millis timeout) override;
  void cancel() override;
  void close() override;

 private:
  boost::asio::awaitable<Status> read_exactly(std::string& into, std::size_t n, Millis timeout);
  Error map_error(const boost::system::error_code& ec, std::string_view during) const;
  Error broken(std::string what);  // closes the link: the stream is out of step

  boost::asio::any_io_executor executor_;
  std::string host_;
  std::uint16_t port_;
  std::uint8_t unit_;
  boost::asio::ip::tcp::socket socket_;
  std::uint16_t transaction_ = 0;
};

}  // namespace ledlab::io::modbus
