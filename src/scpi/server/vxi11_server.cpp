#include "scpi/server/vxi11_server.hpp"

#include "core/log.hpp"
#include "scpi/server/acceptor.hpp"
#include "io/vxi11/protocol.hpp"
#include "scpi/server/message_reader.hpp"
#include "scpi/server/reply_pacing.hpp"
#include "scpi/server/rpc_serve.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <vector>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
namespace rpc = io::rpc;
namespace xdr = io::xdr;
namespace vx = io::vxi11;
using asio::ip::tcp;
using asio::ip::udp;
using vx::ErrorCode;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr std::string_view kModule = "vxi11";
constexpr std::size_t kMaxDatagram = 8800;  // a bound of ours on a portmapper call over UDP

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Wakes every coroutine waiting on it; a waiter checks its own condition again after waking.
// Each waiter has its own timer, registered before its wait starts and set to expire at once
// by notify(), so a notify that comes before the wait is under way is not lost.
class Signal {
 public:
  explicit Signal(asio::any_io_executor executor) : executor_(std::move(executor)) {}
  void notify() {
    for (auto& w : waiters_) {
      w->notified = true;
      w->timer.expires_at(SteadyTime::min());
    }
    waiters_.clear();
  }
  // false when `deadline` came first
  asio::awaitable<bool> wait_until(SteadyTime deadline) {
    auto waiter = std::make_shared<Waiter>(executor_, deadline);
    waiters_.push_back(waiter);
    co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase(waiters_, waiter);
    co_return waiter->notified;
  }
  asio::awaitable<void> wait() { co_await wait_until(SteadyTime::max()); }

 private:
  struct Waiter {
    Waiter(const asio::any_io_executor& executor, SteadyTime deadline) : timer(executor, deadline) {}
    asio::steady_timer timer;
    bool notified = false;
  };
  asio::any_io_executor executor_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

SteadyTime deadline_after(std::uint32_t ms) { return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms); }

template <class Message>
std::string results(const Message& m) {
  xdr::Writer w;
  vx::encode(w, m);
  return w.take();
}

std::string error_result(ErrorCode code) {
  xdr::Writer w;
  vx::encode_error(w, code);
  return w.take();
}

}  // namespace

struct Vxi11Server::Served {
  Served(std::shared_ptr<Device> d, asio::any_io_executor executor) : device(std::move(d)), lock_released(executor) {}
  std::shared_ptr<Device> device;
  std::int32_t lock_holder = 0;  // the link holding device_lock, 0 = none
  Signal lock_released;
};

struct Vxi11Server::Connection {
  std::shared_ptr<tcp::socket> socket;
  std::vector<std::int32_t> links;
};

// One link: its device's input buffer and output queue (IEEE 488.2 6.1.5, 6.1.10), fed by
// device_write and drained by device_read, with run_link executing messages in between.
struct Vxi11Server::LinkState {
  LinkState(std::int32_t id, std::shared_ptr<Served> s, std::shared_ptr<tcp::socket> sock, asio::any_io_executor executor)
      : lid(id), served(std::move(s)), socket(sock), input(served->device->buffers.input_bytes),
        input_ready(executor), output_ready(executor) {}
  std::int32_t lid;
  std::shared_ptr<Served> served;
  std::weak_ptr<tcp::socket> socket;
  ConnectionState state;
  MessageReader input;
  std::deque<std::string> output;  // whole response messages, each ending in NL
  std::size_t front_taken = 0;     // bytes of output.front() already read
  std::size_t output_bytes = 0;
  Signal input_ready, output_ready;
  bool closed = false;
  bool aborted = false;  // device_abort arrived for the pending device_read
  bool remote = false;
  std::uint64_t clear_generation = 0;  // replies of messages from before a device_clear are dropped
};

Vxi11Server::Vxi11Server(asio::io_context& io, std::shared_ptr<Clock> clock, Options options)
    : io_(io), clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)), options_(std::move(options)),
      portmapper_tcp_(io), core_(io), abort_(io), portmapper_udp_(io) {
  options_.max_recv_size = std::max<std::uint32_t>(options_.max_recv_size, 1024);  // VXI-11 Rev 1.0 B.6.2
}

void Vxi11Server::add_device(const std::string& name, std::shared_ptr<Device> device) {
  for (const auto& [other, served] : devices_)
    if (served->device == device) {
      devices_[lower(name)] = served;  // one device, one lock, whatever name a link used
      return;
    }
  devices_[lower(name)] = std::make_shared<Served>(std::move(device), io_.get_executor());
}

