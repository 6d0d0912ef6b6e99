#include "io/vxi11/protocol.hpp"

#include <fmt/format.h>

#include <optional>

namespace ledlab::io::vxi11 {
namespace {

// Field-by-field decoding: the first failure wins and names its field.
class Fields {
 public:
  explicit Fields(xdr::Reader& in) : in_(in) {}
  void u32(std::string_view name, std::uint32_t& out) {
    if (!error_) keep(in_.u32(name), out);
  }
  void i32(std::string_view name, std::int32_t& out) {
    if (!error_) keep(in_.i32(name), out);
  }
  void boolean(std::string_view name, bool& out) {
    if (!error_) keep(in_.boolean(name), out);
  }
  void error_code(ErrorCode& out) {
    std::int32_t v = 0;
    i32("error", v);
    out = static_cast<ErrorCode>(v);
  }
  void opaque(std::string_view name, std::string& out, std::size_t max) {
    if (error_) return;
    auto v = in_.opaque(name, max);
    if (!v) error_ = v.error();
    else out.assign(*v);
  }
  template <class T>
  Result<T> done(T value) {
    if (error_) return fail(*error_);
    return value;
  }

 private:
  template <class R, class T>
  void keep(R r, T& out) {
    if (!r) error_ = r.error();
    else out = *r;
  }
  xdr::Reader& in_;
  std::optional<Error> error_;
};

}  // namespace

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::no_error: return "no error";
    case ErrorCode::syntax_error: return "syntax error";
    case ErrorCode::device_not_accessible: return "device not accessible";
    case ErrorCode::invalid_link_identifier: return "invalid link identifier";
    case ErrorCode::parameter_error: return "parameter error";
    case ErrorCode::channel_not_established: return "channel not established";
    case ErrorCode::operation_not_supported: return "operation not supported";
    case ErrorCode::out_of_resources: return "out of resources";
    case ErrorCode::device_locked_by_another_link: return "device locked by another link";
    case ErrorCode::no_lock_held_by_this_link: return "no lock held by this link";
    case ErrorCode::io_timeout: return "I/O timeout";
    case ErrorCode::io_error: return "I/O error";
    case ErrorCode::invalid_address: return "invalid address";
    case ErrorCode::abort: return "abort";
    case ErrorCode::channel_already_established: return "channel already established";
  }
  return "unknown error";
}

Error to_error(ErrorCode code, std::string_view link, std::string_view procedure) {
  Errc errc = Errc::io;
  if (code == ErrorCode::io_timeout) errc = Errc::timeout;
  else if (code == ErrorCode::abort) errc = Errc::cancelled;
  else if (code == ErrorCode::invalid_link_identifier) errc = Errc::disconnected;  // the server forgot our link
  else if (code == ErrorCode::device_not_accessible || code == ErrorCode::invalid_address) errc = Errc::unreachable;
  return make_error(errc, fmt::format("{}: {} failed with VXI-11 error {} ({}; VXI-11 Rev 1.0 B.5 table B.2)", link,
                                      procedure, static_cast<int>(code), to_string(code)));
}

void encode(xdr::Writer& out, const CreateLinkParms& m) {
  out.i32(m.client_id);
  out.boolean(m.lock_device);
  out.u32(m.lock_timeout_ms);
  out.string(m.device);
}
void encode(xdr::Writer& out, const CreateLinkResp& m) {
  out.i32(static_cast<std::int32_t>(m.error));
  out.i32(m.lid);
  out.u32(m.abort_port);  // unsigned short: one XDR unit (RFC 4506 section 4.2)
  out.u32(m.max_recv_size);
}
void encode(xdr::Writer& out, const WriteParms& m) {
  out.i32(m.lid);
  out.u32(m.io_timeout_ms);
  out.u32(m.lock_timeout_ms);
  out.u32(m.flags);
  out.opaque(m.data);
}
void encode(xdr::Writer& out, const WriteResp& m) {
  out.i32(static_cast<std::int32_t>(m.error));
  out.u32(m.size);
}
void encode(xdr::Writer& out, const ReadParms& m) {
  out.i32(m.lid);
  out.u32(m.request_size);
  out.u32(m.io_timeout_ms);
  out.u32(m.lock_timeout_ms);
  out.u32(m.flags);
  out.i32(static_cast<unsigned char>(m.term_char));  // char: one XDR unit
}
void encode(xdr::Writer& out, const ReadResp& m) {
  out.i32(static_cast<std::int32_t>(m.error));
  out.i32(m.reason);
  out.opaque(m.data);
}
void encode(xdr::Writer& out, const GenericParms& m) {
  out.i32(m.lid);
  out.u32(m.flags);
  out.u32(m.lock_timeout_ms);
  out.u32(m.io_timeout_ms);
}
void encode(xdr::Writer& out, const ReadStbResp& m) {
  out.i32(static_cast<std::int32_t>(m.error));
  out.u32(m.stb);
}
void encode(xdr::Writer& out, const LockParms& m) {
  out.i32(m.lid);
  out.u32(m.flags);
  out.u32(m.lock_timeout_ms);
}
void encode_error(xdr::Writer& out, ErrorCode code) { out.i32(static_cast<std::int32_t>(code)); }

