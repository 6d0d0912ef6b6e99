#include "scpi/server/hislip_server.hpp"

#include "core/log.hpp"
#include "scpi/server/acceptor.hpp"
#include "scpi/server/hislip_wire.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
namespace hs = io::hislip;
using asio::ip::tcp;

namespace {
constexpr std::string_view kModule = "hislip";

bool same_name(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}
}  // namespace

namespace hislip_wire {

asio::awaitable<Incoming> read(tcp::socket& socket, std::uint64_t data_max) {
  Incoming in;
  std::array<char, hs::kHeaderBytes> head{};
  auto [ec, n] = co_await asio::async_read(socket, asio::buffer(head), asio::as_tuple(asio::use_awaitable));
  (void)n;
  if (ec) {
    in.ec = ec;
    co_return in;
  }
  in.decoded = hs::decode_header(head, UINT64_MAX);
  if (in.decoded.fault != hs::HeaderFault::none) co_return in;
  const std::uint64_t bound = in.is_data() ? data_max : kControlPayloadMax;
  if (in.decoded.header.payload_length > bound) {
    in.decoded.fault = hs::HeaderFault::too_long;  // refused before anything is allocated for it
    co_return in;
  }
  in.payload.resize(static_cast<std::size_t>(in.decoded.header.payload_length));
  if (!in.payload.empty()) {
    auto [pec, pn] = co_await asio::async_read(socket, asio::buffer(in.payload), asio::as_tuple(asio::use_awaitable));
    (void)pn;
    in.ec = pec;
  }
  co_return in;
}

asio::awaitable<boost::system::error_code> discard(tcp::socket& socket, std::uint64_t length) {
  std::array<char, 16384> sink{};
  while (length > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, sink.size()));
    auto [ec, n] =
        co_await asio::async_read(socket, asio::buffer(sink.data(), want), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return ec;
    length -= n;
  }
  co_return boost::system::error_code{};
}

asio::awaitable<boost::system::error_code> send(tcp::socket& socket, std::string bytes) {
  auto [ec, n] = co_await asio::async_write(socket, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
  (void)n;
  co_return ec;
}

}  // namespace hislip_wire

bool HislipServer::Target::can_lock(std::uint16_t session, const std::string& name) const {
  if (exclusive != 0 && exclusive != session) return false;
  for (const auto& [holder, held] : shared)
    if (holder != session && (name.empty() || held != name)) return false;
  return true;
}

bool HislipServer::Target::blocks(std::uint16_t session) const {
  if (exclusive != 0) return exclusive != session;
  return !shared.empty() && !shared.contains(session);
}

HislipServer::HislipServer(asio::io_context& io, std::string bind_address, std::uint16_t port,
                           std::shared_ptr<Clock> clock, HislipOptions options)
    : io_(io),
      bind_(std::move(bind_address)),
      port_(port),
      clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)),
      options_(options),
      acceptor_(io) {}

void HislipServer::add(std::shared_ptr<Device> device, std::vector<std::string> names) {
  auto target = std::make_unique<Target>();
  target->device = std::move(device);
  target->names = std::move(names);
  targets_.push_back(std::move(target));
}

void HislipServer::start() {
  port_ = listen_on(acceptor_, bind_, port_);
  asio::co_spawn(
      io_, [self = shared_from_this()] { return self->accept_loop(); }, asio::detached);
}

void HislipServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  auto sessions = sessions_;
  for (auto& [id, s] : sessions) close_session(*s);
}

HislipServer::Target* HislipServer::find_target(std::string_view sub_address) {
  if (sub_address.empty()) return targets_.empty() ? nullptr : targets_.front().get();
  for (auto& t : targets_)
    for (const auto& name : t->names)
      if (same_name(name, sub_address)) return t.get();
  return nullptr;
}

std::uint16_t HislipServer::new_session_id() {
  while (next_session_id_ == 0 || sessions_.contains(next_session_id_)) ++next_session_id_;
  return next_session_id_++;
}

asio::awaitable<void> HislipServer::accept_loop() {
  AcceptBackoff backoff(io_, fmt::format("HiSLIP twin server on port {}", port_));
  for (;;) {
    auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
      co_await backoff.failed(ec);
      continue;
    }
    backoff.succeeded();
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    asio::co_spawn(
        io_, [self = shared_from_this(), shared] { return self->greet(shared); }, asio::detached);
  }
}

