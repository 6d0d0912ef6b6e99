#include "io/hislip/hislip_link.hpp"

#include "core/log.hpp"

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace ledlab::io {

namespace asio = boost::asio;
using namespace hislip;

namespace {
constexpr std::string_view kModule = "hislip";
// What the asynchronous channel's messages and an Error's text may hold: they carry a few
// bytes (a size, a lock name, a message), never a response.
constexpr std::uint64_t kControlPayloadMax = 64u << 10;

std::string fatal_name(std::uint8_t code) {
  switch (code) {
    case fatal::bad_header:
      return "poorly formed message header";
    case fatal::channels_not_ready:
      return "both channels not established";
    case fatal::bad_initialization:
      return "invalid initialization sequence";
    case fatal::too_many_clients:
      return "maximum number of clients exceeded";
    default:
      return fmt::format("unidentified error ({})", code);
  }
}

std::string error_name(std::uint8_t code) {
  switch (code) {
    case nonfatal::unknown_type:
      return "unrecognized message type";
    case nonfatal::unknown_control:
      return "unrecognized control code";
    case nonfatal::unknown_vendor:
      return "unrecognized vendor-defined message";
    case nonfatal::too_large:
      return "message too large";
    default:
      return fmt::format("unidentified error ({})", code);
  }
}

}  // namespace

HislipLink::HislipLink(asio::any_io_executor executor, Address address, Options options)
    : executor_(executor),
      address_(std::move(address)),
      options_(options),
      sync_(executor, describe() + " (synchronous channel)"),
      async_(executor, describe() + " (asynchronous channel)") {}

HislipLink::~HislipLink() { close(); }

std::string HislipLink::describe() const { return hislip_canonical(address_); }

Error HislipLink::server_error(const Message& m, std::string_view channel) {
  const std::string text = m.payload.substr(0, 512);
  if (m.type() == MessageType::fatal_error) {
    // IVI-6.1 (Fatal Error Detection and Synchronization Recovery): after a FatalError the
    // server closes both channels; only a new connection (Initialize) goes on.
    close();
    return make_error(Errc::disconnected,
                      fmt::format("{}: the server sent FatalError on the {} channel: {}{}{}", describe(), channel,
                                  fatal_name(m.header.control), text.empty() ? "" : ": ", text));
  }
  return make_error(Errc::protocol, fmt::format("{}: the server sent Error on the {} channel: {}{}{}", describe(),
                                                channel, error_name(m.header.control), text.empty() ? "" : ": ", text));
}

std::uint32_t HislipLink::take_message_id() {
  const std::uint32_t id = message_id_;
  message_id_ = next_message_id(message_id_);
  return id;
}

std::uint8_t HislipLink::rmt_bit() { return std::exchange(rmt_delivered_, false) ? kRmtDelivered : 0; }

asio::awaitable<Status> HislipLink::connect(Millis timeout) {
  close();
  auto st = co_await handshake(timeout);
  if (!st) close();
  co_return st;
}

asio::awaitable<Status> HislipLink::handshake(Millis timeout) {
  // IVI-6.1 Initialization Transaction: the synchronous channel first.
  if (auto st = co_await sync_.connect(address_.host, address_.port, timeout); !st) co_return st;
  std::string initialize =
      encode(MessageType::initialize, 0, pack16(kProtocolVersion, kVendorId), address_.sub_address);
  if (auto st = co_await sync_.send(std::move(initialize), timeout); !st) co_return st;
  auto init = co_await sync_.receive(kControlPayloadMax, timeout);
  if (!init) co_return fail(init.error());
  if (init->type() == MessageType::fatal_error || init->type() == MessageType::error)
    co_return fail(server_error(*init, "synchronous"));
  if (init->type() != MessageType::initialize_response)
    co_return fail(Errc::protocol,
                   fmt::format("{}: expected InitializeResponse, got {}", describe(), type_name(init->header.type)));
  server_version_ = upper16(init->header.parameter);
  session_id_ = lower16(init->header.parameter);
  overlapped_ = (init->header.control & kOverlapped) != 0;

  if (auto st = co_await async_.connect(address_.host, address_.port, timeout); !st) co_return st;
  std::string async_initialize = encode(MessageType::async_initialize, 0, session_id_);
  if (auto st = co_await async_.send(std::move(async_initialize), timeout); !st) co_return st;
  auto ainit = co_await async_reply(MessageType::async_initialize_response, timeout);
  if (!ainit) co_return fail(ainit.error());

  // IVI-6.1 section 2.6 (buffer sizes): each side tells the other the largest message it takes.
  std::string max_size = encode(MessageType::async_maximum_message_size, 0, 0, encode_u64(options_.max_message_bytes));
  if (auto st = co_await async_.send(std::move(max_size), timeout); !st) co_return st;
  auto size = co_await async_reply(MessageType::async_maximum_message_size_response, timeout);
  if (!size) co_return fail(size.error());
  auto server_max = decode_u64(size->payload, describe() + ": AsyncMaximumMessageSizeResponse");
  if (!server_max) co_return fail(server_max.error());
  if (*server_max == 0)
    co_return fail(Errc::protocol, fmt::format("{}: the server takes messages of at most 0 bytes", describe()));
  server_max_ = *server_max;
  message_id_ = stale_before_ = kFirstMessageId;
  rmt_delivered_ = false;
  rx_.clear();
  log::debug(kModule, "{}: session {} ({} mode, server version {}.{}, messages up to {} bytes)", describe(),
             session_id_, overlapped_ ? "overlapped" : "synchronized", server_version_ >> 8, server_version_ & 0xff,
             server_max_);
  std::string exclusive;  // an empty lock name asks for the exclusive lock
  if (address_.hislip_lock) co_return co_await lock(std::move(exclusive), timeout, timeout);
  co_return Status{};
}

asio::awaitable<Status> HislipLink::write(std::string_view bytes, Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // A message larger than the server takes goes as Data messages of its maximum size; the last
  // part is a DataEnd (the END of IEEE 488.2), also when the message is empty.
  const std::size_t part =
      static_cast<std::size_t>(std::min<std::uint64_t>(server_max_, std::numeric_limits<std::size_t>::max()));
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(part, bytes.size() - at);
    const bool last = at + n == bytes.size();
    const auto type = last ? MessageType::data_end : MessageType::data;
    std::string part_message = encode(type, rmt_bit(), take_message_id(), bytes.substr(at, n));
    if (auto st = co_await sync_.send(std::move(part_message), timeout); !st) co_return st;
    at += n;
  } while (at < bytes.size());
  co_return Status{};
}

