#pragma once
// Modbus frames, both sides: the PDU of the functions a temperature controller needs (Modbus
// Application Protocol V1.1b3 section 6: 03 read holding registers, 04 read input registers,
// 06 write single register, 16 write multiple registers, and exception responses, section 7),
// the MBAP header of Modbus TCP (Modbus Messaging on TCP/IP V1.0b section 3.1.3) and the RTU
// frame with its CRC (Modbus over Serial Line V1.02 sections 2.5.1 and 6.2.2).
// Every length and count is checked against the protocol's bounds before anything is sized.
#include "core/error.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::io::modbus {

// Application Protocol 4.1: a PDU is at most 253 bytes (256 on a serial line less address and CRC).
constexpr std::size_t kMaxPdu = 253;
// Application Protocol 6.3 / 6.4: at most 125 registers per read; 6.12: at most 123 per write.
constexpr std::uint16_t kMaxReadRegisters = 125;
constexpr std::uint16_t kMaxWriteRegisters = 123;
// Messaging on TCP/IP 3.1.3: the MBAP header is 7 bytes; its length field counts the unit id
// and the PDU, so at most 254.
constexpr std::size_t kMbapBytes = 7;
constexpr std::uint16_t kMaxMbapLength = 1 + kMaxPdu;
// Serial Line 2.5.1: an RTU frame is at most 256 bytes (address, PDU, two CRC bytes).
constexpr std::size_t kMaxRtuFrame = 256;

enum class Function : std::uint8_t {
  read_holding_registers = 0x03,
  read_input_registers = 0x04,
  write_single_register = 0x06,
  write_multiple_registers = 0x10,
};

// Application Protocol section 7 (exception codes).
enum class Exception : std::uint8_t {
  none = 0,
  illegal_function = 1,
  illegal_data_address = 2,
  illegal_data_value = 3,
  server_device_failure = 4,
  acknowledge = 5,
  server_device_busy = 6,
  gateway_path_unavailable = 0x0A,
  gateway_target_failed = 0x0B,
};
std::string_view exception_name(std::uint8_t code);  // "illegal data address"

// One request: a read of `count` registers from `address`, or a write of `values` there.
struct Request {
  Function function = Function::read_holding_registers;
  std::uint16_t address = 0;
  std::uint16_t count = 0;             // reads; writes: values.size()
  std::vector<std::uint16_t> values;   // writes
};

std::string encode_request(const Request& request);
// Server side: the request in a PDU, or the exception to answer it with (illegal function for
// a function this server lacks, illegal data value for a count or byte count out of bounds).
struct DecodedRequest {
  Request request;
  Exception exception = Exception::none;
};
DecodedRequest decode_request(std::string_view pdu);
// How many PDU bytes the request starting with `pdu_head` has, once enough of it is known
// (RTU has no length field: the function fixes it, Serial Line 2.5.1.1). nullopt: not yet
// known; 0: a function this codec does not know.
std::optional<std::size_t> request_pdu_size(std::string_view pdu_head);
std::optional<std::size_t> response_pdu_size(std::string_view pdu_head);

// Server side: the reply PDU.
std::string encode_read_response(Function function, const std::vector<std::uint16_t>& registers);
std::string encode_write_response(const Request& request);
std::string encode_exception(Function function, Exception exception);

// Client side: the registers read (reads), nothing (writes), or the exception code.
struct Reply {
  std::uint8_t exception = 0;
  std::vector<std::uint16_t> registers;
};
// Checks the reply against the request it answers: function, byte count, echoed address and
// values. A mismatch is Errc::protocol saying what differed.
Result<Reply> decode_response(const Request& request, std::string_view pdu);

// Messaging on TCP/IP 3.1.3: transaction id, protocol id 0, length, unit id.
struct Mbap {
  std::uint16_t transaction = 0;
  std::uint16_t protocol = 0;
  std::uint16_t length = 0;  // unit id + PDU bytes
  std::uint8_t unit = 0;
};
std::string encode_mbap(std::uint16_t transaction, std::uint8_t unit, std::string_view pdu);
// Errc::protocol for a protocol id other than 0 or a length outside 2..254.
Result<Mbap> decode_mbap(std::string_view header);

// Serial Line 6.2.2: CRC-16 (polynomial 0xA001 reflected, initial 0xFFFF); sent low byte first.
std::uint16_t crc16(std::string_view bytes);
std::string encode_rtu(std::uint8_t unit, std::string_view pdu);
// The PDU of a whole RTU frame after its address and CRC are checked.
struct RtuFrame {
  std::uint8_t unit = 0;
  std::string pdu;
};
Result<RtuFrame> decode_rtu(std::string_view frame);

}  // namespace ledlab::io::modbus
