#pragma once
// The Bulk-IN header check at the heart of every USBTMC read, kept free of std::expected and
// formatting so the libFuzzer target (clang 14, whose libstdc++ <expected> is unavailable)
// compiles exactly this code. protocol.hpp wraps it with messages.
#include <cstddef>
#include <cstdint>
#include <span>

namespace ledlab::io::usbtmc {

// Which rule of USBTMC 1.0 table 9 a Bulk-IN header broke.
enum class BulkInFault {
  none,
  too_short,          // fewer than 12 bytes
  wrong_msg_id,       // byte 0 is not DEV_DEP_MSG_IN (2)
  tag_inverse,        // byte 2 is not ~byte 1
  unexpected_tag,     // bTag differs from the request's
  reserved_nonzero,   // byte 3, 10 or 11 is not zero
  oversize,           // TransferSize above the request's maximum
};

struct BulkInHeader {
  std::uint8_t tag = 0;
  std::uint32_t transfer_size = 0;  // payload bytes in this transfer (excluding header, padding)
  bool eom = false;                 // the message ends with this transfer
  bool term_char_seen = false;      // the transfer ended on the requested term char
};

// Fills `out` only when the result is BulkInFault::none.
BulkInFault check_bulk_in_header(std::span<const std::uint8_t> bytes, std::uint8_t expected_tag,
                                 std::uint32_t requested_max, BulkInHeader& out);

}  // namespace ledlab::io::usbtmc
