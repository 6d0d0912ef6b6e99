// One HiSLIP session on the server: its synchronous channel (program and response messages,
// Trigger, the end of a device clear) and its asynchronous channel (status query, device
// clear, locks, maximum message size, remote/local).
#include "core/log.hpp"
#include "scpi/server/hislip_server.hpp"
#include "scpi/server/hislip_wire.hpp"
#include "scpi/server/reply_pacing.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
namespace hs = io::hislip;
using hs::MessageType;

namespace {
constexpr std::string_view kModule = "hislip";

// The Data/DataEnd messages of one response, none larger than the client takes; each carries
// the message id of the DataEnd that asked (IVI-6.1 section 3: the client matches them).
std::string response_messages(std::string_view response, std::uint64_t client_max, std::uint32_t message_id) {
  std::string out;
  const auto part = static_cast<std::size_t>(std::max<std::uint64_t>(client_max, 1));
  std::size_t at = 0;
  do {
    const std::size_t n = std::min(part, response.size() - at);
    const bool last = at + n == response.size();
    out += hs::encode(last ? MessageType::data_end : MessageType::data, 0, message_id, response.substr(at, n));
    at += n;
  } while (at < response.size());
  return out;
}
}  // namespace

// The asynchronous channel is written from both coroutines of a session (its own replies, and
// AsyncInterrupted from the synchronous side): one writer at a time, in order.
asio::awaitable<boost::system::error_code> HislipServer::send_async(std::shared_ptr<Session> s, std::string bytes) {
  s->async_queue.push_back(std::move(bytes));
  if (s->async_writing) co_return boost::system::error_code{};  // the writer in flight sends it
  s->async_writing = true;
  boost::system::error_code ec;
  while (!ec && !s->async_queue.empty()) {
    std::string next = std::move(s->async_queue.front());
    s->async_queue.pop_front();
    ec = co_await hislip_wire::send(*s->async, std::move(next));
  }
  s->async_writing = false;
  co_return ec;
}

asio::awaitable<void> HislipServer::serve_sync(std::shared_ptr<Session> s) {
  Device& device = *s->target->device;
  while (!s->closed) {
    auto in = co_await hislip_wire::read(*s->sync, options_.max_message_bytes);
    if (in.ec || s->closed) break;
    const auto& h = in.decoded.header;
    if (in.decoded.fault == hs::HeaderFault::bad_prologue) {
      std::string fatal_prologue = hs::encode(hs::MessageType::fatal_error, hs::fatal::bad_header, 0,
                                              "message header does not start with \"HS\"");
      co_await hislip_wire::send(*s->sync, std::move(fatal_prologue));
      break;
    }
    if (in.decoded.fault == hs::HeaderFault::too_long) {
      if (!in.is_data()) {
        std::string fatal_length =
            hs::encode(hs::MessageType::fatal_error, hs::fatal::bad_header, 0,
                       fmt::format("{} announces a payload of {} bytes", hs::type_name(h.type), h.payload_length));
        co_await hislip_wire::send(*s->sync, std::move(fatal_length));
        break;
      }
      // IVI-6.1 section 2.6: a message beyond the maximum message size is refused with Error
      // (message too large); the rest of the program message goes with it.
      std::string too_large =
          hs::encode(hs::MessageType::error, hs::nonfatal::too_large, 0,
                     fmt::format("a {}-byte {} exceeds the maximum message size of {} bytes", h.payload_length,
                                 hs::type_name(h.type), options_.max_message_bytes));
      co_await hislip_wire::send(*s->sync, std::move(too_large));
      s->input.clear();
      s->skipping = h.message_type() == MessageType::data;
      s->in_message = s->skipping;
      if (co_await hislip_wire::discard(*s->sync, h.payload_length)) break;
      continue;
    }
    const auto type = h.message_type();
    if (type == MessageType::data || type == MessageType::data_end || type == MessageType::trigger) {
      if (!s->async) {
        std::string fatal_early = hs::encode(hs::MessageType::fatal_error, hs::fatal::channels_not_ready, 0,
                                             "the asynchronous channel is not open yet (AsyncInitialize)");
        co_await hislip_wire::send(*s->sync, std::move(fatal_early));
        break;
      }
      if (s->clearing) continue;  // between AsyncDeviceClear and DeviceClearComplete: dropped
      while (s->target->blocks(s->id) && !s->closed)
        co_await wait_for_release(*s->target, std::chrono::steady_clock::time_point::max());
      if (s->closed) break;
      if (!s->in_message) {
        // IVI-6.1 section 3 (synchronized mode): a new message while the client has not
        // read the last response (RMT-delivered clear) interrupts it, as IEEE 488.2 6.3.2.3's
        // query interrupted; both channels say so, with the new message's id.
        if (h.control & hs::kRmtDelivered) s->response_unread = false;
        if (s->response_unread && !options_.overlapped) {
          s->response_unread = false;
          std::string interrupted = hs::encode(MessageType::interrupted, 0, h.parameter);
          if (co_await hislip_wire::send(*s->sync, std::move(interrupted))) break;
          std::string async_interrupted = hs::encode(MessageType::async_interrupted, 0, h.parameter);
          if (co_await send_async(s, std::move(async_interrupted))) break;
        }
      }
      s->in_message = type == MessageType::data;
      if (type == MessageType::trigger) {
        (void)device.execute("*TRG", s->state);  // IEEE 488.2 10.37: *TRG is the GET of the bus
        continue;
      }
      if (s->input.size() + in.payload.size() > device.buffers.input_bytes) {
        if (!s->skipping) device.input_overrun();  // -363, as on the raw socket
        s->input.clear();
        s->skipping = true;
      } else if (!s->skipping) {
        s->input += in.payload;
      }
      if (type == MessageType::data) continue;
      if (std::exchange(s->skipping, false)) continue;
      co_await run_message(s, h.parameter);
      continue;
    }
    if (type == MessageType::device_clear_complete) {
      s->clearing = false;
      s->in_message = false;
      s->response_unread = false;
      s->skipping = false;
      s->input.clear();
      std::string ack = hs::encode(MessageType::device_clear_acknowledge, options_.overlapped ? hs::kOverlapped : 0, 0);
      if (co_await hislip_wire::send(*s->sync, std::move(ack))) break;
      continue;
    }
    std::string unknown = hs::encode(hs::MessageType::error, hs::nonfatal::unknown_type, 0,
                                     fmt::format("{} is not taken on the synchronous channel", hs::type_name(h.type)));
    co_await hislip_wire::send(*s->sync, std::move(unknown));
  }
  close_session(*s);
}

