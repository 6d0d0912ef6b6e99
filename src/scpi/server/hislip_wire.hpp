#pragma once
// The server side's reads and writes of HiSLIP messages (io/hislip/message.hpp) on a socket.
#include "io/hislip/message.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace ledlab::scpi::server::hislip_wire {

namespace hs = io::hislip;

// What a message other than Data/DataEnd may carry (a sub-address, a lock name, a size).
inline constexpr std::uint64_t kControlPayloadMax = 4096;

struct Incoming {
  boost::system::error_code ec;  // the socket failed or closed
  hs::Decoded decoded;           // fault: bad prologue, or a payload beyond the bound
  std::string payload;           // read only when the header was taken
  bool is_data() const {
    const auto t = decoded.header.message_type();
    return t == hs::MessageType::data || t == hs::MessageType::data_end;
  }
};

// Reads one message: Data and DataEnd payloads up to `data_max`, others up to
// kControlPayloadMax. A refused payload is left unread.
boost::asio::awaitable<Incoming> read(boost::asio::ip::tcp::socket& socket, std::uint64_t data_max);
// Reads and drops `length` bytes, never holding more than a small buffer.
boost::asio::awaitable<boost::system::error_code> discard(boost::asio::ip::tcp::socket& socket, std::uint64_t length);
boost::asio::awaitable<boost::system::error_code> send(boost::asio::ip::tcp::socket& socket, std::string bytes);
}  // namespace ledlab::scpi::server::hislip_wire