void Vxi11Server::start() {
  const auto address = asio::ip::make_address(options_.bind_address);
  core_port_ = listen_on(core_, address, 0);
  abort_port_ = listen_on(abort_, address, 0);
  if (options_.portmapper) {
    portmapper_port_ = listen_on(portmapper_tcp_, address, options_.portmapper_port);
    // The UDP portmapper answers on the same port number (RFC 1833 section 3); it also takes
    // broadcasts, which is how `lxi discover` and VISA's LAN discovery find instruments.
    udp::endpoint endpoint(address, portmapper_port_);
    portmapper_udp_.open(endpoint.protocol());
    portmapper_udp_.set_option(udp::socket::reuse_address(true));
    portmapper_udp_.set_option(asio::socket_base::broadcast(true));
    portmapper_udp_.bind(endpoint);
    asio::co_spawn(io_, [self = shared_from_this()] { return self->accept_loop(self->portmapper_tcp_, Channel::portmapper); }, asio::detached);
    asio::co_spawn(io_, [self = shared_from_this()] { return self->serve_portmapper_udp(); }, asio::detached);
  }
  asio::co_spawn(io_, [self = shared_from_this()] { return self->accept_loop(self->core_, Channel::core); }, asio::detached);
  asio::co_spawn(io_, [self = shared_from_this()] { return self->accept_loop(self->abort_, Channel::abort); }, asio::detached);
}

void Vxi11Server::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  portmapper_tcp_.close(ignored);
  portmapper_udp_.close(ignored);
  core_.close(ignored);
  abort_.close(ignored);
  for (auto& s : sockets_) s->close(ignored);
  sockets_.clear();
  auto links = links_;
  for (auto& [lid, link] : links) destroy(link);
}

asio::awaitable<void> Vxi11Server::accept_loop(tcp::acceptor& acceptor, Channel channel) {
  AcceptBackoff backoff(io_, "VXI-11 twin server");
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      co_await backoff.failed(ec);
      continue;
    }
    backoff.succeeded();
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto shared = std::make_shared<tcp::socket>(std::move(socket));
    sockets_.insert(shared);
    auto self = shared_from_this();
    if (channel == Channel::core) {
      auto connection = std::make_shared<Connection>();
      connection->socket = shared;
      asio::co_spawn(io_, [self, connection] { return self->serve_core(connection); }, asio::detached);
    } else if (channel == Channel::abort) {
      asio::co_spawn(io_, [self, shared] { return self->serve_abort(shared); }, asio::detached);
    } else {
      asio::co_spawn(io_, [self, shared] { return self->serve_portmapper_tcp(shared); }, asio::detached);
    }
  }
}

namespace {
rpc::RecordLimits limits_for(std::uint32_t max_recv_size) {
  // A device_write record holds at most maxRecvSize bytes of data plus its headers.
  const std::size_t most = std::size_t{max_recv_size} + 1024;
  return {.max_fragment = most, .max_record = most};
}
}  // namespace

asio::awaitable<void> Vxi11Server::serve_core(std::shared_ptr<Connection> connection) {
  auto self = shared_from_this();
  const rpc_serve::CallHandler handler = [self, connection](const rpc::CallHeader& call, xdr::Reader& in) {
    return self->core_call(connection, call, in);
  };
  co_await rpc_serve::serve_records(*connection->socket, limits_for(options_.max_recv_size), "VXI-11 core channel", handler);
  // VXI-11 Rev 1.0 B.4.2: a lost connection destroys its links and frees their locks.
  for (auto lid : connection->links)
    if (auto link = find(lid)) destroy(link);
  boost::system::error_code ignored;
  connection->socket->close(ignored);
  sockets_.erase(connection->socket);
}

asio::awaitable<void> Vxi11Server::serve_abort(std::shared_ptr<tcp::socket> socket) {
  auto self = shared_from_this();
  const rpc_serve::CallHandler handler = [self](const rpc::CallHeader& call, xdr::Reader& in) { return self->abort_call(call, in); };
  co_await rpc_serve::serve_records(*socket, limits_for(1024), "VXI-11 abort channel", handler);
  boost::system::error_code ignored;
  socket->close(ignored);
  sockets_.erase(socket);
}

