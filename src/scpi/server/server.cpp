#include "scpi/server/server.hpp"

#include "core/log.hpp"
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
// Accept fails at once, again and again, while the process is out of descriptors (EMFILE,
// ENFILE) or buffers: wait before trying again, longer each time, up to a second.
constexpr auto kFirstAcceptBackoff = std::chrono::milliseconds(10);
constexpr auto kMaxAcceptBackoff = std::chrono::milliseconds(1000);
}  // namespace

Server::Server(asio::io_context& io, std::shared_ptr<Device> device, std::string bind_address, std::uint16_t port,
               std::shared_ptr<Clock> clock)
    : io_(io), device_(std::move(device)), bind_(std::move(bind_address)), port_(port), clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)),
      acceptor_(io) {}

void Server::start() {
  tcp::endpoint endpoint(asio::ip::make_address(bind_), port_);
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, [self = shared_from_this()] { return self->accept_loop(); }, asio::detached);
}

void Server::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& s : clients_) s->close(ignored);
  clients_.clear();
}

asio::awaitable<void> Server::accept_loop() {
  asio::steady_timer backoff_timer(io_);
  auto backoff = std::chrono::steady_clock::duration(kFirstAcceptBackoff);
  boost::system::error_code failing;  // the accept error in force; logged when it changes
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      ++accept_failures_;
      if (ec != failing)
        log::warn(kModule, "{} accept failed: {}; retrying with a backoff of up to {} ms", device_->identity().model,
                  ec.message(), kMaxAcceptBackoff.count());
      failing = ec;
      backoff_timer.expires_after(backoff);
      co_await backoff_timer.async_wait(asio::as_tuple(asio::use_awaitable));
      backoff = std::min<std::chrono::steady_clock::duration>(backoff * 2, kMaxAcceptBackoff);
      continue;
    }
    if (failing) {
      log::warn(kModule, "{} accepts again (after: {})", device_->identity().model, failing.message());
      failing = {};
      backoff = kFirstAcceptBackoff;
    }
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