Result<CreateLinkParms> decode_create_link(xdr::Reader& in) {
  CreateLinkParms m;
  Fields f(in);
  f.i32("clientId", m.client_id);
  f.boolean("lockDevice", m.lock_device);
  f.u32("lock_timeout", m.lock_timeout_ms);
  f.opaque("device", m.device, kMaxDeviceName);
  return f.done(m);
}
Result<CreateLinkResp> decode_create_link_resp(xdr::Reader& in) {
  CreateLinkResp m;
  Fields f(in);
  std::uint32_t port = 0;
  f.error_code(m.error);
  f.i32("lid", m.lid);
  f.u32("abortPort", port);
  f.u32("maxRecvSize", m.max_recv_size);
  if (port > 0xFFFF) return fail(Errc::protocol, fmt::format("VXI-11 create_link: abortPort {} is not a port", port));
  m.abort_port = static_cast<std::uint16_t>(port);
  return f.done(m);
}
Result<WriteParms> decode_write(xdr::Reader& in, std::size_t max_data) {
  WriteParms m;
  Fields f(in);
  f.i32("lid", m.lid);
  f.u32("io_timeout", m.io_timeout_ms);
  f.u32("lock_timeout", m.lock_timeout_ms);
  f.u32("flags", m.flags);
  f.opaque("data", m.data, max_data);
  return f.done(m);
}
Result<WriteResp> decode_write_resp(xdr::Reader& in) {
  WriteResp m;
  Fields f(in);
  f.error_code(m.error);
  f.u32("size", m.size);
  return f.done(m);
}
Result<ReadParms> decode_read(xdr::Reader& in) {
  ReadParms m;
  Fields f(in);
  std::int32_t term = 0;
  f.i32("lid", m.lid);
  f.u32("requestSize", m.request_size);
  f.u32("io_timeout", m.io_timeout_ms);
  f.u32("lock_timeout", m.lock_timeout_ms);
  f.u32("flags", m.flags);
  f.i32("termChar", term);
  m.term_char = static_cast<char>(term);
  return f.done(m);
}
Result<ReadResp> decode_read_resp(xdr::Reader& in, std::size_t max_data) {
  ReadResp m;
  Fields f(in);
  f.error_code(m.error);
  f.i32("reason", m.reason);
  f.opaque("data", m.data, max_data);
  return f.done(m);
}
Result<GenericParms> decode_generic(xdr::Reader& in) {
  GenericParms m;
  Fields f(in);
  f.i32("lid", m.lid);
  f.u32("flags", m.flags);
  f.u32("lock_timeout", m.lock_timeout_ms);
  f.u32("io_timeout", m.io_timeout_ms);
  return f.done(m);
}
Result<ReadStbResp> decode_readstb_resp(xdr::Reader& in) {
  ReadStbResp m;
  Fields f(in);
  std::uint32_t stb = 0;
  f.error_code(m.error);
  f.u32("stb", stb);
  if (stb > 0xFF) return fail(Errc::protocol, fmt::format("VXI-11 device_readstb: stb {} is not a byte", stb));
  m.stb = static_cast<std::uint8_t>(stb);
  return f.done(m);
}
Result<LockParms> decode_lock(xdr::Reader& in) {
  LockParms m;
  Fields f(in);
  f.i32("lid", m.lid);
  f.u32("flags", m.flags);
  f.u32("lock_timeout", m.lock_timeout_ms);
  return f.done(m);
}
Result<std::int32_t> decode_link_id(xdr::Reader& in) { return in.i32("lid"); }
Result<ErrorCode> decode_error(xdr::Reader& in) {
  auto v = in.i32("error");
  if (!v) return fail(v.error());
  return static_cast<ErrorCode>(*v);
}

}  // namespace ledlab::io::vxi11