asio::awaitable<void> Vxi11Server::serve_portmapper_tcp(std::shared_ptr<tcp::socket> socket) {
  auto self = shared_from_this();
  const rpc_serve::CallHandler handler = [self](const rpc::CallHeader& call, xdr::Reader& in) {
    return self->portmapper_call_async(call, in);
  };
  co_await rpc_serve::serve_records(*socket, limits_for(1024), "portmapper", handler);
  boost::system::error_code ignored;
  socket->close(ignored);
  sockets_.erase(socket);
}

asio::awaitable<void> Vxi11Server::serve_portmapper_udp() {
  std::array<char, kMaxDatagram> datagram{};
  for (;;) {
    udp::endpoint sender;
    auto [ec, n] = co_await portmapper_udp_.async_receive_from(asio::buffer(datagram), sender, asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !portmapper_udp_.is_open()) co_return;
      continue;
    }
    // Over UDP a call is one datagram, without record marking (RFC 5531 section 11 marks
    // records on stream transports only).
    xdr::Reader in(std::string_view(datagram.data(), n));
    auto call = rpc::decode_call(in);
    if (!call) continue;
    const std::string reply = portmapper_call(*call, in);
    boost::system::error_code ignored;
    portmapper_udp_.send_to(asio::buffer(reply), sender, 0, ignored);
  }
}

asio::awaitable<std::string> Vxi11Server::portmapper_call_async(const rpc::CallHeader& call, xdr::Reader& in) const {
  co_return portmapper_call(call, in);
}

std::string Vxi11Server::portmapper_call(const rpc::CallHeader& call, xdr::Reader& in) const {
  if (auto refused = rpc_serve::refuse_foreign(call, rpc::portmap::kProgram, rpc::portmap::kVersion)) return *refused;
  if (call.procedure == rpc::portmap::kProcNull) return rpc_serve::success(call.xid, {});
  if (call.procedure != rpc::portmap::kProcGetPort) return rpc_serve::failure(call.xid, rpc::AcceptStat::proc_unavail);
  auto mapping = rpc::portmap::decode_mapping(in);
  if (!mapping) return rpc_serve::failure(call.xid, rpc::AcceptStat::garbage_args);
  // RFC 1833 section 3.2: GETPORT answers 0 for a program that is not registered.
  const bool core = mapping->program == vx::kCoreProgram && mapping->version == vx::kVersion &&
                    mapping->protocol == rpc::portmap::kIpProtoTcp;
  xdr::Writer w;
  w.u32(core ? core_port_ : 0);
  return rpc_serve::success(call.xid, w.bytes());
}

std::shared_ptr<Vxi11Server::LinkState> Vxi11Server::find(std::int32_t lid) const {
  auto it = links_.find(lid);
  return it == links_.end() ? nullptr : it->second;
}

void Vxi11Server::destroy(const std::shared_ptr<LinkState>& link) {
  link->closed = true;
  link->input_ready.notify();
  link->output_ready.notify();
  if (link->served->lock_holder == link->lid) {
    link->served->lock_holder = 0;
    link->served->lock_released.notify();
  }
  links_.erase(link->lid);
}

asio::awaitable<std::string> Vxi11Server::abort_call(const rpc::CallHeader& call, xdr::Reader& in) {
  if (auto refused = rpc_serve::refuse_foreign(call, vx::kAbortProgram, vx::kVersion)) co_return *refused;
  if (call.procedure == 0) co_return rpc_serve::success(call.xid, {});  // NULLPROC
  if (call.procedure != static_cast<std::uint32_t>(vx::Proc::device_abort))
    co_return rpc_serve::failure(call.xid, rpc::AcceptStat::proc_unavail);
  auto lid = vx::decode_link_id(in);
  if (!lid) co_return rpc_serve::failure(call.xid, rpc::AcceptStat::garbage_args);
  auto link = find(*lid);
  if (!link) co_return rpc_serve::success(call.xid, error_result(ErrorCode::invalid_link_identifier));
  // VXI-11 Rev 1.0 B.6.21: device_abort ends the link's device_read in progress (error 23).
  link->aborted = true;
  link->output_ready.notify();
  co_return rpc_serve::success(call.xid, error_result(ErrorCode::no_error));
}

