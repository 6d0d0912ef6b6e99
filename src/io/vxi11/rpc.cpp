#include "io/vxi11/rpc.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace ledlab::io::rpc {
namespace {

void encode_auth_none(xdr::Writer& out) {
  out.u32(kAuthNone);
  out.opaque({});
}

// Reads an opaque_auth (RFC 5531 section 8.2) and drops it: AUTH_NONE is all we speak and
// a server that sends another verifier is still answered.
Status skip_auth(xdr::Reader& in, std::string_view field) {
  auto flavor = in.u32(field);
  if (!flavor) return fail(flavor.error());
  auto body = in.opaque(field, kMaxAuthBody);
  if (!body) return fail(body.error());
  return {};
}

}  // namespace

std::string_view to_string(AcceptStat stat) {
  switch (stat) {
    case AcceptStat::success: return "SUCCESS";
    case AcceptStat::prog_unavail: return "PROG_UNAVAIL (the server does not offer this program)";
    case AcceptStat::prog_mismatch: return "PROG_MISMATCH (the server does not offer this version)";
    case AcceptStat::proc_unavail: return "PROC_UNAVAIL (the server does not offer this procedure)";
    case AcceptStat::garbage_args: return "GARBAGE_ARGS (the server could not decode the arguments)";
    case AcceptStat::system_err: return "SYSTEM_ERR";
  }
  return "unknown accept status";
}

void encode_call(xdr::Writer& out, const CallHeader& call) {
  out.u32(call.xid);
  out.u32(static_cast<std::uint32_t>(MsgType::call));
  out.u32(call.rpc_version);
  out.u32(call.program);
  out.u32(call.version);
  out.u32(call.procedure);
  encode_auth_none(out);  // credentials
  encode_auth_none(out);  // verifier
}

Result<CallHeader> decode_call(xdr::Reader& in) {
  CallHeader call;
  auto xid = in.u32("xid");
  if (!xid) return fail(xid.error());
  call.xid = *xid;
  auto type = in.u32("msg_type");
  if (!type) return fail(type.error());
  if (*type != static_cast<std::uint32_t>(MsgType::call))
    return fail(Errc::protocol, fmt::format("RPC: expected a CALL (0), got msg_type {}", *type));
  for (auto [field, slot] : {std::pair{"rpcvers", &call.rpc_version}, std::pair{"prog", &call.program},
                             std::pair{"vers", &call.version}, std::pair{"proc", &call.procedure}}) {
    auto v = in.u32(field);
    if (!v) return fail(v.error());
    *slot = *v;
  }
  if (auto s = skip_auth(in, "cred"); !s) return fail(s.error());
  if (auto s = skip_auth(in, "verf"); !s) return fail(s.error());
  return call;
}

void encode_accepted(xdr::Writer& out, std::uint32_t xid, AcceptStat stat, std::uint32_t low, std::uint32_t high) {
  out.u32(xid);
  out.u32(static_cast<std::uint32_t>(MsgType::reply));
  out.u32(static_cast<std::uint32_t>(ReplyStat::accepted));
  encode_auth_none(out);
  out.u32(static_cast<std::uint32_t>(stat));
  if (stat == AcceptStat::prog_mismatch) {
    out.u32(low);
    out.u32(high);
  }
}

void encode_rpc_mismatch(xdr::Writer& out, std::uint32_t xid) {
  out.u32(xid);
  out.u32(static_cast<std::uint32_t>(MsgType::reply));
  out.u32(static_cast<std::uint32_t>(ReplyStat::denied));
  out.u32(static_cast<std::uint32_t>(RejectStat::rpc_mismatch));
  out.u32(kRpcVersion);
  out.u32(kRpcVersion);
}

Result<ReplyHeader> decode_reply(xdr::Reader& in) {
  ReplyHeader reply;
  auto xid = in.u32("xid");
  if (!xid) return fail(xid.error());
  reply.xid = *xid;
  auto type = in.u32("msg_type");
  if (!type) return fail(type.error());
  if (*type != static_cast<std::uint32_t>(MsgType::reply))
    return fail(Errc::protocol, fmt::format("RPC: expected a REPLY (1), got msg_type {}", *type));
  auto stat = in.u32("reply_stat");
  if (!stat) return fail(stat.error());
  if (*stat == static_cast<std::uint32_t>(ReplyStat::accepted)) {
    reply.reply = ReplyStat::accepted;
    if (auto s = skip_auth(in, "verf"); !s) return fail(s.error());
    auto accept = in.u32("accept_stat");
    if (!accept) return fail(accept.error());
    if (*accept > static_cast<std::uint32_t>(AcceptStat::system_err))
      return fail(Errc::protocol, fmt::format("RPC: unknown accept_stat {}", *accept));
    reply.accept = static_cast<AcceptStat>(*accept);
    if (reply.accept == AcceptStat::prog_mismatch) {
      auto low = in.u32("mismatch_info.low");
      auto high = low ? in.u32("mismatch_info.high") : low;
      if (!high) return fail(high.error());
      reply.low = *low;
      reply.high = *high;
    }
    return reply;
  }
  if (*stat != static_cast<std::uint32_t>(ReplyStat::denied))
    return fail(Errc::protocol, fmt::format("RPC: unknown reply_stat {}", *stat));
  reply.reply = ReplyStat::denied;
  auto reject = in.u32("reject_stat");
  if (!reject) return fail(reject.error());
  if (*reject == static_cast<std::uint32_t>(RejectStat::rpc_mismatch)) {
    reply.reject = RejectStat::rpc_mismatch;
    auto low = in.u32("mismatch_info.low");
    auto high = low ? in.u32("mismatch_info.high") : low;
    if (!high) return fail(high.error());
    reply.low = *low;
    reply.high = *high;
    return reply;
  }
  if (*reject != static_cast<std::uint32_t>(RejectStat::auth_error))
    return fail(Errc::protocol, fmt::format("RPC: unknown reject_stat {}", *reject));
  reply.reject = RejectStat::auth_error;
  auto auth = in.u32("auth_stat");
  if (!auth) return fail(auth.error());
  reply.auth_stat = *auth;
  return reply;
}

