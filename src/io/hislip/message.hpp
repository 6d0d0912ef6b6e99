#pragma once
// HiSLIP messages (IVI-6.1, High-Speed LAN Instrument Protocol): the 16-byte header and its
// payload, as both channels carry them. Pure codec; the sockets live in channel.hpp.
//
// IVI-6.1 section 2.2 (Message Header), every field in network (big-endian) order:
//   bytes 0-1   prologue "HS"
//   byte  2     message type (section 2.4, table of message type values)
//   byte  3     control code (its meaning depends on the type)
//   bytes 4-7   message parameter (a message id, a session id, a timeout, ...)
//   bytes 8-15  payload length, then that many payload bytes
#include "core/error.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ledlab::io::hislip {

// IVI-6.1 section 2.1: the IANA-registered HiSLIP port.
inline constexpr std::uint16_t kDefaultPort = 4880;
inline constexpr std::size_t kHeaderBytes = 16;
// IVI-6.1 section 3 (message ids): the client's first message id after Initialize or a device
// clear; each Data, DataEnd or Trigger the client sends takes the next one, two higher,
// wrapping modulo 2^32.
inline constexpr std::uint32_t kFirstMessageId = 0xffffff00u;
inline constexpr std::uint32_t next_message_id(std::uint32_t id) { return id + 2; }
// Whether message id `a` was sent before `b`, over the modulo-2^32 wrap.
inline constexpr bool message_id_before(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::int32_t>(a - b) < 0;
}
// The protocol version this implementation speaks, as Initialize and InitializeResponse carry
// it (major in the upper byte): 1.0, the synchronous/asynchronous channel protocol without the
// 2.0 additions (encryption, credentials), which neither side offers.
inline constexpr std::uint16_t kProtocolVersion = 0x0100;
// Two ASCII letters naming the vendor (IVI-6.1 Initialize / AsyncInitializeResponse parameter).
inline constexpr std::uint16_t kVendorId = ('L' << 8) | 'L';

// IVI-6.1 section 2.4: the numeric message type values (1.x types; 2.0's TLS and credential
// messages are not used here and arrive as unknown types).
enum class MessageType : std::uint8_t {
  initialize = 0,
  initialize_response = 1,
  fatal_error = 2,
  error = 3,
  async_lock = 4,
  async_lock_response = 5,
  data = 6,
  data_end = 7,
  device_clear_complete = 8,
  device_clear_acknowledge = 9,
  async_remote_local_control = 10,
  async_remote_local_response = 11,
  trigger = 12,
  interrupted = 13,
  async_interrupted = 14,
  async_maximum_message_size = 15,
  async_maximum_message_size_response = 16,
  async_initialize = 17,
  async_initialize_response = 18,
  async_device_clear = 19,
  async_service_request = 20,
  async_status_query = 21,
  async_status_response = 22,
  async_device_clear_acknowledge = 23,
  async_lock_info = 24,
  async_lock_info_response = 25,
};
// The type's name as IVI-6.1 spells it ("AsyncStatusQuery"), or "type N" for others.
std::string type_name(std::uint8_t type);
bool is_known_type(std::uint8_t type);

// IVI-6.1 FatalError control codes (Fatal Error Detection and Synchronization Recovery).
namespace fatal {
inline constexpr std::uint8_t unidentified = 0;
inline constexpr std::uint8_t bad_header = 1;          // poorly formed message header
inline constexpr std::uint8_t channels_not_ready = 2;  // both channels not established
inline constexpr std::uint8_t bad_initialization = 3;  // invalid initialization sequence
inline constexpr std::uint8_t too_many_clients = 4;    // maximum number of clients exceeded
}  // namespace fatal
// IVI-6.1 Error (non-fatal) control codes.
namespace nonfatal {
inline constexpr std::uint8_t unidentified = 0;
inline constexpr std::uint8_t unknown_type = 1;     // unrecognized message type
inline constexpr std::uint8_t unknown_control = 2;  // unrecognized control code
inline constexpr std::uint8_t unknown_vendor = 3;   // unrecognized vendor-defined message
inline constexpr std::uint8_t too_large = 4;        // message too large
}  // namespace nonfatal
// IVI-6.1 AsyncLockResponse control codes.
namespace lock_reply {
inline constexpr std::uint8_t failure = 0;         // request: timed out waiting for the lock
inline constexpr std::uint8_t success = 1;         // request granted / exclusive lock released
inline constexpr std::uint8_t success_shared = 2;  // shared lock released
inline constexpr std::uint8_t error = 3;           // release of a lock not held, and the like
}  // namespace lock_reply
// Control code bit 0 of Data, DataEnd and Trigger from the client: RMT-delivered (the client
// read the whole of the previous response, IVI-6.1 section 3). Bit 0 of InitializeResponse,
// AsyncDeviceClearAcknowledge and DeviceClearComplete/-Acknowledge: overlapped mode.
inline constexpr std::uint8_t kRmtDelivered = 0x01;
inline constexpr std::uint8_t kOverlapped = 0x01;

struct Header {
  std::uint8_t type = 0;  // a MessageType, or an unknown value to be refused by the receiver
  std::uint8_t control = 0;
  std::uint32_t parameter = 0;
  std::uint64_t payload_length = 0;

  MessageType message_type() const { return static_cast<MessageType>(type); }
};

struct Message {
  Header header;
  std::string payload;
  MessageType type() const { return header.message_type(); }
};

std::array<char, kHeaderBytes> encode_header(const Header& header);
// A whole message, header and payload (payload_length is taken from the payload).
std::string encode(MessageType type, std::uint8_t control, std::uint32_t parameter, std::string_view payload = {});

// Why a header was refused: the prologue is not "HS" (the stream is out of step and cannot be
// trusted), or the payload is longer than the receiver takes.
enum class HeaderFault { none, bad_prologue, too_long };
struct Decoded {
  Header header;
  HeaderFault fault = HeaderFault::none;
};
// Decodes a header; `max_payload` bounds the payload length before anything is allocated for it.
Decoded decode_header(std::span<const char, kHeaderBytes> bytes, std::uint64_t max_payload);

// Initialize's parameter: protocol version in the upper 16 bits, vendor id in the lower
// (IVI-6.1 Initialization Transaction); InitializeResponse: protocol version and session id.
inline constexpr std::uint32_t pack16(std::uint16_t upper, std::uint16_t lower) {
  return (std::uint32_t{upper} << 16) | lower;
}
inline constexpr std::uint16_t upper16(std::uint32_t v) { return static_cast<std::uint16_t>(v >> 16); }
inline constexpr std::uint16_t lower16(std::uint32_t v) { return static_cast<std::uint16_t>(v & 0xffffu); }

// AsyncMaximumMessageSize and its response carry one 8-byte big-endian size as their payload.
std::string encode_u64(std::uint64_t value);
Result<std::uint64_t> decode_u64(std::string_view payload, std::string_view where);

}  // namespace ledlab::io::hislip
