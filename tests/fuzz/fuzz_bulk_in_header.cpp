// libFuzzer target for the Bulk-IN header check (USBTMC 1.0 table 9), built with clang++ by
// tests/fuzz/run_fuzz.sh against bulk_in_check.cpp alone.
//
// Input layout: [0] the bTag of the request being answered, [1..4] the request's TransferSize
// (u32, little-endian), [5..] the bytes read from Bulk-IN.
//
// Invariants, any violation aborts:
// - a rule is reported only when it is broken: too_short iff fewer than 12 bytes, and each
//   other fault is backed by the byte that breaks it;
// - an accepted header has the expected bTag, bTag ^ ~bTag == 0xFF, TransferSize <= the request,
//   and encoding its fields again reproduces bytes 0..11, apart from what the header does not
//   represent (byte 9 and bits 2..7 of byte 8);
// - a refused header leaves `out` exactly as it was.
#include "io/usbtmc/bulk_in_check.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

using ledlab::io::usbtmc::BulkInFault;
using ledlab::io::usbtmc::BulkInHeader;
using ledlab::io::usbtmc::check_bulk_in_header;

namespace {

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "fuzz_bulk_in_header: invariant violated: %s\n", what);
  std::abort();
}

void require(bool ok, const char* what) {
  if (!ok) violated(what);
}

std::uint32_t u32_le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

// A value no successful parse of the fuzzed bytes is forced to produce, so a write shows.
constexpr BulkInHeader kUntouched{.tag = 0x5A, .transfer_size = 0xA5A5A5A5u, .eom = true, .term_char_seen = false};

bool untouched(const BulkInHeader& h) {
  return h.tag == kUntouched.tag && h.transfer_size == kUntouched.transfer_size && h.eom == kUntouched.eom &&
         h.term_char_seen == kUntouched.term_char_seen;
}

void check_accepted(std::span<const std::uint8_t> b, std::uint8_t expected_tag, std::uint32_t requested_max,
                    const BulkInHeader& h) {
  require(b.size() >= 12, "accepted fewer than 12 bytes");
  require(h.tag == expected_tag, "accepted a bTag other than the request's");
  require(static_cast<std::uint8_t>(h.tag ^ b[2]) == 0xFF, "accepted a ~bTag that is not the inverse");
  require(h.transfer_size <= requested_max, "accepted a TransferSize above the request");

  // Encode the parsed fields as a device would and compare with what was read.
  std::uint8_t again[12] = {};
  again[0] = 2;  // DEV_DEP_MSG_IN
  again[1] = h.tag;
  again[2] = static_cast<std::uint8_t>(~h.tag);
  for (int i = 0; i < 4; ++i) again[4 + i] = static_cast<std::uint8_t>(h.transfer_size >> (8 * i));
  again[8] = static_cast<std::uint8_t>((h.eom ? 0x01 : 0) | (h.term_char_seen ? 0x02 : 0));
  for (std::size_t i = 0; i < 12; ++i) {
    if (i == 9) continue;                                      // not represented
    const std::uint8_t mask = i == 8 ? 0x03 : 0xFF;            // bits 2..7 of byte 8 not represented
    require((b[i] & mask) == again[i], "re-encoding the accepted fields does not reproduce the header");
  }
}

void check_refused(std::span<const std::uint8_t> b, std::uint8_t expected_tag, std::uint32_t requested_max,
                   BulkInFault fault) {
  // The check runs its rules in this order; each fault must be the first rule really broken.
  const bool short_header = b.size() < 12;
  require((fault == BulkInFault::too_short) == short_header, "too_short iff fewer than 12 bytes");
  if (short_header) return;
  const bool bad_id = b[0] != 2;
  const bool bad_inverse = static_cast<std::uint8_t>(b[1] ^ b[2]) != 0xFF;
  const bool bad_tag = b[1] != expected_tag;
  const bool bad_reserved = b[3] != 0 || b[10] != 0 || b[11] != 0;
  const bool too_big = u32_le(&b[4]) > requested_max;
  switch (fault) {
    case BulkInFault::wrong_msg_id: require(bad_id, "wrong_msg_id on MsgID 2"); break;
    case BulkInFault::tag_inverse: require(!bad_id && bad_inverse, "tag_inverse not first broken rule"); break;
    case BulkInFault::unexpected_tag:
      require(!bad_id && !bad_inverse && bad_tag, "unexpected_tag not first broken rule");
      break;
    case BulkInFault::reserved_nonzero:
      require(!bad_id && !bad_inverse && !bad_tag && bad_reserved, "reserved_nonzero not first broken rule");
      break;
    case BulkInFault::oversize:
      require(!bad_id && !bad_inverse && !bad_tag && !bad_reserved && too_big, "oversize not first broken rule");
      break;
    case BulkInFault::none:
    case BulkInFault::too_short: violated("unreachable fault");
    default: violated("fault outside the enum");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const std::uint8_t expected_tag = data[0];
  const std::uint32_t requested_max = u32_le(data + 1);
  const std::span<const std::uint8_t> bytes(data + 5, size - 5);

  BulkInHeader out = kUntouched;
  const BulkInFault fault = check_bulk_in_header(bytes, expected_tag, requested_max, out);
  if (fault == BulkInFault::none) {
    check_accepted(bytes, expected_tag, requested_max, out);
  } else {
    require(untouched(out), "a refused header wrote `out`");
    check_refused(bytes, expected_tag, requested_max, fault);
  }
  return 0;
}
