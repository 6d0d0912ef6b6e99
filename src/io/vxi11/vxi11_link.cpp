#include "io/vxi11/vxi11_link.hpp"

#include "core/log.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace ledlab::io {

namespace asio = boost::asio;
using vxi11::Proc;

namespace {

// A reply can take the device's whole io_timeout to come: the RPC wait allows this much more,
// so the device's own "I/O timeout" (error 15) is what the caller normally sees.
constexpr Millis kReplySlack{500};
constexpr Millis kAbortTimeout{1000};
constexpr std::uint32_t kMaxReadRequest = 1u << 20;  // a bound of ours on one device_read

std::uint32_t to_ms(Millis t) { return static_cast<std::uint32_t>(std::clamp<Millis::rep>(t.count(), 0, 0x7FFFFFFF)); }

std::int32_t next_client_id() {
  static std::atomic<std::int32_t> id{1};
  return id++;
}

}  // namespace

// The abort channel lives apart from the link so a device_abort still in flight when the link
// is closed or destroyed owns what it uses.
struct Vxi11Link::AbortChannel {
  explicit AbortChannel(asio::any_io_executor executor, std::string name) : client(executor, std::move(name)) {}
  rpc::Client client;
  bool busy = false;
};

Vxi11Link::Vxi11Link(asio::any_io_executor executor, Address address)
    : executor_(executor), address_(std::move(address)), core_(executor, address_.canonical() + " core channel"),
      abort_(std::make_shared<AbortChannel>(executor, address_.canonical() + " abort channel")) {}

Vxi11Link::~Vxi11Link() { close(); }

asio::awaitable<Result<std::string>> Vxi11Link::core_call(Proc proc, std::string_view args, Millis timeout) {
  co_return co_await core_.call(vxi11::kCoreProgram, vxi11::kVersion, static_cast<std::uint32_t>(proc), args,
                                timeout + kReplySlack);
}

asio::awaitable<Status> Vxi11Link::connect(Millis timeout) {
  close();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto left = [&] { return std::max(std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now()), Millis(0)); };
  // Portmapper GETPORT (RFC 1833 section 3.2) for the core channel over TCP.
  rpc::Client portmapper(executor_, fmt::format("portmapper {} for {}", host_port(address_.host, address_.port), describe()));
  if (auto st = co_await portmapper.connect(address_.host, address_.port, left()); !st) co_return fail(st.error());
  xdr::Writer query;
  rpc::portmap::encode_mapping(query, {.program = vxi11::kCoreProgram, .version = vxi11::kVersion,
                                       .protocol = rpc::portmap::kIpProtoTcp, .port = 0});
  auto reply = co_await portmapper.call(rpc::portmap::kProgram, rpc::portmap::kVersion, rpc::portmap::kProcGetPort,
                                        query.bytes(), left());
  portmapper.close();
  if (!reply) co_return fail(reply.error());
  xdr::Reader in(*reply);
  auto port = in.u32("port");
  if (!port) co_return fail(Error(port.error()).at(describe(), "portmapper GETPORT"));
  if (*port == 0 || *port > 0xFFFF)
    co_return fail(Errc::unreachable, fmt::format("{}: the portmapper on {} knows no VXI-11 core channel (GETPORT gave {})",
                                                  describe(), host_port(address_.host, address_.port), *port));
  if (auto st = co_await core_.connect(address_.host, static_cast<std::uint16_t>(*port), left()); !st) co_return fail(st.error());

  xdr::Writer args;
  vxi11::encode(args, vxi11::CreateLinkParms{.client_id = next_client_id(), .lock_device = false,
                                             .lock_timeout_ms = 0, .device = address_.device});
  auto created = co_await core_call(Proc::create_link, args.bytes(), left());
  if (!created) {
    core_.close();
    co_return fail(created.error());
  }
  xdr::Reader resp(*created);
  auto link = vxi11::decode_create_link_resp(resp);
  if (!link) {
    core_.close();
    co_return fail(Error(link.error()).at(describe(), "create_link"));
  }
  if (link->error != vxi11::ErrorCode::no_error) {
    core_.close();
    co_return fail(vxi11::to_error(link->error, describe(), fmt::format("create_link to device '{}'", address_.device)));
  }
  // VXI-11 Rev 1.0 B.6.2: maxRecvSize is at least 1024.
  if (link->max_recv_size < 1024) {
    core_.close();
    co_return fail(Errc::protocol, fmt::format("{}: create_link gave maxRecvSize {}, under the 1024 VXI-11 Rev 1.0 B.6.2 requires",
                                               describe(), link->max_recv_size));
  }
  lid_ = link->lid;
  abort_port_ = link->abort_port;
  max_recv_size_ = link->max_recv_size;
  linked_ = true;
  pending_.clear();
  co_return Status{};
}

