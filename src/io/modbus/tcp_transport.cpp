#include "io/modbus/tcp_transport.hpp"

#include "io/address.hpp"
#include "io/modbus/protocol.hpp"
#include "io/socket_guard.hpp"
#include "io/with_timeout.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace ledlab::io::modbus {

namespace asio = boost::asio;
using asio::ip::tcp;

TcpTransport::TcpTransport(asio::any_io_executor executor, std::string host, std::uint16_t port, std::uint8_t unit)
    : executor_(executor), host_(std::move(host)), port_(port), unit_(unit), socket_(executor) {}

TcpTransport::~TcpTransport() { close(); }

std::string TcpTransport::describe() const { return fmt::format("modbus-tcp://{}?unit={}", host_port(host_, port_), unit_); }

Error TcpTransport::map_error(const boost::system::error_code& ec, std::string_view during) const {
  return make_error(socket_errc(ec), fmt::format("{} {}: {}", during, describe(), ec.message()));
}

Error TcpTransport::broken(std::string what) {
  close();
  return make_error(Errc::protocol, fmt::format("{}: {}", describe(), what));
}

asio::awaitable<Status> TcpTransport::connect(Millis timeout) {
  close();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tcp::resolver resolver(executor_);
  auto resolved = co_await with_timeout(
      [&](auto token) { return resolver.async_resolve(host_, std::to_string(port_), token); }, timeout);
  if (!resolved) co_return fail(Errc::timeout, fmt::format("resolving {} took longer than {} ms", host_, timeout.count()));
  auto [rec, endpoints] = *resolved;
  if (rec) co_return fail(map_error(rec, "resolving"));
  const auto left = std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero());
  auto connected = co_await with_timeout([&](auto token) { return asio::async_connect(socket_, endpoints, token); }, left);
  if (!connected) {
    close();
    co_return fail(Errc::timeout, fmt::format("connecting to {} took longer than {} ms", describe(), timeout.count()));
  }
  if (auto ec = std::get<0>(*connected)) {
    close();
    co_return fail(map_error(ec, "connecting to"));
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  co_return Status{};
}

asio::awaitable<Status> TcpTransport::read_exactly(std::string& into, std::size_t n, Millis timeout) {
  const std::size_t at = into.size();
  into.resize(at + n);
  auto done = co_await with_timeout(
      [&](auto token) { return asio::async_read(socket_, asio::buffer(into.data() + at, n), token); }, timeout);
  if (!done) {
    close();  // a late response would answer the next request
    co_return fail(Errc::timeout, fmt::format("no response from {} within {} ms", describe(), timeout.count()));
  }
  if (auto ec = std::get<0>(*done)) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "reading from"));
  }
  co_return Status{};
}

asio::awaitable<Result<std::string>> TcpTransport::transact(std::string_view pdu, Millis timeout) {
  if (!socket_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  const std::uint16_t transaction = ++transaction_;
  const std::string frame = encode_mbap(transaction, unit_, pdu);
  auto sent = co_await with_timeout(
      [&](auto token) { return asio::async_write(socket_, asio::buffer(frame), token); }, timeout);
  if (!sent) {
    close();
    co_return fail(Errc::timeout, fmt::format("write to {} blocked longer than {} ms", describe(), timeout.count()));
  }
  if (auto ec = std::get<0>(*sent)) {
    if (ec != asio::error::operation_aborted) close();
    co_return fail(map_error(ec, "writing to"));
  }
  std::string header;
  if (auto st = co_await read_exactly(header, kMbapBytes, timeout); !st) co_return fail(st.error());
  auto mbap = decode_mbap(header);
  if (!mbap) co_return fail(broken(mbap.error().message));
  // Messaging on TCP/IP 3.1.3: the server copies the transaction identifier and the unit
  // identifier of the request into its response.
  if (mbap->transaction != transaction)
    co_return fail(broken(fmt::format("response carries transaction id {} for request {}", mbap->transaction, transaction)));
  if (mbap->unit != unit_)
    co_return fail(broken(fmt::format("response from unit {} to a request for unit {}", mbap->unit, unit_)));
  std::string response;
  if (auto st = co_await read_exactly(response, mbap->length - 1u, timeout); !st) co_return fail(st.error());
  co_return response;
}

void TcpTransport::cancel() {
  asio::post(executor_, [this] {
    boost::system::error_code ignored;
    socket_.cancel(ignored);
  });
}

void TcpTransport::close() {
  if (!socket_.is_open()) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace ledlab::io::modbus