asio::awaitable<Result<std::size_t>> HislipLink::read_some(std::span<char> buffer, Millis timeout) {
  if (buffer.empty()) co_return fail(Errc::invalid_argument, fmt::format("{}: read into an empty buffer", describe()));
  for (;;) {
    if (!rx_.empty()) {
      const std::size_t n = std::min(buffer.size(), rx_.size());
      std::memcpy(buffer.data(), rx_.data(), n);
      rx_.erase(0, n);
      co_return n;
    }
    if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
    auto m = co_await sync_.receive(std::max(options_.max_message_bytes, kControlPayloadMax), timeout);
    if (!m) {
      // What was asked before a read gave up is answered too late to be taken for the next
      // question's answer: those responses are stale from now on.
      if (m.error().code == Errc::timeout || m.error().code == Errc::cancelled) stale_before_ = message_id_;
      co_return fail(m.error());
    }
    switch (m->type()) {
      case MessageType::data:
      case MessageType::data_end:
        if (message_id_before(m->header.parameter, stale_before_)) {
          ++stale_responses_;
          log::debug(kModule, "{}: dropped a stale {} for message id {:#x}", describe(), type_name(m->header.type),
                     m->header.parameter);
          continue;
        }
        if (m->type() == MessageType::data_end) rmt_delivered_ = true;
        rx_ = std::move(m->payload);
        continue;
      case MessageType::interrupted:
        // IVI-6.1 section 3 (synchronized mode): the server dropped a response because a new
        // message came first; whatever arrived of it goes too.
        rx_.clear();
        continue;
      case MessageType::error:
      case MessageType::fatal_error:
        co_return fail(server_error(*m, "synchronous"));
      default:
        co_return fail(Errc::protocol, fmt::format("{}: unexpected {} on the synchronous channel", describe(),
                                                   type_name(m->header.type)));
    }
  }
}

asio::awaitable<Result<Message>> HislipLink::async_reply(MessageType wanted, Millis timeout) {
  for (;;) {
    auto m = co_await async_.receive(kControlPayloadMax, timeout);
    if (!m) co_return m;
    if (m->type() == wanted) co_return m;
    if (m->type() == MessageType::async_service_request) {
      ++service_requests_;
      continue;
    }
    if (m->type() == MessageType::async_interrupted) continue;
    if (m->type() == MessageType::error || m->type() == MessageType::fatal_error)
      co_return fail(server_error(*m, "asynchronous"));
    co_return fail(Errc::protocol,
                   fmt::format("{}: expected {}, got {} on the asynchronous channel", describe(),
                               type_name(static_cast<std::uint8_t>(wanted)), type_name(m->header.type)));
  }
}

asio::awaitable<Result<std::uint8_t>> HislipLink::read_status_byte(Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // IVI-6.1 AsyncStatusQuery: the parameter is the id of the last message sent, the control
  // code tells whether its response was delivered (the server then clears MAV).
  const std::uint8_t rmt = rmt_delivered_ ? kRmtDelivered : 0;
  std::string query = encode(MessageType::async_status_query, rmt, message_id_ - 2);
  if (auto st = co_await async_.send(std::move(query), timeout); !st) co_return fail(st.error());
  auto reply = co_await async_reply(MessageType::async_status_response, timeout);
  if (!reply) co_return fail(reply.error());
  co_return reply->header.control;
}