asio::awaitable<std::string> Vxi11Server::core_call(std::shared_ptr<Connection> connection, const rpc::CallHeader& call,
                                                   xdr::Reader& in) {
  if (auto refused = rpc_serve::refuse_foreign(call, vx::kCoreProgram, vx::kVersion)) co_return *refused;
  using P = vx::Proc;
  Result<std::string> out = fail(Errc::protocol, "unanswered");
  switch (static_cast<P>(call.procedure)) {
    case P::null: out = std::string(); break;
    case P::create_link: out = co_await create_link(connection, in); break;
    case P::device_write: out = co_await device_write(in); break;
    case P::device_read: out = co_await device_read(in); break;
    case P::device_readstb:
    case P::device_trigger:
    case P::device_clear:
    case P::device_remote:
    case P::device_local: out = co_await generic_call(call.procedure, in); break;
    case P::device_lock: out = co_await device_lock(in); break;
    case P::device_unlock:
    case P::destroy_link: out = link_only_call(call.procedure, in); break;
    // Service requests, interrupt channels and docmd are optional (VXI-11 Rev 1.0 B.6.10,
    // B.6.12, B.6.22): the twins do not offer them.
    case P::device_enable_srq:
    case P::device_docmd:
    case P::create_intr_chan:
    case P::destroy_intr_chan: out = error_result(ErrorCode::operation_not_supported); break;
    default: co_return rpc_serve::failure(call.xid, rpc::AcceptStat::proc_unavail);
  }
  if (!out) {
    log::warn(kModule, "core channel: procedure {}: {}", call.procedure, out.error().message);
    co_return rpc_serve::failure(call.xid, rpc::AcceptStat::garbage_args);
  }
  co_return rpc_serve::success(call.xid, *out);
}

asio::awaitable<std::int32_t> Vxi11Server::wait_for_lock(LinkState& link, std::uint32_t flags, std::uint32_t lock_timeout_ms) {
  const auto deadline = deadline_after(lock_timeout_ms);
  auto served = link.served;
  while (served->lock_holder != 0 && served->lock_holder != link.lid) {
    // VXI-11 Rev 1.0 B.6.3: without waitlock a locked device fails at once.
    if (!(flags & vx::flags::waitlock) || !co_await served->lock_released.wait_until(deadline))
      co_return static_cast<std::int32_t>(ErrorCode::device_locked_by_another_link);
  }
  co_return 0;
}

asio::awaitable<Result<std::string>> Vxi11Server::create_link(std::shared_ptr<Connection> connection, xdr::Reader& in) {
  auto parms = vx::decode_create_link(in);
  if (!parms) co_return fail(parms.error());
  auto it = devices_.find(lower(parms->device));
  if (it == devices_.end()) {
    log::info(kModule, "create_link: no device '{}'", parms->device);
    co_return results(vx::CreateLinkResp{.error = ErrorCode::device_not_accessible});
  }
  // Powered off (SIM:FAULt:OUTage): the instrument behind the gateway does not answer.
  if (it->second->device->faults().in_outage())
    co_return results(vx::CreateLinkResp{.error = ErrorCode::device_not_accessible});
  auto link = std::make_shared<LinkState>(next_lid_++, it->second, connection->socket, io_.get_executor());
  if (parms->lock_device) {
    const auto code = co_await wait_for_lock(*link, vx::flags::waitlock, parms->lock_timeout_ms);
    if (code != 0) co_return results(vx::CreateLinkResp{.error = static_cast<ErrorCode>(code)});
    link->served->lock_holder = link->lid;
  }
  links_[link->lid] = link;
  connection->links.push_back(link->lid);
  asio::co_spawn(io_, [self = shared_from_this(), link] { return self->run_link(link); }, asio::detached);
  co_return results(vx::CreateLinkResp{.error = ErrorCode::no_error, .lid = link->lid, .abort_port = abort_port_,
                                       .max_recv_size = options_.max_recv_size});
}

asio::awaitable<Result<std::string>> Vxi11Server::device_write(xdr::Reader& in) {
  auto parms = vx::decode_write(in, options_.max_recv_size);
  if (!parms) co_return fail(parms.error());
  auto link = find(parms->lid);
  if (!link) co_return results(vx::WriteResp{.error = ErrorCode::invalid_link_identifier});
  if (powered_off(*link)) co_return results(vx::WriteResp{.error = ErrorCode::io_error});
  if (auto code = co_await wait_for_lock(*link, parms->flags, parms->lock_timeout_ms))
    co_return results(vx::WriteResp{.error = static_cast<ErrorCode>(code)});
  ++device_writes_;
  link->input.append(parms->data);
  // VXI-11 Rev 1.0 B.6.13: END ends the program message, whether or not it ends in NL.
  if ((parms->flags & vx::flags::end) && !parms->data.ends_with('\n')) link->input.append("\n");
  link->input_ready.notify();
  co_return results(vx::WriteResp{.error = ErrorCode::no_error, .size = static_cast<std::uint32_t>(parms->data.size())});
}

