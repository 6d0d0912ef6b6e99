#include "scpi/server/modbus_server.hpp"

#include "core/log.hpp"
#include "scpi/server/acceptor.hpp"
#include "scpi/server/reply_pacing.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
namespace mb = io::modbus;
using asio::ip::tcp;

namespace {
constexpr std::string_view kModule = "twin";
constexpr std::uint8_t kAnyUnit = 0xFF;  // Messaging on TCP/IP 4.4.2: the server itself
}  // namespace

ModbusServer::ModbusServer(asio::io_context& io, std::shared_ptr<Device> device, mb::RegisterMap map, std::uint8_t unit,
                           std::string bind_address, std::uint16_t port, std::shared_ptr<Clock> clock)
    : io_(io), view_(std::move(device), std::move(map)), unit_(unit), bind_(std::move(bind_address)), port_(port),
      clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)), acceptor_(io) {}

void ModbusServer::start() {
  port_ = listen_on(acceptor_, bind_, port_);
  asio::co_spawn(io_, [self = shared_from_this()] { return self->accept_loop(); }, asio::detached);
}

void ModbusServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& s : clients_) s->close(ignored);
  clients_.clear();
}

asio::awaitable<void> ModbusServer::accept_loop() {
  AcceptBackoff backoff(io_, "Modbus TCP twin");
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      co_await backoff.failed(ec);
      continue;
    }
    backoff.succeeded();
    boost::system::error_code ignored;
    if (device().faults().in_outage()) {
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    clients_.insert(shared);
    asio::co_spawn(io_, [self = shared_from_this(), shared] { return self->serve(shared); }, asio::detached);
  }
}

asio::awaitable<void> ModbusServer::serve(std::shared_ptr<tcp::socket> socket) {
  ConnectionState state;
  asio::steady_timer timer(io_);
  std::string header(mb::kMbapBytes, '\0');
  std::string pdu;
  for (;;) {
    auto [hec, hn] = co_await asio::async_read(*socket, asio::buffer(header), asio::as_tuple(asio::use_awaitable));
    if (hec) break;
    auto mbap = mb::decode_mbap(header);
    if (!mbap) {
      log::info(kModule, "{}: Modbus TCP: {}; closing the connection", device().identity().model, mbap.error().message);
      break;
    }
    pdu.assign(mbap->length - 1u, '\0');
    auto [pec, pn] = co_await asio::async_read(*socket, asio::buffer(pdu), asio::as_tuple(asio::use_awaitable));
    if (pec) break;
    if (device().faults().in_outage()) break;
    RegisterView::Answer answer;
    if (mbap->unit != unit_ && mbap->unit != kAnyUnit) {
      answer.pdu = mb::encode_exception(static_cast<mb::Function>(pdu.empty() ? 0 : pdu[0] & 0x7F),
                                        mb::Exception::gateway_target_failed);
    } else {
      answer = view_.answer(pdu, state);
    }
    if (answer.fault.drop || device().faults().in_outage()) {
      log::info(kModule, "{}: injected fault: dropping the Modbus connection", device().identity().model);
      break;
    }
    Outcome paced;  // every Modbus request has a response: pace it as the twin's reply
    paced.has_reply = true;
    paced.delay_s = answer.delay_s;
    paced.fault = answer.fault;
    co_await hold_reply(io_, *clock_, paced, timer);
    if (!socket->is_open()) break;
    std::string frame = mb::encode_mbap(mbap->transaction, mbap->unit, answer.pdu);
    if (answer.fault.garble) device().faults().garble_text(frame);
    auto [wec, written] = co_await asio::async_write(*socket, asio::buffer(frame), asio::as_tuple(asio::use_awaitable));
    if (wec) break;
  }
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_both, ignored);
  socket->close(ignored);
  clients_.erase(socket);
}

}  // namespace ledlab::scpi::server
