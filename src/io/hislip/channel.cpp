#include "io/hislip/channel.hpp"

#include "io/with_timeout.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace ledlab::io::hislip {

namespace asio = boost::asio;
using asio::ip::tcp;

Channel::Channel(asio::any_io_executor executor, std::string name)
    : name_(std::move(name)), socket_(executor), watchdog_(executor) {}

Error Channel::map_error(const boost::system::error_code& ec, std::string_view during) const {
  return make_error(socket_errc(ec), fmt::format("{} {}: {}", during, name_, ec.message()));
}

asio::awaitable<Status> Channel::connect(const std::string& host, std::uint16_t port, Millis timeout) {
  close();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tcp::resolver resolver(socket_.get_executor());
  auto resolved = co_await with_timeout(
      [&](auto token) { return resolver.async_resolve(host, std::to_string(port), token); }, timeout);
  if (!resolved)
    co_return fail(Errc::timeout, fmt::format("resolving {} took longer than {} ms", host, timeout.count()));
  auto [rec, endpoints] = *resolved;
  if (rec) co_return fail(map_error(rec, "resolving"));
  const auto left = std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero());
  auto connected =
      co_await with_timeout([&](auto token) { return asio::async_connect(socket_, endpoints, token); }, left);
  if (!connected) {
    close();
    co_return fail(Errc::timeout, fmt::format("connecting {} took longer than {} ms", name_, timeout.count()));
  }
  if (auto ec = std::get<0>(*connected)) {
    close();
    co_return fail(map_error(ec, "connecting"));
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);  // headers and short SCPI messages: latency bound
  co_return Status{};
}

asio::awaitable<Status> Channel::send(std::string bytes, Millis timeout) {
  if (!socket_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", name_));
  const auto guard = watchdog_.arm(timeout, socket_);
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  (void)n;
  if (watchdog_.disarm(guard)) {
    // Part of a message may be out: the stream is out of step, only a new connection mends it.
    close();
    co_return fail(Errc::timeout, fmt::format("write to {} blocked longer than {} ms", name_, timeout.count()));
  }
  if (ec) {
    close();
    co_return fail(map_error(ec, "writing to"));
  }
  co_return Status{};
}

asio::awaitable<Result<Message>> Channel::receive(std::uint64_t max_payload, Millis timeout) {
  if (!socket_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", name_));
  const auto guard = watchdog_.arm(timeout, socket_);
  std::array<char, kHeaderBytes> head{};
  auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  // Stopped inside a message (a partial header, or in the payload), the stream is out of step.
  bool inside = ec && n > 0;
  Message message;
  if (!ec) {
    const auto decoded = decode_header(head, max_payload);
    if (decoded.fault != HeaderFault::none) {
      watchdog_.disarm(guard);
      close();
      if (decoded.fault == HeaderFault::bad_prologue)
        co_return fail(Errc::protocol, fmt::format("{}: message header does not start with \"HS\" (IVI-6.1 section "
                                                   "2.2): the stream is out of step",
                                                   name_));
      co_return fail(Errc::protocol,
                     fmt::format("{}: {} announces a payload of {} bytes, more than the {} taken", name_,
                                 type_name(decoded.header.type), decoded.header.payload_length, max_payload));
    }
    message.header = decoded.header;
    message.payload.resize(static_cast<std::size_t>(decoded.header.payload_length));
    if (!message.payload.empty()) {
      auto [pec, pn] =
          co_await asio::async_read(socket_, asio::buffer(message.payload), asio::as_tuple(asio::use_awaitable));
      (void)pn;
      ec = pec;
      inside = static_cast<bool>(pec);
    }
  }
  const bool fired = watchdog_.disarm(guard);
  if (inside) close();
  if (fired) {
    // Between messages the stream is intact, but a reply may still be on its way: the caller
    // decides what it is worth (HislipLink marks it stale).
    co_return fail(Errc::timeout, fmt::format("no message on {} within {} ms", name_, timeout.count()));
  }
  if (ec) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "reading from"));
  }
  co_return message;
}

void Channel::cancel() {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void Channel::close() {
  if (!socket_.is_open()) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace ledlab::io::hislip