asio::awaitable<void> HislipServer::run_message(std::shared_ptr<Session> s, std::uint32_t message_id) {
  Device& device = *s->target->device;
  const std::uint64_t generation = s->clear_generation;
  std::string message = std::move(s->input);
  s->input.clear();
  std::string response;
  std::size_t from = 0;
  while (from < message.size()) {
    auto end = message.find('\n', from);
    if (end == std::string::npos) end = message.size();
    std::string_view line(message.data() + from, end - from);
    from = end + 1;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (device.faults().in_outage()) {
      close_session(*s);
      co_return;
    }
    Outcome out = device.execute(line, s->state);
    if (device.faults().in_outage() || out.fault.drop) {
      log::info(kModule, "{}: injected fault: closing HiSLIP session {}", device.identity().model, s->id);
      close_session(*s);
      co_return;
    }
    if (!out.has_reply) continue;
    co_await hold_reply(io_, *clock_, out, s->reply_timer);
    if (s->closed || generation != s->clear_generation) co_return;  // closed, or a device clear came first
    if (out.fault.garble) device.faults().garble_text(out.reply);
    response += out.reply;
    response += '\n';
  }
  if (response.empty()) co_return;
  s->response_unread = true;
  std::string messages = response_messages(response, s->client_max, message_id);
  if (co_await hislip_wire::send(*s->sync, std::move(messages))) close_session(*s);
}

