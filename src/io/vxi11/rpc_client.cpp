#include "io/vxi11/rpc_client.hpp"

#include "io/with_timeout.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <random>

namespace ledlab::io::rpc {

namespace asio = boost::asio;
using asio::ip::tcp;

Client::Client(asio::any_io_executor executor, std::string name, RecordLimits limits)
    : executor_(executor), name_(std::move(name)), socket_(executor), watchdog_(executor), limits_(limits), received_(limits),
      // RFC 5531 section 9: the xid only has to differ between outstanding calls; starting at
      // a random value keeps a reconnected client's calls apart from a previous one's.
      xid_(static_cast<std::uint32_t>(std::random_device{}())) {}

Error Client::map_error(const boost::system::error_code& ec, std::string_view during) const {
  return make_error(socket_errc(ec), fmt::format("{} {}: {}", during, name_, ec.message()));
}

asio::awaitable<Status> Client::connect(const std::string& host, std::uint16_t port, Millis timeout) {
  close();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  tcp::resolver resolver(executor_);
  auto resolved = co_await with_timeout(
      [&](auto token) { return resolver.async_resolve(host, std::to_string(port), token); }, timeout);
  if (!resolved) co_return fail(Errc::timeout, fmt::format("resolving {} for {} took longer than {} ms", host, name_, timeout.count()));
  auto [rec, endpoints] = *resolved;
  if (rec) co_return fail(map_error(rec, "resolving"));
  const auto left = std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration::zero());
  auto connected = co_await with_timeout([&](auto token) { return asio::async_connect(socket_, endpoints, token); }, left);
  if (!connected) {
    close();
    co_return fail(Errc::timeout, fmt::format("connecting to {} (port {}) took longer than {} ms", name_, port, timeout.count()));
  }
  if (auto ec = std::get<0>(*connected)) {
    close();
    co_return fail(map_error(ec, fmt::format("connecting to port {} of", port)));
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  socket_.set_option(asio::socket_base::keep_alive(true), ignored);
  co_return Status{};
}

std::string Client::frame_call(std::uint32_t xid, std::uint32_t program, std::uint32_t version, std::uint32_t procedure,
                               std::string_view args) const {
  xdr::Writer w;
  encode_call(w, {.xid = xid, .program = program, .version = version, .procedure = procedure});
  std::string message = w.take();
  message += args;
  return encode_record(message);
}

asio::awaitable<Result<std::string>> Client::call(std::uint32_t program, std::uint32_t version,
                                                  std::uint32_t procedure, std::string_view args, Millis timeout) {
  if (!socket_.is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", name_));
  const CallHeader header{.xid = ++xid_, .program = program, .version = version, .procedure = procedure};
  const std::string record = frame_call(header.xid, program, version, procedure, args);
  struct InCall {
    bool& flag;
    ~InCall() { flag = false; }
  } in_call{in_call_ = true};

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto guard = watchdog_.arm(timeout, socket_);
  auto [wec, written] = co_await asio::async_write(socket_, asio::buffer(record), asio::as_tuple(asio::use_awaitable));
  (void)written;
  const bool write_timed_out = watchdog_.disarm(guard);
  if (wec || write_timed_out) {
    close();  // part of a record may have gone out: the stream is out of step
    if (write_timed_out) co_return fail(Errc::timeout, fmt::format("sending to {} blocked longer than {} ms", name_, timeout.count()));
    co_return fail(map_error(wec, "sending to"));
  }
  std::array<char, 16384> chunk{};
  for (;;) {
    auto next = received_.next();
    if (!next) {
      close();
      co_return fail(Error(next.error()).at(name_));
    }
    if (*next) {
      xdr::Reader in(**next);
      auto reply = decode_reply(in);
      if (!reply) {
        close();
        co_return fail(Error(reply.error()).at(name_));
      }
      if (reply->xid != header.xid) continue;  // the late reply of a call that timed out or was cancelled
      if (auto st = check_reply(*reply, header); !st) co_return fail(make_error(Errc::protocol, fmt::format("{}: {}", name_, st.error().message)));
      co_return std::string((**next).substr(in.position()));
    }
    const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
    guard = watchdog_.arm(std::max(left, Millis(0)), socket_);
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
    if (watchdog_.disarm(guard)) co_return fail(Errc::timeout, fmt::format("no reply from {} within {} ms", name_, timeout.count()));
    if (ec) {
      if (ec != asio::error::operation_aborted) close();
      co_return fail(map_error(ec, "reading from"));
    }
    received_.append(std::string_view(chunk.data(), n));
  }
}

void Client::send_and_forget(std::uint32_t program, std::uint32_t version, std::uint32_t procedure, std::string_view args) {
  if (!socket_.is_open()) return;
  const std::string record = frame_call(++xid_, program, version, procedure, args);
  boost::system::error_code ignored;
  asio::write(socket_, asio::buffer(record), ignored);
}

void Client::cancel() {
  boost::system::error_code ignored;
  socket_.cancel(ignored);
}

void Client::close() {
  received_ = RecordBuffer(limits_);
  if (!socket_.is_open()) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace ledlab::io::rpc
