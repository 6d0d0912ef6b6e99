#pragma once
// What every twin server (raw socket, VXI-11, HiSLIP, Modbus TCP) does with its listening
// sockets: open them the same way, and never spin on an accept that keeps failing.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ledlab::scpi::server {

// Opens, binds (SO_REUSEADDR) and listens; returns the port bound (0 asks for a free one).
// Throws boost::system::system_error as Asio does, for the caller to name what it serves.
std::uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor, const boost::asio::ip::address& address,
                        std::uint16_t port);
std::uint16_t listen_on(boost::asio::ip::tcp::acceptor& acceptor, const std::string& bind_address, std::uint16_t port);

// Accept fails at once, again and again, while the process is out of descriptors (EMFILE,
// ENFILE) or buffers. After each failure the accept loop waits, longer each time (10 ms
// doubling up to a second), logging only when the error changes, so a failing accept never
// spins a core; a good accept resets it.
class AcceptBackoff {
 public:
  AcceptBackoff(boost::asio::io_context& io, std::string who) : timer_(io), who_(std::move(who)) {}
  boost::asio::awaitable<void> failed(const boost::system::error_code& ec);
  void succeeded();

 private:
  boost::asio::steady_timer timer_;
  std::string who_;
  std::chrono::steady_clock::duration backoff_ = kFirst;
  boost::system::error_code failing_;  // the accept error in force
  static constexpr std::chrono::steady_clock::duration kFirst = std::chrono::milliseconds(10);
  static constexpr std::chrono::steady_clock::duration kMax = std::chrono::milliseconds(1000);
};

}  // namespace ledlab::scpi::server
