#include "io/tcp_link.hpp"

#include "core/log.hpp"
#include "io/address.hpp"
#include "io/with_timeout.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace ledlab::io {

namespace asio = boost::asio;
using asio::ip::tcp;

TcpLink::TcpLink(asio::any_io_executor executor, std::string host, std::uint16_t port)
    : executor_(executor), host_(std::move(host)), port_(port), socket_(executor), watchdog_(executor) {}

TcpLink::~TcpLink() { close(); }

std::string TcpLink::describe() const { return "tcp://" + host_port(host_, port_); }

Error TcpLink::map_error(const boost::system::error_code& ec, std::string_view during) const {
  return make_error(socket_errc(ec), fmt::format("{} {}: {}", during, describe(), ec.message()));
}

asio::awaitable<Status> TcpLink::connect(Millis timeout) {
  close();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tcp::resolver resolver(executor_);
  auto resolved = co_await with_timeout(
      [&](auto token) { return resolver.async_resolve(host_, std::to_string(port_), token); }, timeout);
  if (!resolved) co_return fail(Errc::timeout, fmt::format("resolving {} took longer than {} ms", host_, timeout.count()));
  auto [rec, endpoints] = *resolved;
  if (rec) co_return fail(map_error(rec, "resolving"));

  const auto left = std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero());
  auto connected =
      co_await with_timeout([&](auto token) { return asio::async_connect(socket_, endpoints, token); }, left);
  if (!connected) {
    close();
    co_return fail(Errc::timeout, fmt::format("connecting to {} took longer than {} ms", describe(), timeout.count()));
  }
  if (auto ec = std::get<0>(*connected)) {
    close();
    co_return fail(map_error(ec, "connecting to"));
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);  // SCPI exchanges are small and latency bound
  socket_.set_option(asio::socket_base::keep_alive(true), ignored);
  co_return Status{};
}

asio::awaitable<Status> TcpLink::write(std::string_view bytes, Millis timeout) {
  if (!socket_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  const auto guard = watchdog_.arm(timeout, socket_);
  auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                                            asio::as_tuple(asio::use_awaitable));
  (void)n;
  if (watchdog_.disarm(guard)) co_return fail(Errc::timeout, fmt::format("write to {} blocked longer than {} ms", describe(), timeout.count()));
  if (ec) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "writing to"));
  }
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> TcpLink::read_some(std::span<char> buffer, Millis timeout) {
  if (!socket_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  const auto guard = watchdog_.arm(timeout, socket_);
  auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer.data(), buffer.size()),
                                                  asio::as_tuple(asio::use_awaitable));
  if (watchdog_.disarm(guard)) co_return fail(Errc::timeout, fmt::format("no reply from {} within {} ms", describe(), timeout.count()));
  if (ec) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "reading from"));
  }
  co_return n;
}

void TcpLink::cancel() {
  asio::post(executor_, [this] {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  });
}

void TcpLink::close() {
  if (!socket_.is_open()) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace ledlab::io
