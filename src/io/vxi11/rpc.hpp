#pragma once
// ONC RPC version 2 (RFC 5531): call and reply headers with AUTH_NONE, accept and reject
// status, and the record marking that frames messages on a stream transport (section 11).
// Also the portmapper's numbers (RFC 1833 section 3, program 100000 version 2). Pure
// functions over bytes, no I/O; every length from the wire is bounded before use.
#include "core/error.hpp"
#include "io/vxi11/xdr.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledlab::io::rpc {

inline constexpr std::uint32_t kRpcVersion = 2;  // RFC 5531 section 8

enum class MsgType : std::uint32_t { call = 0, reply = 1 };  // RFC 5531 section 9

// RFC 5531 section 8.2: auth flavors; only AUTH_NONE is spoken here, other credentials are
// skipped (bounded at 400 bytes, the opaque_auth body limit).
inline constexpr std::uint32_t kAuthNone = 0;
inline constexpr std::size_t kMaxAuthBody = 400;

enum class ReplyStat : std::uint32_t { accepted = 0, denied = 1 };
enum class AcceptStat : std::uint32_t {
  success = 0,
  prog_unavail = 1,   // remote hasn't exported the program
  prog_mismatch = 2,  // remote can't support the version (followed by low and high)
  proc_unavail = 3,   // program can't support the procedure
  garbage_args = 4,   // procedure can't decode its parameters
  system_err = 5,     // e.g. memory allocation failure
};
enum class RejectStat : std::uint32_t { rpc_mismatch = 0, auth_error = 1 };
inline constexpr std::uint32_t kAuthTooWeak = 5;  // RFC 5531 section 9, auth_stat AUTH_TOOWEAK

std::string_view to_string(AcceptStat stat);

struct CallHeader {
  std::uint32_t xid = 0;
  std::uint32_t program = 0;
  std::uint32_t version = 0;
  std::uint32_t procedure = 0;
  std::uint32_t rpc_version = kRpcVersion;  // decoded as sent; a server answers RPC_MISMATCH to others
};

// Writes a CALL header with AUTH_NONE credentials and verifier; the arguments follow.
void encode_call(xdr::Writer& out, const CallHeader& call);
// Reads a CALL header (skipping any credentials); the arguments are what remains.
Result<CallHeader> decode_call(xdr::Reader& in);

struct ReplyHeader {
  std::uint32_t xid = 0;
  ReplyStat reply = ReplyStat::accepted;
  AcceptStat accept = AcceptStat::success;      // when accepted
  RejectStat reject = RejectStat::rpc_mismatch;  // when denied
  std::uint32_t low = 0, high = 0;  // versions supported, for PROG_MISMATCH and RPC_MISMATCH
  std::uint32_t auth_stat = 0;      // for AUTH_ERROR
};

// Writes an accepted reply with an AUTH_NONE verifier; for SUCCESS the results follow,
// for PROG_MISMATCH `low` and `high` are written.
void encode_accepted(xdr::Writer& out, std::uint32_t xid, AcceptStat stat, std::uint32_t low = 0, std::uint32_t high = 0);
void encode_rpc_mismatch(xdr::Writer& out, std::uint32_t xid);  // MSG_DENIED, RPC_MISMATCH 2..2
Result<ReplyHeader> decode_reply(xdr::Reader& in);
// Ok when the reply is for `xid` and accepted with SUCCESS; otherwise an error in words
// ("program 395183 version 1 procedure 11: PROC_UNAVAIL") so the caller can add its link.
Status check_reply(const ReplyHeader& reply, const CallHeader& call);

// Record marking (RFC 5531 section 11): each fragment starts with a 4-byte big-endian word
// whose top bit marks the record's last fragment and whose low 31 bits give its length.
inline constexpr std::uint32_t kLastFragment = 0x80000000u;
inline constexpr std::size_t kFragmentHeaderSize = 4;

struct RecordLimits {
  std::size_t max_fragment = 1u << 20;  // bytes in one fragment
  std::size_t max_record = 4u << 20;    // bytes in one record, all fragments together
};

struct FragmentHeader {
  bool last = false;
  std::uint32_t length = 0;
};

// Frames `record` as fragments of at most `max_fragment` bytes, the last one marked.
std::string encode_record(std::string_view record, std::size_t max_fragment = 0x7FFFFFFFu);
// Decodes a fragment header, refusing one that would take the record past its limits given
// `record_so_far` bytes already received.
Result<FragmentHeader> decode_fragment_header(std::string_view four_bytes, std::size_t record_so_far,
                                              const RecordLimits& limits);

// Reassembles records from stream bytes however they arrive. Each fragment header is checked
// against the limits before its bytes are held, so a hostile length costs nothing; after an
// error the stream is out of step and the connection must be closed.
class RecordBuffer {
 public:
  explicit RecordBuffer(RecordLimits limits = {}) : limits_(limits) {}
  void append(std::string_view bytes) { pending_ += bytes; }
  // The next whole record, nullopt while it is incomplete, or the framing error.
  Result<std::optional<std::string>> next();
  std::size_t buffered() const { return pending_.size(); }

 private:
  RecordLimits limits_;
  std::string pending_;  // bytes not yet consumed, starting at a fragment header
  std::string record_;   // fragments of the record being assembled
};

// The portmapper (RFC 1833 section 3): program 100000 version 2 on port 111, TCP and UDP.
namespace portmap {
inline constexpr std::uint32_t kProgram = 100000;
inline constexpr std::uint32_t kVersion = 2;
inline constexpr std::uint16_t kPort = 111;
inline constexpr std::uint32_t kProcNull = 0;
inline constexpr std::uint32_t kProcGetPort = 3;
inline constexpr std::uint32_t kIpProtoTcp = 6;
inline constexpr std::uint32_t kIpProtoUdp = 17;

struct Mapping {
  std::uint32_t program = 0;
  std::uint32_t version = 0;
  std::uint32_t protocol = kIpProtoTcp;
  std::uint32_t port = 0;  // ignored in a GETPORT call
};
void encode_mapping(xdr::Writer& out, const Mapping& mapping);
Result<Mapping> decode_mapping(xdr::Reader& in);
}  // namespace portmap

}  // namespace ledlab::io::rpc
