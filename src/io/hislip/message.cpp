#include "io/hislip/message.hpp"

#include <fmt/format.h>

#include <array>

namespace ledlab::io::hislip {
namespace {

constexpr std::array<std::string_view, 26> kNames = {
    "Initialize",
    "InitializeResponse",
    "FatalError",
    "Error",
    "AsyncLock",
    "AsyncLockResponse",
    "Data",
    "DataEnd",
    "DeviceClearComplete",
    "DeviceClearAcknowledge",
    "AsyncRemoteLocalControl",
    "AsyncRemoteLocalResponse",
    "Trigger",
    "Interrupted",
    "AsyncInterrupted",
    "AsyncMaximumMessageSize",
    "AsyncMaximumMessageSizeResponse",
    "AsyncInitialize",
    "AsyncInitializeResponse",
    "AsyncDeviceClear",
    "AsyncServiceRequest",
    "AsyncStatusQuery",
    "AsyncStatusResponse",
    "AsyncDeviceClearAcknowledge",
    "AsyncLockInfo",
    "AsyncLockInfoResponse",
};

void put_be(char* out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xffu);
}

std::uint64_t get_be(const char* in, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

bool is_known_type(std::uint8_t type) { return type < kNames.size(); }

std::string type_name(std::uint8_t type) {
  if (is_known_type(type)) return std::string(kNames[type]);
  return fmt::format("type {}", type);
}

std::array<char, kHeaderBytes> encode_header(const Header& header) {
  std::array<char, kHeaderBytes> out{};
  out[0] = 'H';
  out[1] = 'S';
  out[2] = static_cast<char>(header.type);
  out[3] = static_cast<char>(header.control);
  put_be(out.data() + 4, header.parameter, 4);
  put_be(out.data() + 8, header.payload_length, 8);
  return out;
}

std::string encode(MessageType type, std::uint8_t control, std::uint32_t parameter, std::string_view payload) {
  const auto head = encode_header({static_cast<std::uint8_t>(type), control, parameter, payload.size()});
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  out.append(head.data(), head.size());
  out.append(payload);
  return out;
}

Decoded decode_header(std::span<const char, kHeaderBytes> bytes, std::uint64_t max_payload) {
  Decoded d;
  if (bytes[0] != 'H' || bytes[1] != 'S') {
    d.fault = HeaderFault::bad_prologue;
    return d;
  }
  d.header.type = static_cast<std::uint8_t>(bytes[2]);
  d.header.control = static_cast<std::uint8_t>(bytes[3]);
  d.header.parameter = static_cast<std::uint32_t>(get_be(bytes.data() + 4, 4));
  d.header.payload_length = get_be(bytes.data() + 8, 8);
  if (d.header.payload_length > max_payload) d.fault = HeaderFault::too_long;
  return d;
}

std::string encode_u64(std::uint64_t value) {
  std::string out(8, '\0');
  put_be(out.data(), value, 8);
  return out;
}

Result<std::uint64_t> decode_u64(std::string_view payload, std::string_view where) {
  if (payload.size() != 8)
    return fail(Errc::protocol, fmt::format("{}: expected an 8-byte size, got {} bytes", where, payload.size()));
  return get_be(payload.data(), 8);
}

}  // namespace ledlab::io::hislip