asio::awaitable<Status> HislipLink::device_clear(Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // IVI-6.1 Device Clear Transaction: AsyncDeviceClear, the server's acknowledgement with its
  // preferred mode, then DeviceClearComplete on the synchronous channel; whatever the server
  // still had in flight there arrives before its DeviceClearAcknowledge and is dropped.
  std::string clear = encode(MessageType::async_device_clear, 0, 0);
  if (auto st = co_await async_.send(std::move(clear), timeout); !st) co_return st;
  auto ack = co_await async_reply(MessageType::async_device_clear_acknowledge, timeout);
  if (!ack) co_return fail(ack.error());
  const std::uint8_t wanted = ack->header.control & kOverlapped;
  std::string complete = encode(MessageType::device_clear_complete, wanted, 0);
  if (auto st = co_await sync_.send(std::move(complete), timeout); !st) co_return st;
  for (;;) {
    auto m = co_await sync_.receive(std::max(options_.max_message_bytes, kControlPayloadMax), timeout);
    if (!m) co_return fail(m.error());
    if (m->type() == MessageType::device_clear_acknowledge) {
      overlapped_ = (m->header.control & kOverlapped) != 0;
      break;
    }
    if (m->type() == MessageType::fatal_error) co_return fail(server_error(*m, "synchronous"));
  }
  message_id_ = stale_before_ = kFirstMessageId;
  rmt_delivered_ = false;
  rx_.clear();
  co_return Status{};
}

asio::awaitable<Status> HislipLink::trigger(Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // IVI-6.1 Trigger: a synchronous-channel message with its own message id, as GPIB's GET.
  std::string message = encode(MessageType::trigger, rmt_bit(), take_message_id());
  co_return co_await sync_.send(std::move(message), timeout);
}

asio::awaitable<Status> HislipLink::set_remote(RemoteState state, Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // IVI-6.1 AsyncRemoteLocalControl request codes: 2 disable remote and go to local (REN
  // false), 3 enable remote and go to remote, 5 enable remote, go to remote and set local
  // lockout.
  const std::uint8_t request = state == RemoteState::local ? 2 : state == RemoteState::remote ? 3 : 5;
  std::string request_message = encode(MessageType::async_remote_local_control, request, message_id_ - 2);
  if (auto st = co_await async_.send(std::move(request_message), timeout); !st) co_return st;
  auto reply = co_await async_reply(MessageType::async_remote_local_response, timeout);
  if (!reply) co_return fail(reply.error());
  co_return Status{};
}

asio::awaitable<Status> HislipLink::lock(std::string shared_name, Millis wait, Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // IVI-6.1 AsyncLock, control code 1 (request): the parameter is how long the server may wait
  // for the lock in ms, the payload the shared lock's name (empty: exclusive).
  const auto wait_ms = static_cast<std::uint32_t>(std::clamp<long long>(wait.count(), 0, 0xffffffffLL));
  std::string lock_message = encode(MessageType::async_lock, 1, wait_ms, shared_name);
  if (auto st = co_await async_.send(std::move(lock_message), timeout); !st) co_return st;
  auto reply = co_await async_reply(MessageType::async_lock_response, wait + timeout);
  if (!reply) co_return fail(reply.error());
  if (reply->header.control == lock_reply::success) co_return Status{};
  co_return fail(Errc::instrument,
                 fmt::format("{}: {} lock{} {}", describe(), shared_name.empty() ? "exclusive" : "shared",
                             shared_name.empty() ? "" : " '" + shared_name + "'",
                             reply->header.control == lock_reply::failure
                                 ? fmt::format("not granted within {} ms: another session holds it", wait.count())
                                 : "refused (AsyncLockResponse error)"));
}

asio::awaitable<Status> HislipLink::unlock(Millis timeout) {
  if (!is_open()) co_return fail(Errc::disconnected, fmt::format("{} is not connected", describe()));
  // Control code 0 (release); the parameter is the id of the last message sent.
  std::string release = encode(MessageType::async_lock, 0, message_id_ - 2);
  if (auto st = co_await async_.send(std::move(release), timeout); !st) co_return st;
  auto reply = co_await async_reply(MessageType::async_lock_response, timeout);
  if (!reply) co_return fail(reply.error());
  if (reply->header.control == lock_reply::success || reply->header.control == lock_reply::success_shared)
    co_return Status{};
  co_return fail(Errc::instrument, fmt::format("{}: unlock refused: this session holds no lock", describe()));
}

void HislipLink::cancel() {
  asio::post(executor_, [this] {
    sync_.cancel();
    async_.cancel();
  });
}

void HislipLink::close() {
  sync_.close();
  async_.close();
  rx_.clear();
}

}  // namespace ledlab::io
