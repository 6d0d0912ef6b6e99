#include "io/usbtmc/protocol.hpp"

#include <fmt/format.h>

namespace ledlab::io::usbtmc {
namespace {

void put_u32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t get_u32(std::span<const std::uint8_t> b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | b[at + i];
  return v;
}

std::uint16_t get_u16(std::span<const std::uint8_t> b, std::size_t at) {
  return static_cast<std::uint16_t>(b[at] | (b[at + 1] << 8));
}

// Header bytes 0..3 and 8..11 common to every Bulk transfer (USBTMC 1.0 table 1).
Bytes header(MsgId id, std::uint8_t tag, std::uint32_t transfer_size, std::uint8_t attributes, std::uint8_t term_char,
             std::size_t payload) {
  Bytes out(padded_size(payload), 0);
  out[0] = static_cast<std::uint8_t>(id);
  out[1] = tag;
  out[2] = static_cast<std::uint8_t>(~tag);
  put_u32(out, 4, transfer_size);
  out[8] = attributes;
  out[9] = term_char;
  return out;
}

std::unexpected<Error> bad(std::string what, std::span<const std::uint8_t> bytes) {
  return fail(Errc::protocol, fmt::format("{} (bytes {})", what, hex(bytes)));
}

}  // namespace

std::string_view to_string(Status status) {
  switch (status) {
    case Status::success: return "SUCCESS";
    case Status::pending: return "PENDING";
    case Status::interrupt_in_busy: return "INTERRUPT_IN_BUSY";
    case Status::failed: return "FAILED";
    case Status::transfer_not_in_progress: return "TRANSFER_NOT_IN_PROGRESS";
    case Status::split_not_in_progress: return "SPLIT_NOT_IN_PROGRESS";
    case Status::split_in_progress: return "SPLIT_IN_PROGRESS";
  }
  return "?";
}

std::string status_name(std::uint8_t status) {
  switch (static_cast<Status>(status)) {
    case Status::success:
    case Status::pending:
    case Status::interrupt_in_busy:
    case Status::failed:
    case Status::transfer_not_in_progress:
    case Status::split_not_in_progress:
    case Status::split_in_progress: return std::string(to_string(static_cast<Status>(status)));
  }
  return fmt::format("status 0x{:02x}", status);
}

std::string_view to_string(Request request) {
  switch (request) {
    case Request::initiate_abort_bulk_out: return "INITIATE_ABORT_BULK_OUT";
    case Request::check_abort_bulk_out_status: return "CHECK_ABORT_BULK_OUT_STATUS";
    case Request::initiate_abort_bulk_in: return "INITIATE_ABORT_BULK_IN";
    case Request::check_abort_bulk_in_status: return "CHECK_ABORT_BULK_IN_STATUS";
    case Request::initiate_clear: return "INITIATE_CLEAR";
    case Request::check_clear_status: return "CHECK_CLEAR_STATUS";
    case Request::get_capabilities: return "GET_CAPABILITIES";
    case Request::indicator_pulse: return "INDICATOR_PULSE";
    case Request::read_status_byte: return "READ_STATUS_BYTE";
    case Request::ren_control: return "REN_CONTROL";
    case Request::go_to_local: return "GO_TO_LOCAL";
    case Request::local_lockout: return "LOCAL_LOCKOUT";
  }
  return "?";
}

std::uint8_t TagCounter::next() {
  last_ = static_cast<std::uint8_t>(last_ == 255 ? 1 : last_ + 1);
  return last_;
}

std::uint8_t StatusTagCounter::next() {
  last_ = static_cast<std::uint8_t>(last_ >= 127 ? 2 : last_ + 1);
  return last_;
}

Bytes encode_dev_dep_msg_out(std::uint8_t tag, std::span<const std::uint8_t> payload, bool eom) {
  Bytes out = header(MsgId::dev_dep_msg_out, tag, static_cast<std::uint32_t>(payload.size()), eom ? 0x01 : 0x00, 0,
                     payload.size());
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderSize);
  return out;
}

