#pragma once
// Serves a twin over Modbus TCP (Modbus Messaging on TCP/IP V1.0b), any number of clients,
// through its register view (register_view.hpp). Binds 127.0.0.1; port 0 picks a free port.
// A frame with a bad MBAP header (protocol id other than 0, length outside 2..254) closes the
// connection, since what follows cannot be framed; a request for another unit gets exception
// 0x0B (gateway target device failed to respond, Application Protocol section 7).
#include "core/clock.hpp"
#include "scpi/server/register_view.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <set>

namespace ledlab::scpi::server {

class ModbusServer : public std::enable_shared_from_this<ModbusServer> {
 public:
  ModbusServer(boost::asio::io_context& io, std::shared_ptr<Device> device, io::modbus::RegisterMap map,
               std::uint8_t unit, std::string bind_address = "127.0.0.1", std::uint16_t port = 0,
               std::shared_ptr<Clock> clock = nullptr);

  void start();
  void stop();
  std::uint16_t port() const { return port_; }
  Device& device() { return view_.device(); }
  const std::shared_ptr<Device>& shared_device() const { return view_.shared_device(); }
  std::size_t connection_count() const { return clients_.size(); }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  boost::asio::io_context& io_;
  RegisterView view_;
  std::uint8_t unit_;
  std::string bind_;
  std::uint16_t port_;
  std::shared_ptr<Clock> clock_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<boost::asio::ip::tcp::socket>> clients_;
};

}  // namespace ledlab::scpi::server