asio::awaitable<Result<std::string>> Vxi11Server::device_read(xdr::Reader& in) {
  auto parms = vx::decode_read(in);
  if (!parms) co_return fail(parms.error());
  auto link = find(parms->lid);
  if (!link) co_return results(vx::ReadResp{.error = ErrorCode::invalid_link_identifier});
  if (powered_off(*link)) co_return results(vx::ReadResp{.error = ErrorCode::io_error});
  if (auto code = co_await wait_for_lock(*link, parms->flags, parms->lock_timeout_ms))
    co_return results(vx::ReadResp{.error = static_cast<ErrorCode>(code)});
  link->aborted = false;
  const auto deadline = deadline_after(parms->io_timeout_ms);
  if (link->output.empty() && on_read_wait) on_read_wait();
  while (link->output.empty()) {
    if (link->closed) co_return results(vx::ReadResp{.error = ErrorCode::io_error});
    if (link->aborted) {
      link->aborted = false;
      ++aborts_;
      co_return results(vx::ReadResp{.error = ErrorCode::abort});
    }
    if (!co_await link->output_ready.wait_until(deadline)) co_return results(vx::ReadResp{.error = ErrorCode::io_timeout});
  }
  // One response message per read at most (VXI-11 Rev 1.0 B.6.14): END marks its last byte,
  // requestSize or the term char may end the read earlier.
  const std::string_view message = std::string_view(link->output.front()).substr(link->front_taken);
  std::size_t n = std::min<std::size_t>(message.size(), std::max<std::uint32_t>(parms->request_size, 1));
  std::int32_t reason = 0;
  if (parms->flags & vx::flags::termchrset)
    if (const auto at = message.find(parms->term_char); at != std::string_view::npos && at < n) n = at + 1, reason |= vx::reason::chr;
  vx::ReadResp resp{.error = ErrorCode::no_error, .reason = 0, .data = std::string(message.substr(0, n))};
  if (n == message.size()) {
    reason |= vx::reason::end;
    link->output_bytes -= link->output.front().size();
    link->output.pop_front();
    link->front_taken = 0;
  } else {
    link->front_taken += n;
    if (n == parms->request_size) reason |= vx::reason::reqcnt;
  }
  resp.reason = reason;
  co_return results(resp);
}

asio::awaitable<Result<std::string>> Vxi11Server::generic_call(std::uint32_t procedure, xdr::Reader& in) {
  auto parms = vx::decode_generic(in);
  if (!parms) co_return fail(parms.error());
  using P = vx::Proc;
  const auto proc = static_cast<P>(procedure);
  auto link = find(parms->lid);
  if (!link) {
    if (proc == P::device_readstb) co_return results(vx::ReadStbResp{.error = ErrorCode::invalid_link_identifier});
    co_return error_result(ErrorCode::invalid_link_identifier);
  }
  if (powered_off(*link)) {
    if (proc == P::device_readstb) co_return results(vx::ReadStbResp{.error = ErrorCode::io_error});
    co_return error_result(ErrorCode::io_error);
  }
  if (auto code = co_await wait_for_lock(*link, parms->flags, parms->lock_timeout_ms)) {
    if (proc == P::device_readstb) co_return results(vx::ReadStbResp{.error = static_cast<ErrorCode>(code)});
    co_return error_result(static_cast<ErrorCode>(code));
  }
  Device& device = *link->served->device;
  switch (proc) {
    case P::device_readstb: {
      // IEEE 488.2 11.2.1: MAV is set while the output queue holds a message; MSS summarises
      // the bits *SRE enables.
      if (device.before_command) device.before_command();
      std::uint8_t stb = device.status().status_byte();
      if (!link->output.empty()) stb |= stb::mav;
      if ((stb & device.status().sre & ~stb::mss) != 0) stb |= stb::mss;
      co_return results(vx::ReadStbResp{.error = ErrorCode::no_error, .stb = stb});
    }
    case P::device_trigger: {
      // VXI-11 Rev 1.0 B.6.16: the device's trigger, as *TRG (IEEE 488.2 10.37) would do.
      (void)device.execute("*TRG", link->state);
      break;
    }
    case P::device_clear: {
      // VXI-11 Rev 1.0 B.6.17, IEEE 488.2 5.8: clear the input and output buffers, not the status.
      link->input = MessageReader(device.buffers.input_bytes);
      link->output.clear();
      link->output_bytes = 0;
      link->front_taken = 0;
      ++link->clear_generation;
      break;
    }
    case P::device_remote: link->remote = true; break;
    case P::device_local: link->remote = false; break;
    default: break;
  }
  co_return error_result(ErrorCode::no_error);
}