asio::awaitable<Status> Vxi11Link::write(std::string_view bytes, Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // VXI-11 Rev 1.0 B.6.13: data beyond maxRecvSize goes in further device_write calls; only
  // the last carries END. The device may also take less than it was sent (size).
  std::size_t sent = 0;
  do {
    const std::size_t n = std::min<std::size_t>(bytes.size() - sent, max_recv_size_);
    const bool last = sent + n == bytes.size();
    xdr::Writer args;
    vxi11::encode(args, vxi11::WriteParms{.lid = lid_, .io_timeout_ms = to_ms(timeout), .lock_timeout_ms = 0,
                                          .flags = last ? vxi11::flags::end : 0u, .data = std::string(bytes.substr(sent, n))});
    auto reply = co_await core_call(Proc::device_write, args.bytes(), timeout);
    if (!reply) co_return fail(reply.error());
    xdr::Reader in(*reply);
    auto resp = vxi11::decode_write_resp(in);
    if (!resp) co_return fail(Error(resp.error()).at(describe(), "device_write"));
    if (resp->error != vxi11::ErrorCode::no_error) co_return fail(vxi11::to_error(resp->error, describe(), "device_write"));
    if (resp->size == 0 && n > 0)
      co_return fail(Errc::protocol, fmt::format("{}: device_write took none of {} bytes", describe(), n));
    sent += std::min<std::size_t>(resp->size, n);
  } while (sent < bytes.size());
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> Vxi11Link::read_some(std::span<char> buffer, Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  while (pending_.empty()) {
    xdr::Writer args;
    const auto request = static_cast<std::uint32_t>(std::min<std::size_t>(std::max<std::size_t>(buffer.size(), 1), kMaxReadRequest));
    vxi11::encode(args, vxi11::ReadParms{.lid = lid_, .request_size = request, .io_timeout_ms = to_ms(timeout),
                                         .lock_timeout_ms = 0, .flags = 0, .term_char = '\n'});
    auto reply = co_await core_call(Proc::device_read, args.bytes(), timeout);
    if (!reply) co_return fail(reply.error());
    xdr::Reader in(*reply);
    auto resp = vxi11::decode_read_resp(in, request);
    if (!resp) co_return fail(Error(resp.error()).at(describe(), "device_read"));
    if (resp->error != vxi11::ErrorCode::no_error) co_return fail(vxi11::to_error(resp->error, describe(), "device_read"));
    pending_ = std::move(resp->data);
    // VXI-11 frames a response by END, the session by its NL (IEEE 488.2 8.5.2 terminates a
    // response message with NL^END): a device that sends END alone still ended the message.
    if ((resp->reason & vxi11::reason::end) && !pending_.ends_with('\n')) pending_ += '\n';
  }
  const std::size_t n = std::min(buffer.size(), pending_.size());
  std::memcpy(buffer.data(), pending_.data(), n);
  pending_.erase(0, n);
  co_return n;
}

asio::awaitable<Status> Vxi11Link::generic(Proc proc, std::string_view what, Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  xdr::Writer args;
  vxi11::encode(args, vxi11::GenericParms{.lid = lid_, .flags = 0, .lock_timeout_ms = 0, .io_timeout_ms = to_ms(timeout)});
  auto reply = co_await core_call(proc, args.bytes(), timeout);
  if (!reply) co_return fail(reply.error());
  xdr::Reader in(*reply);
  auto code = vxi11::decode_error(in);
  if (!code) co_return fail(Error(code.error()).at(describe(), what));
  if (*code != vxi11::ErrorCode::no_error) co_return fail(vxi11::to_error(*code, describe(), what));
  co_return Status{};
}

asio::awaitable<Result<std::uint8_t>> Vxi11Link::read_status_byte(Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  xdr::Writer args;
  vxi11::encode(args, vxi11::GenericParms{.lid = lid_, .flags = 0, .lock_timeout_ms = 0, .io_timeout_ms = to_ms(timeout)});
  auto reply = co_await core_call(Proc::device_readstb, args.bytes(), timeout);
  if (!reply) co_return fail(reply.error());
  xdr::Reader in(*reply);
  auto resp = vxi11::decode_readstb_resp(in);
  if (!resp) co_return fail(Error(resp.error()).at(describe(), "device_readstb"));
  if (resp->error != vxi11::ErrorCode::no_error) co_return fail(vxi11::to_error(resp->error, describe(), "device_readstb"));
  co_return resp->stb;
}

asio::awaitable<Status> Vxi11Link::device_clear(Millis timeout) {
  pending_.clear();  // VXI-11 Rev 1.0 B.6.17: the device clears its output; so do we
  co_return co_await generic(Proc::device_clear, "device_clear", timeout);
}

asio::awaitable<Status> Vxi11Link::trigger(Millis timeout) {
  co_return co_await generic(Proc::device_trigger, "device_trigger", timeout);
}

asio::awaitable<Status> Vxi11Link::set_remote(RemoteState state, Millis timeout) {
  // VXI-11 Rev 1.0 B.6.18-B.6.19 carry remote and local; local lockout has no core call.
  if (state == RemoteState::local_lockout)
    co_return fail(Errc::invalid_argument, fmt::format("{}: VXI-11 has no local lockout (only device_remote and device_local)", describe()));
  if (state == RemoteState::remote) co_return co_await generic(Proc::device_remote, "device_remote", timeout);
  co_return co_await generic(Proc::device_local, "device_local", timeout);
}

asio::awaitable<Status> Vxi11Link::lock(Millis lock_timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  xdr::Writer args;
  vxi11::encode(args, vxi11::LockParms{.lid = lid_, .flags = lock_timeout.count() > 0 ? vxi11::flags::waitlock : 0u,
                                       .lock_timeout_ms = to_ms(lock_timeout)});
  auto reply = co_await core_call(Proc::device_lock, args.bytes(), lock_timeout);
  if (!reply) co_return fail(reply.error());
  xdr::Reader in(*reply);
  auto code = vxi11::decode_error(in);
  if (!code) co_return fail(Error(code.error()).at(describe(), "device_lock"));
  if (*code != vxi11::ErrorCode::no_error) co_return fail(vxi11::to_error(*code, describe(), "device_lock"));
  co_return Status{};
}

asio::awaitable<Status> Vxi11Link::unlock(Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  xdr::Writer args;
  args.i32(lid_);
  auto reply = co_await core_call(Proc::device_unlock, args.bytes(), timeout);
  if (!reply) co_return fail(reply.error());
  xdr::Reader in(*reply);
  auto code = vxi11::decode_error(in);
  if (!code) co_return fail(Error(code.error()).at(describe(), "device_unlock"));
  if (*code != vxi11::ErrorCode::no_error) co_return fail(vxi11::to_error(*code, describe(), "device_unlock"));
  co_return Status{};
}

namespace {

// device_abort on the abort channel (VXI-11 Rev 1.0 B.6.21), connecting it on first use.
asio::awaitable<void> send_abort(std::shared_ptr<rpc::Client> keep, rpc::Client& client, std::string host,
                                 std::uint16_t port, std::int32_t lid, bool* busy) {
  if (!client.is_open())
    if (auto st = co_await client.connect(host, port, kAbortTimeout); !st) {
      log::warn("vxi11", "{}: {}", client.name(), st.error().describe());
      *busy = false;
      co_return;
    }
  xdr::Writer args;
  args.i32(lid);
  auto reply = co_await client.call(vxi11::kAbortProgram, vxi11::kVersion, static_cast<std::uint32_t>(Proc::device_abort),
                                    args.bytes(), kAbortTimeout);
  if (!reply) log::warn("vxi11", "{}: device_abort: {}", client.name(), reply.error().describe());
  *busy = false;
  (void)keep;
}

}  // namespace

void Vxi11Link::cancel() {
  asio::post(executor_, [this] {
    if (!core_.in_call()) return;
    core_.cancel();
    if (!linked_ || abort_port_ == 0 || abort_->busy) return;
    abort_->busy = true;
    auto channel = abort_;
    std::shared_ptr<rpc::Client> keep(channel, &channel->client);
    asio::co_spawn(executor_, send_abort(keep, channel->client, address_.host, abort_port_, lid_, &channel->busy), asio::detached);
  });
}

void Vxi11Link::close() {
  if (linked_ && core_.is_open()) {
    // VXI-11 Rev 1.0 B.6.4: destroy_link frees the link and any lock it holds; a server also
    // does so when the connection closes, so its reply is not awaited.
    xdr::Writer args;
    args.i32(lid_);
    core_.send_and_forget(vxi11::kCoreProgram, vxi11::kVersion, static_cast<std::uint32_t>(Proc::destroy_link), args.bytes());
  }
  linked_ = false;
  pending_.clear();
  core_.close();
  if (!abort_->busy) abort_->client.close();
}

}  // namespace ledlab::io