Bytes encode_dev_dep_msg_out(std::uint8_t tag, std::string_view payload, bool eom) {
  return encode_dev_dep_msg_out(
      tag, std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), eom);
}

Bytes encode_request_dev_dep_msg_in(std::uint8_t tag, std::uint32_t max_bytes, std::optional<char> term_char) {
  return header(MsgId::request_dev_dep_msg_in, tag, max_bytes, term_char ? 0x02 : 0x00,
                static_cast<std::uint8_t>(term_char.value_or(0)), 0);
}

Bytes encode_trigger(std::uint8_t tag) { return header(MsgId::trigger, tag, 0, 0, 0, 0); }

Result<BulkInHeader> parse_bulk_in_header(std::span<const std::uint8_t> bytes, std::uint8_t expected_tag,
                                          std::uint32_t requested_max) {
  BulkInHeader h;
  switch (check_bulk_in_header(bytes, expected_tag, requested_max, h)) {
    case BulkInFault::none: return h;
    case BulkInFault::too_short:
      return bad(fmt::format("Bulk-IN transfer of {} bytes is shorter than the 12-byte header", bytes.size()), bytes);
    case BulkInFault::wrong_msg_id:
      return bad(fmt::format("Bulk-IN MsgID {} is not DEV_DEP_MSG_IN (2)", bytes[0]), bytes);
    case BulkInFault::tag_inverse:
      return bad(fmt::format("Bulk-IN bTag {} and its inverse {} do not match", bytes[1], bytes[2]), bytes);
    case BulkInFault::unexpected_tag:
      return bad(fmt::format("Bulk-IN bTag {} answers no request (expected {})", bytes[1], expected_tag), bytes);
    case BulkInFault::reserved_nonzero: return bad("Bulk-IN header reserved bytes are not zero", bytes);
    case BulkInFault::oversize:
      return bad(fmt::format("Bulk-IN TransferSize {} exceeds the {} bytes requested",
                             bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (std::uint32_t{bytes[7]} << 24),
                             requested_max),
                 bytes);
  }
  return bad("Bulk-IN header check failed", bytes);
}

Result<BulkOutHeader> parse_bulk_out_header(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize)
    return bad(fmt::format("Bulk-OUT transfer of {} bytes is shorter than the 12-byte header", bytes.size()), bytes);
  const std::uint8_t id = bytes[0];
  if (id != 1 && id != 2 && id != 126 && id != 127 && id != 128)
    return bad(fmt::format("Bulk-OUT MsgID {} is not defined by USBTMC or USB488", id), bytes);
  if (bytes[1] == 0) return bad("Bulk-OUT bTag is 0", bytes);
  if (static_cast<std::uint8_t>(bytes[1] ^ bytes[2]) != 0xFF)
    return bad(fmt::format("Bulk-OUT bTag {} and its inverse {} do not match", bytes[1], bytes[2]), bytes);
  BulkOutHeader h;
  h.msg_id = static_cast<MsgId>(id);
  h.tag = bytes[1];
  h.transfer_size = get_u32(bytes, 4);
  h.attributes = bytes[8];
  h.term_char = static_cast<char>(bytes[9]);
  return h;
}

Bytes encode_dev_dep_msg_in(std::uint8_t tag, std::string_view payload, bool eom, bool term_char_seen) {
  Bytes out = header(MsgId::request_dev_dep_msg_in, tag, static_cast<std::uint32_t>(payload.size()),
                     static_cast<std::uint8_t>((eom ? 0x01 : 0) | (term_char_seen ? 0x02 : 0)), 0, payload.size());
  std::copy(payload.begin(), payload.end(), out.begin() + kHeaderSize);
  return out;
}

