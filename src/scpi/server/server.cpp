#include "scpi/server/server.hpp"

#include "core/log.hpp"
#include "scpi/server/acceptor.hpp"
#include "scpi/server/message_reader.hpp"
#include "scpi/server/reply_pacing.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr std::string_view kModule = "twin";
}  // namespace

Server::Server(asio::io_context& io, std::shared_ptr<Device> device, std::string bind_address, std::uint16_t port,
               std::shared_ptr<Clock> clock)
    : io_(io), device_(std::move(device)), bind_(std::move(bind_address)), port_(port), clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)),
      acceptor_(io) {}

void Server::start() {
  port_ = listen_on(acceptor_, bind_, port_);
  asio::co_spawn(io_, [self = shared_from_this()] { return self->accept_loop(); }, asio::detached);
}

void Server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& s : clients_) s->close(ignored);
  clients_.clear();
}

asio::awaitable<void> Server::accept_loop() {
  AcceptBackoff backoff(io_, device_->identity().model);
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      ++accept_failures_;
      co_await backoff.failed(ec);
      continue;
    }
    backoff.succeeded();
    boost::system::error_code ignored;
    if (device_->faults().in_outage()) {  // powered off: nothing answers
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    clients_.insert(shared);
    asio::co_spawn(io_, [self = shared_from_this(), shared] { return self->serve(shared); }, asio::detached);
  }
}

asio::awaitable<void> Server::serve(std::shared_ptr<tcp::socket> socket) {
  ConnectionState state;
  MessageReader input(device_->buffers.input_bytes);
  std::array<char, 16384> chunk{};
  asio::steady_timer timer(io_);
  for (;;) {
    const auto line = input.next();
    for (auto n = input.take_overruns(); n > 0; --n) device_->input_overrun();
    if (!line) {
      auto [ec, n] = co_await socket->async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      input.append(std::string_view(chunk.data(), n));
      peak_input_bytes_ = std::max(peak_input_bytes_, input.buffered());
      continue;
    }
    if (device_->faults().in_outage()) break;
    Outcome out = device_->execute(*line, state);
    if (device_->faults().in_outage()) {
      log::info(kModule, "{}: injected outage: dropping the connection", device_->identity().model);
      break;
    }
    if (out.fault.drop) {
      log::info(kModule, "{}: injected fault: dropping the connection", device_->identity().model);
      break;
    }
    if (out.has_reply) {
      co_await hold_reply(io_, *clock_, out, timer);
      if (!socket->is_open()) break;
    }
    if (!out.has_reply) continue;
    if (out.fault.garble) device_->faults().garble_text(out.reply);
    out.reply += '\n';
    auto [wec, written] = co_await asio::async_write(*socket, asio::buffer(out.reply), asio::as_tuple(asio::use_awaitable));
    if (wec) break;
  }
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_both, ignored);
  socket->close(ignored);
  clients_.erase(socket);
}

}  // namespace ledlab::scpi::server
