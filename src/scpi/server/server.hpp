#pragma once
// Serves one Device over raw-socket SCPI (TCP), any number of clients at once, on the given
// io_context. Binds 127.0.0.1 unless told otherwise; port 0 picks a free port.
#include "core/clock.hpp"
#include "scpi/server/device.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <set>
#include <string>

namespace ledlab::scpi::server {

class Server : public std::enable_shared_from_this<Server> {
 public:
  Server(boost::asio::io_context& io, std::shared_ptr<Device> device, std::string bind_address = "127.0.0.1",
         std::uint16_t port = 0, std::shared_ptr<Clock> clock = nullptr);

  void start();
  void stop();  // closes the acceptor and every client connection
  std::uint16_t port() const { return port_; }
  const std::string& bind_address() const { return bind_; }
  Device& device() { return *device_; }
  std::size_t connection_count() const { return clients_.size(); }
  // Accepts that failed (out of descriptors, ...): each waits a backoff before the next try.
  std::size_t accept_failures() const { return accept_failures_; }
  // The most input one connection has held at once: bounded by the device's input buffer.
  std::size_t peak_input_bytes() const { return peak_input_bytes_; }

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  boost::asio::io_context& io_;
  std::shared_ptr<Device> device_;
  std::string bind_;
  std::uint16_t port_;
  std::shared_ptr<Clock> clock_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::set<std::shared_ptr<boost::asio::ip::tcp::socket>> clients_;
  std::size_t accept_failures_ = 0;
  std::size_t peak_input_bytes_ = 0;
};

}  // namespace ledlab::scpi::server