Result<Capabilities> parse_capabilities(std::span<const std::uint8_t> reply) {
  if (reply.size() < 24)
    return bad(fmt::format("GET_CAPABILITIES reply of {} bytes is shorter than 24", reply.size()), reply);
  if (reply[0] != static_cast<std::uint8_t>(Status::success))
    return bad(fmt::format("GET_CAPABILITIES answered {}", status_name(reply[0])), reply);
  Capabilities c;
  c.bcd_usbtmc = get_u16(reply, 2);
  c.indicator_pulse = (reply[4] & 0x04) != 0;
  c.talk_only = (reply[4] & 0x02) != 0;
  c.listen_only = (reply[4] & 0x01) != 0;
  c.term_char = (reply[5] & 0x01) != 0;
  c.bcd_usb488 = get_u16(reply, 12);
  c.is_488_2 = (reply[14] & 0x04) != 0;
  c.ren_control = (reply[14] & 0x02) != 0;
  c.trigger = (reply[14] & 0x01) != 0;
  c.scpi = (reply[15] & 0x08) != 0;
  c.sr1 = (reply[15] & 0x04) != 0;
  c.rl1 = (reply[15] & 0x02) != 0;
  c.dt1 = (reply[15] & 0x01) != 0;
  return c;
}

Bytes encode_capabilities(const Capabilities& c) {
  Bytes out(24, 0);
  out[0] = static_cast<std::uint8_t>(Status::success);
  out[2] = static_cast<std::uint8_t>(c.bcd_usbtmc);
  out[3] = static_cast<std::uint8_t>(c.bcd_usbtmc >> 8);
  out[4] = static_cast<std::uint8_t>((c.indicator_pulse ? 4 : 0) | (c.talk_only ? 2 : 0) | (c.listen_only ? 1 : 0));
  out[5] = c.term_char ? 1 : 0;
  out[12] = static_cast<std::uint8_t>(c.bcd_usb488);
  out[13] = static_cast<std::uint8_t>(c.bcd_usb488 >> 8);
  out[14] = static_cast<std::uint8_t>((c.is_488_2 ? 4 : 0) | (c.ren_control ? 2 : 0) | (c.trigger ? 1 : 0));
  out[15] = static_cast<std::uint8_t>((c.scpi ? 8 : 0) | (c.sr1 ? 4 : 0) | (c.rl1 ? 2 : 0) | (c.dt1 ? 1 : 0));
  return out;
}

Result<AbortInStatus> parse_check_abort_in(std::span<const std::uint8_t> reply) {
  if (reply.size() < 8)
    return bad(fmt::format("CHECK_ABORT_BULK_IN_STATUS reply of {} bytes is shorter than 8", reply.size()), reply);
  return AbortInStatus{reply[0], (reply[1] & 0x01) != 0, get_u32(reply, 4)};
}

Result<StatusByteReply> parse_read_status_byte(std::span<const std::uint8_t> reply) {
  if (reply.size() < 3)
    return bad(fmt::format("READ_STATUS_BYTE reply of {} bytes is shorter than 3", reply.size()), reply);
  return StatusByteReply{reply[0], reply[1], reply[2]};
}

Result<Notification> parse_notification(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 2)
    return bad(fmt::format("Interrupt-IN notification of {} bytes is shorter than 2", bytes.size()), bytes);
  // USB488 table 7: bit 7 set means a USB488 notification; 0x81 is SRQ, 0x82..0xFF carry
  // the bTag of a READ_STATUS_BYTE request. Bit 7 clear is vendor specific.
  if ((bytes[0] & 0x80) == 0)
    return bad(fmt::format("Interrupt-IN bNotify1 0x{:02x} is vendor specific", bytes[0]), bytes);
  Notification n;
  n.tag = bytes[0] & 0x7F;
  n.stb = bytes[1];
  n.is_srq = n.tag == 1;
  n.is_status_byte = n.tag >= 2;
  if (n.tag == 0) return bad("Interrupt-IN bNotify1 0x80 names no request", bytes);
  return n;
}

std::string hex(std::span<const std::uint8_t> bytes, std::size_t max_bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < max_bytes; ++i) out += fmt::format("{}{:02x}", i ? " " : "", bytes[i]);
  if (bytes.size() > max_bytes) out += fmt::format(" ... ({} bytes)", bytes.size());
  return out;
}

}  // namespace ledlab::io::usbtmc
