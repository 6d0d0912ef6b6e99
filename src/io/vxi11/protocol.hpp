#pragma once
// VXI-11 Rev 1.0 (TCP/IP Instrument Protocol), section B: the core, abort and interrupt
// channels' programs, procedures, flags, error codes and the messages the client and the
// server exchange, as XDR (RFC 4506) over ONC RPC (RFC 5531). Pure functions over bytes.
#include "core/error.hpp"
#include "io/vxi11/xdr.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace ledlab::io::vxi11 {

// VXI-11 Rev 1.0 B.6.1 (the RPCL of the core and abort channels).
inline constexpr std::uint32_t kCoreProgram = 0x0607AF;   // DEVICE_CORE
inline constexpr std::uint32_t kAbortProgram = 0x0607B0;  // DEVICE_ASYNC
inline constexpr std::uint32_t kIntrProgram = 0x0607B1;   // DEVICE_INTR
inline constexpr std::uint32_t kVersion = 1;

enum class Proc : std::uint32_t {
  null = 0,          // NULLPROC: by RFC 5531's convention procedure 0 of every program does nothing
  device_abort = 1,  // on the abort channel
  create_link = 10,
  device_write = 11,
  device_read = 12,
  device_readstb = 13,
  device_trigger = 14,
  device_clear = 15,
  device_remote = 16,
  device_local = 17,
  device_lock = 18,
  device_unlock = 19,
  device_enable_srq = 20,
  device_docmd = 22,
  destroy_link = 23,
  create_intr_chan = 25,
  destroy_intr_chan = 26,
};

// Device_Flags (VXI-11 Rev 1.0 B.6.3).
namespace flags {
inline constexpr std::uint32_t waitlock = 0x01;  // wait up to lock_timeout for a lock held elsewhere
inline constexpr std::uint32_t end = 0x08;       // device_write: this data ends the message (END)
inline constexpr std::uint32_t termchrset = 0x80;  // device_read: stop at termChar
}  // namespace flags

// Device_ReadResp.reason bits (VXI-11 Rev 1.0 B.6.14).
namespace reason {
inline constexpr std::int32_t reqcnt = 0x1;  // requestSize bytes transferred
inline constexpr std::int32_t chr = 0x2;     // termChar seen
inline constexpr std::int32_t end = 0x4;     // END indicator seen
}  // namespace reason

// Device_ErrorCode (VXI-11 Rev 1.0 B.5, table B.2 "Error Codes").
enum class ErrorCode : std::int32_t {
  no_error = 0,
  syntax_error = 1,
  device_not_accessible = 3,
  invalid_link_identifier = 4,
  parameter_error = 5,
  channel_not_established = 6,
  operation_not_supported = 8,
  out_of_resources = 9,
  device_locked_by_another_link = 11,
  no_lock_held_by_this_link = 12,
  io_timeout = 15,
  io_error = 17,
  invalid_address = 21,
  abort = 23,
  channel_already_established = 29,
};
std::string_view to_string(ErrorCode code);
// How a VXI-11 error reads to a caller: timeout and abort keep their own kinds.
Error to_error(ErrorCode code, std::string_view link, std::string_view procedure);

inline constexpr std::size_t kMaxDeviceName = 256;  // a bound of ours: names are short ("inst0")

struct CreateLinkParms {  // B.6.2 create_link
  std::int32_t client_id = 0;
  bool lock_device = false;
  std::uint32_t lock_timeout_ms = 0;
  std::string device;
};
struct CreateLinkResp {
  ErrorCode error = ErrorCode::no_error;
  std::int32_t lid = 0;
  std::uint16_t abort_port = 0;
  std::uint32_t max_recv_size = 0;
};
struct WriteParms {  // B.6.13 device_write
  std::int32_t lid = 0;
  std::uint32_t io_timeout_ms = 0;
  std::uint32_t lock_timeout_ms = 0;
  std::uint32_t flags = 0;
  std::string data;
};
struct WriteResp {
  ErrorCode error = ErrorCode::no_error;
  std::uint32_t size = 0;
};
struct ReadParms {  // B.6.14 device_read
  std::int32_t lid = 0;
  std::uint32_t request_size = 0;
  std::uint32_t io_timeout_ms = 0;
  std::uint32_t lock_timeout_ms = 0;
  std::uint32_t flags = 0;
  char term_char = '\n';
};
struct ReadResp {
  ErrorCode error = ErrorCode::no_error;
  std::int32_t reason = 0;
  std::string data;
};
struct GenericParms {  // B.6.15-B.6.19: readstb, trigger, clear, remote, local
  std::int32_t lid = 0;
  std::uint32_t flags = 0;
  std::uint32_t lock_timeout_ms = 0;
  std::uint32_t io_timeout_ms = 0;
};
struct ReadStbResp {
  ErrorCode error = ErrorCode::no_error;
  std::uint8_t stb = 0;
};
struct LockParms {  // B.6.20 device_lock
  std::int32_t lid = 0;
  std::uint32_t flags = 0;
  std::uint32_t lock_timeout_ms = 0;
};

void encode(xdr::Writer& out, const CreateLinkParms& m);
void encode(xdr::Writer& out, const CreateLinkResp& m);
void encode(xdr::Writer& out, const WriteParms& m);
void encode(xdr::Writer& out, const WriteResp& m);
void encode(xdr::Writer& out, const ReadParms& m);
void encode(xdr::Writer& out, const ReadResp& m);
void encode(xdr::Writer& out, const GenericParms& m);
void encode(xdr::Writer& out, const ReadStbResp& m);
void encode(xdr::Writer& out, const LockParms& m);
void encode_error(xdr::Writer& out, ErrorCode code);  // Device_Error

// Opaque data bounds are the caller's: a server passes its maxRecvSize, a client what it asked for.
Result<CreateLinkParms> decode_create_link(xdr::Reader& in);
Result<CreateLinkResp> decode_create_link_resp(xdr::Reader& in);
Result<WriteParms> decode_write(xdr::Reader& in, std::size_t max_data);
Result<WriteResp> decode_write_resp(xdr::Reader& in);
Result<ReadParms> decode_read(xdr::Reader& in);
Result<ReadResp> decode_read_resp(xdr::Reader& in, std::size_t max_data);
Result<GenericParms> decode_generic(xdr::Reader& in);
Result<ReadStbResp> decode_readstb_resp(xdr::Reader& in);
Result<LockParms> decode_lock(xdr::Reader& in);
Result<std::int32_t> decode_link_id(xdr::Reader& in);  // destroy_link, device_unlock, device_abort
Result<ErrorCode> decode_error(xdr::Reader& in);       // Device_Error

}  // namespace ledlab::io::vxi11
