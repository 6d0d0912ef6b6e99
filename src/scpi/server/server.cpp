#include "scpi/server/server.hpp"

#include "core/activity.hpp"

#include "core/log.hpp"
#include "scpi/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr std::string_view kModule = "twin";
constexpr std::size_t kMaxLine = 16u << 20;  // a program message longer than this is refused
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
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      log::warn(kModule, "{} accept failed: {}", device_->identity().model, ec.message());
      continue;
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
  std::string rx;
  std::array<char, 16384> chunk{};
  asio::steady_timer timer(io_);
  for (;;) {
    const std::size_t end = find_reply_end(rx, '\n');
    if (end == std::string::npos) {
      if (rx.size() > kMaxLine) {
        device_->push_error(codes::command_error, "Command error; program message too long");
        rx.clear();
      }
      auto [ec, n] = co_await socket->async_read_some(asio::buffer(chunk), asio::as_tuple(asio::use_awaitable));
      if (ec) break;
      rx.append(chunk.data(), n);
      continue;
    }
    const std::string line = rx.substr(0, end);
    rx.erase(0, end + 1);
    if (device_->faults().in_outage()) break;
    Outcome out = device_->execute(line, state);
    if (device_->faults().in_outage()) {
      log::info(kModule, "{}: injected outage: dropping the connection", device_->identity().model);
      break;
    }
    if (out.fault.drop) {
      log::info(kModule, "{}: injected fault: dropping the connection", device_->identity().model);
      break;
    }
    if (clock_->is_virtual() && out.delay_s > 0 && out.has_reply) {
      // On a virtual clock the reply waits its simulated time there; the client's exchange,
      // which holds simulated time still, is lent back for the wait (core/activity.hpp).
      Activity::Lend waiting_on_the_clock(io_.get_executor());
      co_await clock_->sleep(out.delay_s);
      out.delay_s = 0;
    }
    const auto wait = clock_->to_wall(out.delay_s) +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(out.fault.stall_s));
    if (wait > std::chrono::steady_clock::duration::zero() && out.has_reply) {
      timer.expires_after(wait);
      co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
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
