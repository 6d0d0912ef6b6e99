#pragma once
// USBTMC 1.0 and USB488 1.0 framing: Bulk-OUT/Bulk-IN headers, tags, padding, class requests
// and their replies. Pure functions over bytes, no I/O, so every rule is testable against
// the tables of the standard (and fuzzable).
#include "core/error.hpp"
#include "io/usbtmc/bulk_in_check.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::io::usbtmc {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kHeaderSize = 12;  // USBTMC 1.0 table 1

// Bulk-OUT MsgID values (USBTMC 1.0 table 2, USB488 table 1).
enum class MsgId : std::uint8_t {
  dev_dep_msg_out = 1,
  request_dev_dep_msg_in = 2,  // also the MsgID of the Bulk-IN reply (DEV_DEP_MSG_IN)
  vendor_specific_out = 126,
  request_vendor_specific_in = 127,
  trigger = 128,  // USB488
};

// Class-specific control requests (USBTMC 1.0 table 15, USB488 table 9).
enum class Request : std::uint8_t {
  initiate_abort_bulk_out = 1,
  check_abort_bulk_out_status = 2,
  initiate_abort_bulk_in = 3,
  check_abort_bulk_in_status = 4,
  initiate_clear = 5,
  check_clear_status = 6,
  get_capabilities = 7,
  indicator_pulse = 64,
  read_status_byte = 128,  // USB488
  ren_control = 160,
  go_to_local = 161,
  local_lockout = 162,
};

// bmRequestType of the class requests: direction IN, type class, recipient interface/endpoint.
inline constexpr std::uint8_t kToInterface = 0xA1;
inline constexpr std::uint8_t kToEndpoint = 0xA2;

// USBTMC_status values (USBTMC 1.0 table 16, USB488 table 10).
enum class Status : std::uint8_t {
  success = 0x01,
  pending = 0x02,
  interrupt_in_busy = 0x20,
  failed = 0x80,
  transfer_not_in_progress = 0x81,
  split_not_in_progress = 0x82,
  split_in_progress = 0x83,
};

std::string_view to_string(Status status);
std::string_view to_string(Request request);
std::string status_name(std::uint8_t status);  // names unknown codes as hex

// USBTMC 1.0 section 3.2: bTag differs from the previous transfer's and is never 0.
// Sequences 1, 2, ..., 255, 1, ...
class TagCounter {
 public:
  std::uint8_t next();
  std::uint8_t last() const { return last_; }

 private:
  std::uint8_t last_ = 0;
};

// USB488 section 4.3.1: READ_STATUS_BYTE's bTag is 2..127, a separate sequence.
class StatusTagCounter {
 public:
  std::uint8_t next();

 private:
  std::uint8_t last_ = 1;
};

// A transfer's length with its alignment bytes: header + payload padded to a multiple of 4.
constexpr std::size_t padded_size(std::size_t payload) { return (kHeaderSize + payload + 3) & ~std::size_t{3}; }

// DEV_DEP_MSG_OUT: header, `payload`, zero padding (USBTMC 1.0 table 3). `eom` marks the
// transfer holding the message's last byte.
Bytes encode_dev_dep_msg_out(std::uint8_t tag, std::span<const std::uint8_t> payload, bool eom);
Bytes encode_dev_dep_msg_out(std::uint8_t tag, std::string_view payload, bool eom);

// REQUEST_DEV_DEP_MSG_IN (USBTMC 1.0 table 4): asks for at most `max_bytes`; with a term
// char the device may end the transfer after that byte (only if GET_CAPABILITIES allows).
Bytes encode_request_dev_dep_msg_in(std::uint8_t tag, std::uint32_t max_bytes, std::optional<char> term_char);

// USB488 TRIGGER (USB488 table 2).
Bytes encode_trigger(std::uint8_t tag);

// Checks a Bulk-IN header against the request it answers: MsgID 2, bTag == expected and its
// inverse, reserved bytes zero, TransferSize not above what was asked for. The error names
// which rule failed and the bytes that broke it.
Result<BulkInHeader> parse_bulk_in_header(std::span<const std::uint8_t> bytes, std::uint8_t expected_tag,
                                          std::uint32_t requested_max);

// Parses a Bulk-OUT header (what a device sees; used by fakes and tests).
struct BulkOutHeader {
  MsgId msg_id = MsgId::dev_dep_msg_out;
  std::uint8_t tag = 0;
  std::uint32_t transfer_size = 0;
  std::uint8_t attributes = 0;  // bit0 EOM (MSG_OUT) or bit1 TermCharEnabled (REQUEST)
  char term_char = 0;
};
Result<BulkOutHeader> parse_bulk_out_header(std::span<const std::uint8_t> bytes);
// A Bulk-IN reply as a device would send it (for fakes and tests).
Bytes encode_dev_dep_msg_in(std::uint8_t tag, std::string_view payload, bool eom, bool term_char_seen = false);

// GET_CAPABILITIES reply (USBTMC 1.0 table 37, USB488 table 8).
struct Capabilities {
  std::uint16_t bcd_usbtmc = 0;
  bool indicator_pulse = false;
  bool talk_only = false;
  bool listen_only = false;
  bool term_char = false;  // the device honours TermCharEnabled
  std::uint16_t bcd_usb488 = 0;  // 0 for a plain USBTMC interface
  bool is_488_2 = false;
  bool ren_control = false;  // REN_CONTROL, GO_TO_LOCAL, LOCAL_LOCKOUT
  bool trigger = false;
  bool scpi = false;
  bool sr1 = false;  // service request capable (Interrupt-IN carries SRQ notifications)
  bool rl1 = false;
  bool dt1 = false;
};
Result<Capabilities> parse_capabilities(std::span<const std::uint8_t> reply);
Bytes encode_capabilities(const Capabilities& caps);  // for fakes and tests; status SUCCESS

// CHECK_ABORT_BULK_IN_STATUS reply (8 bytes, USBTMC 1.0 table 23).
struct AbortInStatus {
  std::uint8_t status = 0;
  bool more_data = false;       // bmAbortBulkIn bit0: data still queued on Bulk-IN
  std::uint32_t transferred = 0;
};
Result<AbortInStatus> parse_check_abort_in(std::span<const std::uint8_t> reply);

// READ_STATUS_BYTE control reply (USB488 table 12): [status, bTag, STB].
struct StatusByteReply {
  std::uint8_t status = 0;
  std::uint8_t tag = 0;
  std::uint8_t stb = 0;  // 0 when the device has an Interrupt-IN endpoint (STB comes there)
};
Result<StatusByteReply> parse_read_status_byte(std::span<const std::uint8_t> reply);

// Interrupt-IN notification (USB488 tables 6 and 7): [bNotify1, bNotify2].
struct Notification {
  bool is_status_byte = false;  // bNotify1 = 0x80 | bTag (reply to READ_STATUS_BYTE)
  bool is_srq = false;          // bNotify1 = 0x81 (service request)
  std::uint8_t tag = 0;
  std::uint8_t stb = 0;
};
Result<Notification> parse_notification(std::span<const std::uint8_t> bytes);

std::string hex(std::span<const std::uint8_t> bytes, std::size_t max_bytes = 16);

}  // namespace ledlab::io::usbtmc