Status check_reply(const ReplyHeader& reply, const CallHeader& call) {
  const auto what = fmt::format("RPC program {} version {} procedure {}", call.program, call.version, call.procedure);
  if (reply.xid != call.xid)
    return fail(Errc::protocol, fmt::format("{}: reply xid {} does not match the call's {}", what, reply.xid, call.xid));
  if (reply.reply == ReplyStat::denied) {
    if (reply.reject == RejectStat::rpc_mismatch)
      return fail(Errc::protocol, fmt::format("{}: denied, RPC_MISMATCH (server speaks RPC {}..{})", what, reply.low, reply.high));
    return fail(Errc::protocol, fmt::format("{}: denied, AUTH_ERROR (auth_stat {})", what, reply.auth_stat));
  }
  if (reply.accept == AcceptStat::success) return {};
  if (reply.accept == AcceptStat::prog_mismatch)
    return fail(Errc::protocol, fmt::format("{}: {}, it offers versions {}..{}", what, to_string(reply.accept), reply.low, reply.high));
  return fail(Errc::protocol, fmt::format("{}: {}", what, to_string(reply.accept)));
}

std::string encode_record(std::string_view record, std::size_t max_fragment) {
  max_fragment = std::clamp<std::size_t>(max_fragment, 1, 0x7FFFFFFFu);
  std::string out;
  out.reserve(record.size() + kFragmentHeaderSize * (record.size() / max_fragment + 1));
  std::size_t pos = 0;
  do {
    const std::size_t n = std::min(max_fragment, record.size() - pos);
    const bool last = pos + n == record.size();
    xdr::Writer header;
    header.u32(static_cast<std::uint32_t>(n) | (last ? kLastFragment : 0u));
    out += header.bytes();
    out += record.substr(pos, n);
    pos += n;
  } while (pos < record.size());
  return out;
}

Result<FragmentHeader> decode_fragment_header(std::string_view four_bytes, std::size_t record_so_far,
                                              const RecordLimits& limits) {
  xdr::Reader in(four_bytes);
  auto word = in.u32("fragment header");
  if (!word) return fail(word.error());
  FragmentHeader h;
  h.last = (*word & kLastFragment) != 0;
  h.length = *word & ~kLastFragment;
  if (h.length > limits.max_fragment)
    return fail(Errc::protocol, fmt::format("RPC record marking: fragment of {} bytes exceeds the {}-byte bound",
                                            h.length, limits.max_fragment));
  if (record_so_far + h.length > limits.max_record)
    return fail(Errc::protocol, fmt::format("RPC record marking: record would reach {} bytes, over the {}-byte bound",
                                            record_so_far + h.length, limits.max_record));
  return h;
}

Result<std::optional<std::string>> RecordBuffer::next() {
  for (;;) {
    if (pending_.size() < kFragmentHeaderSize) return std::optional<std::string>{};
    auto header = decode_fragment_header(std::string_view(pending_).substr(0, kFragmentHeaderSize), record_.size(), limits_);
    if (!header) return fail(header.error());
    if (pending_.size() < kFragmentHeaderSize + header->length) return std::optional<std::string>{};
    record_.append(pending_, kFragmentHeaderSize, header->length);
    pending_.erase(0, kFragmentHeaderSize + header->length);
    if (header->last) return std::optional<std::string>(std::exchange(record_, {}));
  }
}

namespace portmap {

void encode_mapping(xdr::Writer& out, const Mapping& mapping) {
  out.u32(mapping.program);
  out.u32(mapping.version);
  out.u32(mapping.protocol);
  out.u32(mapping.port);
}

Result<Mapping> decode_mapping(xdr::Reader& in) {
  Mapping m;
  for (auto [field, slot] : {std::pair{"prog", &m.program}, std::pair{"vers", &m.version},
                             std::pair{"prot", &m.protocol}, std::pair{"port", &m.port}}) {
    auto v = in.u32(field);
    if (!v) return fail(v.error());
    *slot = *v;
  }
  return m;
}

}  // namespace portmap
}  // namespace ledlab::io::rpc
