#include "io/usbtmc/bulk_in_check.hpp"

namespace ledlab::io::usbtmc {

BulkInFault check_bulk_in_header(std::span<const std::uint8_t> b, std::uint8_t expected_tag,
                                 std::uint32_t requested_max, BulkInHeader& out) {
  if (b.size() < 12) return BulkInFault::too_short;
  if (b[0] != 2) return BulkInFault::wrong_msg_id;
  if (static_cast<std::uint8_t>(b[1] ^ b[2]) != 0xFF) return BulkInFault::tag_inverse;
  if (b[1] != expected_tag) return BulkInFault::unexpected_tag;
  if (b[3] != 0 || b[10] != 0 || b[11] != 0) return BulkInFault::reserved_nonzero;
  const std::uint32_t size = static_cast<std::uint32_t>(b[4]) | (static_cast<std::uint32_t>(b[5]) << 8) |
                             (static_cast<std::uint32_t>(b[6]) << 16) | (static_cast<std::uint32_t>(b[7]) << 24);
  // USBTMC 1.0 table 9: TransferSize must not exceed the REQUEST's TransferSize.
  if (size > requested_max) return BulkInFault::oversize;
  out.tag = b[1];
  out.transfer_size = size;
  out.eom = (b[8] & 0x01) != 0;
  out.term_char_seen = (b[8] & 0x02) != 0;
  return BulkInFault::none;
}

}  // namespace ledlab::io::usbtmc