asio::awaitable<Result<std::string>> Vxi11Server::device_lock(xdr::Reader& in) {
  auto parms = vx::decode_lock(in);
  if (!parms) co_return fail(parms.error());
  auto link = find(parms->lid);
  if (!link) co_return error_result(ErrorCode::invalid_link_identifier);
  if (auto code = co_await wait_for_lock(*link, parms->flags, parms->lock_timeout_ms)) co_return error_result(static_cast<ErrorCode>(code));
  link->served->lock_holder = link->lid;
  co_return error_result(ErrorCode::no_error);
}

Result<std::string> Vxi11Server::link_only_call(std::uint32_t procedure, xdr::Reader& in) {
  auto lid = vx::decode_link_id(in);
  if (!lid) return fail(lid.error());
  auto link = find(*lid);
  if (!link) return error_result(ErrorCode::invalid_link_identifier);
  if (static_cast<vx::Proc>(procedure) == vx::Proc::destroy_link) {
    destroy(link);
    return error_result(ErrorCode::no_error);
  }
  if (link->served->lock_holder != link->lid) return error_result(ErrorCode::no_lock_held_by_this_link);
  link->served->lock_holder = 0;
  link->served->lock_released.notify();
  return error_result(ErrorCode::no_error);
}

void Vxi11Server::drop_connection(LinkState& link, std::string_view why) {
  log::info(kModule, "{}: {}: dropping the connection", link.served->device->identity().model, why);
  link.closed = true;
  link.output_ready.notify();
  if (auto socket = link.socket.lock()) {
    boost::system::error_code ignored;
    socket->shutdown(tcp::socket::shutdown_both, ignored);
    socket->close(ignored);
  }
}

bool Vxi11Server::powered_off(LinkState& link) {
  // A power cycle (SIM:FAULt:OUTage) takes the instrument's connections down, whatever the
  // next call on them is: a serial poll as much as a message.
  if (!link.served->device->faults().in_outage()) return false;
  drop_connection(link, "injected outage");
  return true;
}

asio::awaitable<void> Vxi11Server::run_link(std::shared_ptr<LinkState> link) {
  asio::steady_timer timer(io_);
  Device& device = *link->served->device;
  const auto drop = [&](std::string_view why) { drop_connection(*link, why); };
  while (!link->closed) {
    const auto line = link->input.next();
    for (auto n = link->input.take_overruns(); n > 0; --n) device.input_overrun();
    if (!line) {
      co_await link->input_ready.wait();
      continue;
    }
    if (device.faults().in_outage()) {
      drop("injected outage");
      break;
    }
    Outcome out = device.execute(*line, link->state);
    if (device.faults().in_outage() || out.fault.drop) {
      drop(out.fault.drop ? "injected fault" : "injected outage");
      break;
    }
    if (!out.has_reply) continue;
    const auto generation = link->clear_generation;
    co_await hold_reply(io_, *clock_, out, timer);
    if (link->closed || generation != link->clear_generation) continue;
    if (out.fault.garble) device.faults().garble_text(out.reply);
    out.reply += '\n';
    if (link->output_bytes + out.reply.size() > device.buffers.output_bytes) {
      // IEEE 488.2 6.4.2: the output queue is bounded; a client that never reads loses the
      // replies it left, told so by a query error.
      device.push_error(-410, "Query INTERRUPTED");
      link->output.clear();
      link->output_bytes = 0;
      link->front_taken = 0;
    }
    link->output_bytes += out.reply.size();
    link->output.push_back(std::move(out.reply));
    link->output_ready.notify();
  }
}

}  // namespace ledlab::scpi::server
