#include "io/modbus/protocol.hpp"

#include <fmt/format.h>

namespace ledlab::io::modbus {
namespace {

void put16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));  // Application Protocol 4.2: big-endian
  out.push_back(static_cast<char>(v & 0xFF));
}

std::uint16_t get16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8) | static_cast<unsigned char>(s[at + 1]));
}

std::uint8_t byte_at(std::string_view s, std::size_t at) { return static_cast<unsigned char>(s[at]); }

bool known(std::uint8_t f) {
  return f == 0x03 || f == 0x04 || f == 0x06 || f == 0x10;
}

}  // namespace

std::string_view exception_name(std::uint8_t code) {
  switch (code) {
    case 1: return "illegal function";
    case 2: return "illegal data address";
    case 3: return "illegal data value";
    case 4: return "server device failure";
    case 5: return "acknowledge";
    case 6: return "server device busy";
    case 8: return "memory parity error";
    case 0x0A: return "gateway path unavailable";
    case 0x0B: return "gateway target device failed to respond";
    default: return "unknown exception";
  }
}

std::string encode_request(const Request& r) {
  std::string pdu;
  pdu.push_back(static_cast<char>(r.function));
  put16(pdu, r.address);
  switch (r.function) {
    case Function::read_holding_registers:
    case Function::read_input_registers:
      put16(pdu, r.count);
      break;
    case Function::write_single_register:
      put16(pdu, r.values.empty() ? std::uint16_t{0} : r.values.front());
      break;
    case Function::write_multiple_registers:
      put16(pdu, static_cast<std::uint16_t>(r.values.size()));
      pdu.push_back(static_cast<char>(r.values.size() * 2));
      for (auto v : r.values) put16(pdu, v);
      break;
  }
  return pdu;
}

std::optional<std::size_t> request_pdu_size(std::string_view head) {
  if (head.empty()) return std::nullopt;
  const std::uint8_t f = byte_at(head, 0);
  if (!known(f)) return 0;
  if (f != 0x10) return 5;
  if (head.size() < 6) return std::nullopt;
  return 6 + std::size_t{byte_at(head, 5)};
}

std::optional<std::size_t> response_pdu_size(std::string_view head) {
  if (head.empty()) return std::nullopt;
  const std::uint8_t f = byte_at(head, 0);
  if (f & 0x80) return 2;
  if (!known(f)) return 0;
  if (f == 0x06 || f == 0x10) return 5;
  if (head.size() < 2) return std::nullopt;
  return 2 + std::size_t{byte_at(head, 1)};
}

DecodedRequest decode_request(std::string_view pdu) {
  DecodedRequest out;
  if (pdu.empty()) {
    out.exception = Exception::illegal_function;
    return out;
  }
  const std::uint8_t f = byte_at(pdu, 0);
  if (!known(f)) {
    out.exception = Exception::illegal_function;
    return out;
  }
  out.request.function = static_cast<Function>(f);
  // Application Protocol 6.x: a request of the wrong size is an illegal data value.
  const auto expected = request_pdu_size(pdu);
  if (!expected || *expected != pdu.size() || pdu.size() < 5) {
    out.exception = Exception::illegal_data_value;
    return out;
  }
  out.request.address = get16(pdu, 1);
  switch (out.request.function) {
    case Function::read_holding_registers:
    case Function::read_input_registers:
      out.request.count = get16(pdu, 3);
      if (out.request.count < 1 || out.request.count > kMaxReadRegisters) out.exception = Exception::illegal_data_value;
      break;
    case Function::write_single_register:
      out.request.count = 1;
      out.request.values.push_back(get16(pdu, 3));
      break;
    case Function::write_multiple_registers: {
      const std::uint16_t count = get16(pdu, 3);
      const std::size_t bytes = byte_at(pdu, 5);
      if (count < 1 || count > kMaxWriteRegisters || bytes != std::size_t{count} * 2) {
        out.exception = Exception::illegal_data_value;
        break;
      }
      out.request.count = count;
      for (std::size_t i = 0; i < count; ++i) out.request.values.push_back(get16(pdu, 6 + 2 * i));
      break;
    }
  }
  // Application Protocol 6.3: address + count beyond 0xFFFF is an illegal data address.
  if (out.exception == Exception::none && std::size_t{out.request.address} + out.request.count > 0x10000)
    out.exception = Exception::illegal_data_address;
  return out;
}

std::string encode_read_response(Function function, const std::vector<std::uint16_t>& registers) {
  std::string pdu;
  pdu.push_back(static_cast<char>(function));
  pdu.push_back(static_cast<char>(registers.size() * 2));
  for (auto v : registers) put16(pdu, v);
  return pdu;
}

std::string encode_write_response(const Request& r) {
  std::string pdu;
  pdu.push_back(static_cast<char>(r.function));
  put16(pdu, r.address);
  put16(pdu, r.function == Function::write_single_register ? r.values.front() : r.count);
  return pdu;
}