asio::awaitable<void> HislipServer::serve_async(std::shared_ptr<Session> s) {
  Device& device = *s->target->device;
  while (!s->closed) {
    auto in = co_await hislip_wire::read(*s->async, 0);
    if (in.ec || s->closed) break;
    const auto& h = in.decoded.header;
    if (in.decoded.fault != hs::HeaderFault::none) {
      std::string fatal_header =
          hs::encode(hs::MessageType::fatal_error, hs::fatal::bad_header, 0,
                     in.decoded.fault == hs::HeaderFault::bad_prologue
                         ? std::string("message header does not start with \"HS\"")
                         : fmt::format("{} announces a payload of {} bytes", hs::type_name(h.type), h.payload_length));
      co_await send_async(s, std::move(fatal_header));
      break;
    }
    // Powered off (SIM:FAULt:OUTage): nothing answers on either channel, as on the raw socket.
    if (device.faults().in_outage()) break;
    std::string reply;
    switch (h.message_type()) {
      case MessageType::async_maximum_message_size: {
        auto size = hs::decode_u64(in.payload, "AsyncMaximumMessageSize");
        if (!size || *size == 0) {
          std::string bad_size = hs::encode(hs::MessageType::error, hs::nonfatal::unidentified, 0,
                                            "AsyncMaximumMessageSize carries an 8-byte size above 0");
          co_await send_async(s, std::move(bad_size));
          continue;
        }
        s->client_max = *size;
        reply = hs::encode(MessageType::async_maximum_message_size_response, 0, 0,
                           hs::encode_u64(options_.max_message_bytes));
        break;
      }
      case MessageType::async_status_query:
        // The status byte of the device's IEEE 488.2 status model, brought up to date first as
        // for *STB? (Device::before_command).
        // MAV is the session's own: set while a response it was sent is not known to be read
        // (IVI-6.1 AsyncStatusQuery: RMT-delivered in the control code says it was).
        if (device.before_command) device.before_command();
        if (h.control & hs::kRmtDelivered) s->response_unread = false;
        reply = hs::encode(
            MessageType::async_status_response,
            static_cast<std::uint8_t>(device.status().status_byte() | (s->response_unread ? stb::mav : 0)), 0);
        break;
      case MessageType::async_device_clear:
        // IVI-6.1 Device Clear Transaction: from here until DeviceClearComplete the
        // synchronous channel's messages are dropped, and a response still being prepared is
        // not sent.
        s->clearing = true;
        ++s->clear_generation;
        s->reply_timer.cancel();
        reply = hs::encode(MessageType::async_device_clear_acknowledge, options_.overlapped ? hs::kOverlapped : 0, 0);
        break;
      case MessageType::async_lock:
        if (h.control == 1) {
          co_await lock_request(s, in.payload, h.parameter);
          continue;
        } else {
          Target& t = *s->target;
          const bool exclusive = t.exclusive == s->id, shared = t.shared.contains(s->id);
          release_locks(*s);
          reply = hs::encode(MessageType::async_lock_response,
                             exclusive ? hs::lock_reply::success
                             : shared  ? hs::lock_reply::success_shared
                                       : hs::lock_reply::error,
                             0);
        }
        break;
      case MessageType::async_lock_info: {
        const Target& t = *s->target;
        reply = hs::encode(MessageType::async_lock_info_response, t.exclusive != 0 ? 1 : 0,
                           static_cast<std::uint32_t>(t.shared.size() +
                                                      (t.exclusive != 0 && !t.shared.contains(t.exclusive) ? 1 : 0)));
        break;
      }
      case MessageType::async_remote_local_control:
        // The twins have no front panel to lock out: the request is acknowledged.
        if (h.control > 6) {
          std::string bad_control =
              hs::encode(hs::MessageType::error, hs::nonfatal::unknown_control, 0,
                         fmt::format("AsyncRemoteLocalControl request {} is not 0..6", h.control));
          co_await send_async(s, std::move(bad_control));
          continue;
        }
        reply = hs::encode(MessageType::async_remote_local_response, 0, h.parameter);
        break;
      default:
        std::string unknown =
            hs::encode(hs::MessageType::error, hs::nonfatal::unknown_type, 0,
                       fmt::format("{} is not taken on the asynchronous channel", hs::type_name(h.type)));
        co_await send_async(s, std::move(unknown));
        continue;
    }
    if (co_await send_async(s, std::move(reply))) break;
  }
  close_session(*s);
}

asio::awaitable<void> HislipServer::lock_request(std::shared_ptr<Session> s, std::string name, std::uint32_t wait_ms) {
  Target& t = *s->target;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (!t.can_lock(s->id, name) && !s->closed && std::chrono::steady_clock::now() < deadline)
    co_await wait_for_release(t, deadline);
  if (s->closed) co_return;
  std::uint8_t code = hs::lock_reply::failure;
  if (t.can_lock(s->id, name)) {
    if (name.empty())
      t.exclusive = s->id;
    else
      t.shared[s->id] = name;
    code = hs::lock_reply::success;
  }
  std::string lock_answer = hs::encode(MessageType::async_lock_response, code, 0);
  if (co_await send_async(s, std::move(lock_answer))) close_session(*s);
}

}  // namespace ledlab::scpi::server