// IVI-6.1 Initialization Transaction: a new connection opens with Initialize (it becomes a
// session's synchronous channel) or AsyncInitialize naming a session (its asynchronous one).
asio::awaitable<void> HislipServer::greet(std::shared_ptr<tcp::socket> socket) {
  // Data before a session exists is read (bounded) to be refused for the sequence it breaks.
  auto in = co_await hislip_wire::read(*socket, hislip_wire::kControlPayloadMax);
  boost::system::error_code ignored;
  if (in.ec) {
    socket->close(ignored);
    co_return;
  }
  const auto& h = in.decoded.header;
  if (in.decoded.fault != hs::HeaderFault::none) {
    std::string fatal_header =
        hs::encode(hs::MessageType::fatal_error, hs::fatal::bad_header, 0,
                   in.decoded.fault == hs::HeaderFault::bad_prologue
                       ? "message header does not start with \"HS\""
                       : fmt::format("{} announces a payload of {} bytes", hs::type_name(h.type), h.payload_length));
    co_await hislip_wire::send(*socket, std::move(fatal_header));
    socket->close(ignored);
    co_return;
  }
  if (h.message_type() == hs::MessageType::initialize) {
    if (sessions_.size() >= options_.max_sessions) {
      std::string fatal_busy =
          hs::encode(hs::MessageType::fatal_error, hs::fatal::too_many_clients, 0,
                     fmt::format("{} sessions are open, the most this server takes", sessions_.size()));
      co_await hislip_wire::send(*socket, std::move(fatal_busy));
      socket->close(ignored);
      co_return;
    }
    Target* target = find_target(in.payload);
    if (!target) {
      std::string known;
      for (const auto& t : targets_) known += (known.empty() ? "" : ", ") + fmt::format("{}", fmt::join(t->names, "/"));
      std::string fatal_unknown = hs::encode(hs::MessageType::fatal_error, hs::fatal::unidentified, 0,
                                             fmt::format("no device '{}' here; devices: {}", in.payload, known));
      co_await hislip_wire::send(*socket, std::move(fatal_unknown));
      socket->close(ignored);
      co_return;
    }
    if (target->device->faults().in_outage()) {  // powered off: nothing answers
      socket->close(ignored);
      co_return;
    }
    auto s = std::make_shared<Session>(io_, new_session_id(), target, socket);
    s->client_max = options_.max_message_bytes;
    sessions_[s->id] = s;
    const std::uint8_t mode = options_.overlapped ? hs::kOverlapped : 0;
    std::string welcome =
        hs::encode(hs::MessageType::initialize_response, mode, hs::pack16(hs::kProtocolVersion, s->id));
    if (co_await hislip_wire::send(*socket, std::move(welcome))) {
      close_session(*s);
      co_return;
    }
    log::debug(kModule, "{}: session {} opened on '{}'", target->device->identity().model, s->id, in.payload);
    co_await serve_sync(s);
    co_return;
  }
  if (h.message_type() == hs::MessageType::async_initialize) {
    const auto it = sessions_.find(hs::lower16(h.parameter));
    if (it == sessions_.end() || it->second->async) {
      std::string fatal_session =
          hs::encode(hs::MessageType::fatal_error, hs::fatal::bad_initialization, 0,
                     fmt::format("AsyncInitialize names session {}, which has no synchronous channel "
                                 "waiting for its asynchronous one",
                                 hs::lower16(h.parameter)));
      co_await hislip_wire::send(*socket, std::move(fatal_session));
      socket->close(ignored);
      co_return;
    }
    auto s = it->second;
    s->async = socket;
    std::string async_welcome = hs::encode(hs::MessageType::async_initialize_response, 0, hs::pack16(0, hs::kVendorId));
    if (co_await hislip_wire::send(*socket, std::move(async_welcome))) {
      close_session(*s);
      co_return;
    }
    co_await serve_async(s);
    co_return;
  }
  std::string fatal_sequence =
      hs::encode(hs::MessageType::fatal_error, hs::fatal::bad_initialization, 0,
                 fmt::format("a connection opens with Initialize or AsyncInitialize, not {}", hs::type_name(h.type)));
  co_await hislip_wire::send(*socket, std::move(fatal_sequence));
  socket->close(ignored);
}

void HislipServer::release_locks(Session& s) {
  Target& t = *s.target;
  const bool held = t.exclusive == s.id || t.shared.contains(s.id);
  if (t.exclusive == s.id) t.exclusive = 0;
  t.shared.erase(s.id);
  if (held)
    for (auto* w : t.waiters) w->cancel();
}

void HislipServer::close_session(Session& s) {
  if (s.closed) return;
  s.closed = true;
  boost::system::error_code ignored;
  for (auto* socket : {s.sync.get(), s.async.get()})
    if (socket) {
      socket->shutdown(tcp::socket::shutdown_both, ignored);
      socket->close(ignored);
    }
  s.reply_timer.cancel();
  release_locks(s);
  // A waiter may be this session's own message held by another's lock: wake them all, each
  // looks again at its session and the locks.
  for (auto* w : s.target->waiters) w->cancel();
  sessions_.erase(s.id);
}

asio::awaitable<void> HislipServer::wait_for_release(Target& target, std::chrono::steady_clock::time_point deadline) {
  asio::steady_timer timer(io_);
  timer.expires_at(deadline);
  target.waiters.insert(&timer);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  target.waiters.erase(&timer);
}

}  // namespace ledlab::scpi::server