std::string encode_exception(Function function, Exception exception) {
  std::string pdu;
  pdu.push_back(static_cast<char>(static_cast<std::uint8_t>(function) | 0x80));
  pdu.push_back(static_cast<char>(exception));
  return pdu;
}

Result<Reply> decode_response(const Request& request, std::string_view pdu) {
  if (pdu.empty()) return fail(Errc::protocol, "empty Modbus response");
  const std::uint8_t f = byte_at(pdu, 0);
  const auto sent = static_cast<std::uint8_t>(request.function);
  Reply reply;
  if (f == (sent | 0x80)) {
    if (pdu.size() != 2) return fail(Errc::protocol, fmt::format("exception response of {} bytes (expected 2)", pdu.size()));
    reply.exception = byte_at(pdu, 1);
    return reply;
  }
  if (f != sent) return fail(Errc::protocol, fmt::format("response to function {:02X} names function {:02X}", sent, f));
  switch (request.function) {
    case Function::read_holding_registers:
    case Function::read_input_registers: {
      if (pdu.size() < 2) return fail(Errc::protocol, "read response without its byte count");
      const std::size_t bytes = byte_at(pdu, 1);
      if (bytes != std::size_t{request.count} * 2 || pdu.size() != 2 + bytes)
        return fail(Errc::protocol, fmt::format("read of {} registers answered with byte count {} in {} bytes",
                                                request.count, bytes, pdu.size()));
      for (std::size_t i = 0; i < request.count; ++i) reply.registers.push_back(get16(pdu, 2 + 2 * i));
      return reply;
    }
    case Function::write_single_register:
    case Function::write_multiple_registers: {
      if (pdu.size() != 5) return fail(Errc::protocol, fmt::format("write response of {} bytes (expected 5)", pdu.size()));
      const std::uint16_t second =
          request.function == Function::write_single_register ? request.values.front() : request.count;
      if (get16(pdu, 1) != request.address || get16(pdu, 3) != second)
        return fail(Errc::protocol, fmt::format("write response echoes {}/{} for {}/{}", get16(pdu, 1), get16(pdu, 3),
                                                request.address, second));
      return reply;
    }
  }
  return fail(Errc::protocol, "unknown function");
}

std::string encode_mbap(std::uint16_t transaction, std::uint8_t unit, std::string_view pdu) {
  std::string out;
  out.reserve(kMbapBytes + pdu.size());
  put16(out, transaction);
  put16(out, 0);  // protocol identifier: 0 = Modbus
  put16(out, static_cast<std::uint16_t>(pdu.size() + 1));
  out.push_back(static_cast<char>(unit));
  out.append(pdu);
  return out;
}

Result<Mbap> decode_mbap(std::string_view header) {
  if (header.size() < kMbapBytes) return fail(Errc::protocol, fmt::format("MBAP header of {} bytes", header.size()));
  Mbap m{get16(header, 0), get16(header, 2), get16(header, 4), byte_at(header, 6)};
  if (m.protocol != 0) return fail(Errc::protocol, fmt::format("MBAP protocol identifier {} (Modbus is 0)", m.protocol));
  if (m.length < 2 || m.length > kMaxMbapLength)
    return fail(Errc::protocol, fmt::format("MBAP length {} outside 2..{}", m.length, kMaxMbapLength));
  return m;
}

std::uint16_t crc16(std::string_view bytes) {
  std::uint16_t crc = 0xFFFF;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc & 1) ? static_cast<std::uint16_t>((crc >> 1) ^ 0xA001) : static_cast<std::uint16_t>(crc >> 1);
  }
  return crc;
}

std::string encode_rtu(std::uint8_t unit, std::string_view pdu) {
  std::string frame;
  frame.push_back(static_cast<char>(unit));
  frame.append(pdu);
  const std::uint16_t crc = crc16(frame);
  frame.push_back(static_cast<char>(crc & 0xFF));  // Serial Line 2.5.1.2: CRC low byte first
  frame.push_back(static_cast<char>(crc >> 8));
  return frame;
}

Result<RtuFrame> decode_rtu(std::string_view frame) {
  if (frame.size() < 4 || frame.size() > kMaxRtuFrame)
    return fail(Errc::protocol, fmt::format("RTU frame of {} bytes outside 4..{}", frame.size(), kMaxRtuFrame));
  const std::uint16_t sent = static_cast<std::uint16_t>(byte_at(frame, frame.size() - 2) | (byte_at(frame, frame.size() - 1) << 8));
  const std::uint16_t computed = crc16(frame.substr(0, frame.size() - 2));
  if (sent != computed)
    return fail(Errc::protocol, fmt::format("RTU frame CRC {:04X} does not match {:04X}", sent, computed));
  return RtuFrame{byte_at(frame, 0), std::string(frame.substr(1, frame.size() - 3))};
}

}  // namespace ledlab::io::modbus
