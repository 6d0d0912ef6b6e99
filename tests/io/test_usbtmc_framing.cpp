// USBTMC 1.0 / USB488 1.0 framing against byte vectors written out by hand from the tables
// (REFERENCE.md section 1). Every expected vector is a literal with its fields named in a
// comment; none is computed by the code under test.
#include "io/usbtmc/protocol.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

using ledlab::Errc;
using namespace ledlab::io::usbtmc;

namespace {

// Our own hex rendering (not usbtmc::hex, which is under test) so a mismatch prints bytes.
std::string spaced_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ' ';
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
  return out;
}

Bytes bytes_of(std::initializer_list<std::uint8_t> header, std::string_view payload = {},
               std::initializer_list<std::uint8_t> padding = {}) {
  Bytes out(header);
  out.insert(out.end(), payload.begin(), payload.end());
  out.insert(out.end(), padding.begin(), padding.end());
  return out;
}

// A well-formed DEV_DEP_MSG_IN header for bTag 3, TransferSize 5, EOM: tests below break
// one field at a time.
constexpr std::array<std::uint8_t, 12> kGoodReply3 = {
    0x02,                    // [0] MsgID DEV_DEP_MSG_IN
    0x03, 0xFC,              // [1] bTag 3, [2] ~bTag
    0x00,                    // [3] reserved
    0x05, 0x00, 0x00, 0x00,  // [4..7] TransferSize 5
    0x01,                    // [8] bmTransferAttributes: EOM
    0x00, 0x00, 0x00,        // [9..11] reserved
};

Bytes good_reply() { return Bytes(kGoodReply3.begin(), kGoodReply3.end()); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Bulk-OUT

TEST_CASE("DEV_DEP_MSG_OUT for *IDN? is the 12-byte header, the 6 bytes and 2 bytes of padding") {
  const Bytes expected = bytes_of(
      {
          0x01,                    // [0] MsgID DEV_DEP_MSG_OUT
          0x01, 0xFE,              // [1] bTag 1, [2] ~bTag
          0x00,                    // [3] reserved
          0x06, 0x00, 0x00, 0x00,  // [4..7] TransferSize 6, little-endian
          0x01,                    // [8] bmTransferAttributes bit0 EOM
          0x00, 0x00, 0x00,        // [9..11] reserved
      },
      "*IDN?\n",      // [12..17] 2a 49 44 4e 3f 0a
      {0x00, 0x00});  // (12 + 6 + 3) & ~3 = 20: two alignment bytes
  const Bytes out = encode_dev_dep_msg_out(1, std::string_view("*IDN?\n"), true);
  CHECK(spaced_hex(out) == spaced_hex(expected));
  CHECK(spaced_hex(out) == "01 01 fe 00 06 00 00 00 01 00 00 00 2a 49 44 4e 3f 0a 00 00");
}

TEST_CASE("DEV_DEP_MSG_OUT without EOM leaves bmTransferAttributes zero") {
  const Bytes expected = bytes_of({0x01, 0x2A, 0xD5, 0x00,   // MsgID 1, bTag 42, ~bTag 0xd5
                                   0x04, 0x00, 0x00, 0x00,   // TransferSize 4
                                   0x00, 0x00, 0x00, 0x00},  // no EOM: more transfers follow
                                  "MEAS");                   // 16 bytes, already aligned
  CHECK(spaced_hex(encode_dev_dep_msg_out(42, std::string_view("MEAS"), false)) == spaced_hex(expected));
}

TEST_CASE("DEV_DEP_MSG_OUT pads payloads of 0 to 4 bytes to a multiple of 4 with zeros") {
  // bTag 5, ~bTag 0xfa; the TransferSize counts payload bytes only, never the padding.
  SECTION("0 bytes: the header alone, 12 bytes") {
    const Bytes expected = {0x01, 0x05, 0xFA, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    CHECK(spaced_hex(encode_dev_dep_msg_out(5, std::string_view(""), true)) == spaced_hex(expected));
  }
  SECTION("1 byte: 3 padding bytes") {
    const Bytes expected = bytes_of({0x01, 0x05, 0xFA, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, "A",
                                    {0x00, 0x00, 0x00});
    CHECK(spaced_hex(encode_dev_dep_msg_out(5, std::string_view("A"), true)) == spaced_hex(expected));
  }
  SECTION("2 bytes: 2 padding bytes") {
    const Bytes expected =
        bytes_of({0x01, 0x05, 0xFA, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, "AB", {0x00, 0x00});
    CHECK(spaced_hex(encode_dev_dep_msg_out(5, std::string_view("AB"), true)) == spaced_hex(expected));
  }
  SECTION("3 bytes: 1 padding byte") {
    const Bytes expected =
        bytes_of({0x01, 0x05, 0xFA, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, "ABC", {0x00});
    CHECK(spaced_hex(encode_dev_dep_msg_out(5, std::string_view("ABC"), true)) == spaced_hex(expected));
  }
  SECTION("4 bytes: no padding") {
    const Bytes expected =
        bytes_of({0x01, 0x05, 0xFA, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00}, "ABCD");
    CHECK(spaced_hex(encode_dev_dep_msg_out(5, std::string_view("ABCD"), true)) == spaced_hex(expected));
  }
  SECTION("the span overload frames bytes the same way") {
    const std::array<std::uint8_t, 3> payload = {0x00, 0xFF, 0x80};  // binary, with a NUL
    const Bytes expected = {0x01, 0x05, 0xFA, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                            0x00, 0xFF, 0x80, 0x00};
    CHECK(spaced_hex(encode_dev_dep_msg_out(5, std::span<const std::uint8_t>(payload), true)) ==
          spaced_hex(expected));
  }
}

TEST_CASE("a large DEV_DEP_MSG_OUT carries its TransferSize in all three low bytes, little-endian") {
  // 66051 = 0x00010203: bytes [4..7] read 03 02 01 00. 12 + 66051 = 66063, padded to 66064.
  const std::string payload(66051, 'x');
  const Bytes out = encode_dev_dep_msg_out(0xFF, std::string_view(payload), true);
  REQUIRE(out.size() == 66064);
  const Bytes header(out.begin(), out.begin() + 12);
  CHECK(spaced_hex(header) == "01 ff 00 00 03 02 01 00 01 00 00 00");  // bTag 255, ~bTag 0
  CHECK(out[12] == 'x');
  CHECK(out[12 + 66050] == 'x');
  CHECK(out.back() == 0x00);  // the one alignment byte
}

TEST_CASE("REQUEST_DEV_DEP_MSG_IN without a term char clears bit1 and byte 9") {
  const Bytes expected = {
      0x02,                    // [0] MsgID REQUEST_DEV_DEP_MSG_IN
      0x02, 0xFD,              // [1] bTag 2, [2] ~bTag
      0x00,                    // [3] reserved
      0x00, 0x04, 0x00, 0x00,  // [4..7] TransferSize: at most 1024 = 0x400 bytes back
      0x00,                    // [8] bmTransferAttributes: TermCharEnabled clear
      0x00,                    // [9] TermChar (unused)
      0x00, 0x00,              // [10..11] reserved
  };
  CHECK(spaced_hex(encode_request_dev_dep_msg_in(2, 1024, std::nullopt)) == spaced_hex(expected));
}

TEST_CASE("REQUEST_DEV_DEP_MSG_IN with a term char sets bit1 and puts the char in byte 9") {
  const Bytes expected = {
      0x02,                    // [0] MsgID REQUEST_DEV_DEP_MSG_IN
      0x07, 0xF8,              // [1] bTag 7, [2] ~bTag
      0x00,                    // [3] reserved
      0x04, 0x03, 0x02, 0x01,  // [4..7] TransferSize 0x01020304, little-endian
      0x02,                    // [8] bit1 TermCharEnabled
      0x0A,                    // [9] TermChar '\n'
      0x00, 0x00,              // [10..11] reserved
  };
  CHECK(spaced_hex(encode_request_dev_dep_msg_in(7, 0x01020304, '\n')) == spaced_hex(expected));
}

TEST_CASE("USB488 TRIGGER is a bare header with MsgID 128 and everything else zero") {
  const Bytes expected = {
      0x80,                    // [0] MsgID TRIGGER (USB488 table 2)
      0x09, 0xF6,              // [1] bTag 9, [2] ~bTag
      0x00,                    // [3] reserved
      0x00, 0x00, 0x00, 0x00,  // [4..7] reserved for TRIGGER
      0x00, 0x00, 0x00, 0x00,  // [8..11] reserved
  };
  CHECK(spaced_hex(encode_trigger(9)) == spaced_hex(expected));
}

TEST_CASE("a device-side parse of a Bulk-OUT header reads back MsgID, tag, size and attributes") {
  const Bytes request = {0x02, 0x07, 0xF8, 0x00, 0x04, 0x03, 0x02, 0x01, 0x02, 0x0A, 0x00, 0x00};
  auto h = parse_bulk_out_header(request);
  REQUIRE(h);
  CHECK(h->msg_id == MsgId::request_dev_dep_msg_in);
  CHECK(h->tag == 7);
  CHECK(h->transfer_size == 0x01020304u);
  CHECK(h->attributes == 0x02);
  CHECK(h->term_char == '\n');

  SECTION("an undefined MsgID is refused") {
    Bytes bad = request;
    bad[0] = 0x03;
    auto r = parse_bulk_out_header(bad);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("MsgID 3"));
  }
  SECTION("bTag 0 is refused (USBTMC 1.0 table 1: bTag is 1..255)") {
    const Bytes zero_tag = {0x01, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    auto r = parse_bulk_out_header(zero_tag);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("bTag is 0"));
  }
  SECTION("a wrong inverse is refused") {
    Bytes bad = request;
    bad[2] = 0xF7;
    auto r = parse_bulk_out_header(bad);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("inverse"));
  }
}

// ---------------------------------------------------------------------------------------------
// Tags

TEST_CASE("Bulk tags run 1..255 and wrap to 1, never 0 and never the previous tag") {
  TagCounter tags;
  CHECK(tags.last() == 0);  // nothing sent yet
  for (int expected = 1; expected <= 255; ++expected) {
    REQUIRE(tags.next() == expected);
    REQUIRE(tags.last() == expected);
  }
  CHECK(tags.next() == 1);  // 255 wraps to 1, skipping 0
  CHECK(tags.next() == 2);

  std::uint8_t previous = tags.last();
  for (int i = 0; i < 3 * 255; ++i) {
    const std::uint8_t tag = tags.next();
    REQUIRE(tag != 0);
    REQUIRE(tag != previous);
    previous = tag;
  }
}

TEST_CASE("READ_STATUS_BYTE tags run 2..127 and wrap to 2") {
  StatusTagCounter tags;
  for (int expected = 2; expected <= 127; ++expected) REQUIRE(tags.next() == expected);
  CHECK(tags.next() == 2);  // after 127 comes 2: 0 and 1 are never used (0x81 is SRQ)

  std::set<int> seen;
  for (int i = 0; i < 3 * 126; ++i) {
    const std::uint8_t tag = tags.next();
    REQUIRE(tag >= 2);
    REQUIRE(tag <= 127);
    seen.insert(tag);
  }
  CHECK(seen.size() == 126);
}

// ---------------------------------------------------------------------------------------------
// Bulk-IN

TEST_CASE("a good DEV_DEP_MSG_IN header answering the request parses") {
  const Bytes reply = bytes_of({0x02, 0x03, 0xFC, 0x00,   // MsgID 2, bTag 3, ~bTag, reserved
                                0x05, 0x00, 0x00, 0x00,   // TransferSize 5
                                0x01, 0x00, 0x00, 0x00},  // EOM
                               "1.25\n", {0x00, 0x00, 0x00});
  auto h = parse_bulk_in_header(reply, 3, 1024);
  REQUIRE(h);
  CHECK(h->tag == 3);
  CHECK(h->transfer_size == 5);
  CHECK(h->eom);
  CHECK_FALSE(h->term_char_seen);

  SECTION("TransferSize equal to the request is allowed") { CHECK(parse_bulk_in_header(reply, 3, 5)); }
  SECTION("a zero-length transfer is allowed") {
    const Bytes empty = {0x02, 0x03, 0xFC, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    auto e = parse_bulk_in_header(empty, 3, 1024);
    REQUIRE(e);
    CHECK(e->transfer_size == 0);
  }
}

TEST_CASE("Bulk-IN bmTransferAttributes: bit0 EOM, bit1 last byte was the TermChar") {
  Bytes reply = good_reply();
  struct Case {
    std::uint8_t attributes;
    bool eom;
    bool term_char_seen;
  };
  for (const Case c : {Case{0x00, false, false}, Case{0x01, true, false}, Case{0x02, false, true},
                       Case{0x03, true, true}}) {
    CAPTURE(c.attributes);
    reply[8] = c.attributes;
    auto h = parse_bulk_in_header(reply, 3, 1024);
    REQUIRE(h);
    CHECK(h->eom == c.eom);
    CHECK(h->term_char_seen == c.term_char_seen);
  }
}

TEST_CASE("Bulk-IN TransferSize is read little-endian across all four bytes") {
  Bytes reply = good_reply();
  reply[4] = 0x78;  // 0x12345678
  reply[5] = 0x56;
  reply[6] = 0x34;
  reply[7] = 0x12;
  auto h = parse_bulk_in_header(reply, 3, 0xFFFFFFFFu);
  REQUIRE(h);
  CHECK(h->transfer_size == 0x12345678u);
}

TEST_CASE("a Bulk-IN header whose MsgID is not DEV_DEP_MSG_IN is refused") {
  for (const std::uint8_t id : {0x00, 0x01, 0x7E, 0x7F, 0x80, 0xFF}) {
    CAPTURE(id);
    Bytes reply = good_reply();
    reply[0] = id;
    auto r = parse_bulk_in_header(reply, 3, 1024);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
    CHECK_THAT(r.error().message, Catch::Contains("MsgID " + std::to_string(id)));
    CHECK_THAT(r.error().message, Catch::Contains("DEV_DEP_MSG_IN (2)"));
  }
}

TEST_CASE("a Bulk-IN header whose ~bTag is not the inverse of bTag is refused") {
  Bytes reply = good_reply();
  reply[2] = 0xFB;  // ~3 is 0xfc
  auto r = parse_bulk_in_header(reply, 3, 1024);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::protocol);
  CHECK_THAT(r.error().message, Catch::Contains("bTag 3 and its inverse 251 do not match"));
  CHECK_THAT(r.error().message, Catch::Contains("02 03 fb 00"));  // the bytes that broke it

  SECTION("bTag 0 with ~bTag 0xff never matches a request's tag") {
    const Bytes zero = {0x02, 0x00, 0xFF, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    CHECK_FALSE(parse_bulk_in_header(zero, 3, 1024));
  }
}

TEST_CASE("a Bulk-IN header answering an older request is refused as an unexpected bTag") {
  // A well-formed reply with bTag 2 (a request that timed out) read while waiting for bTag 3.
  const Bytes stale = {0x02, 0x02, 0xFD, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
  auto r = parse_bulk_in_header(stale, 3, 1024);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::protocol);
  CHECK_THAT(r.error().message, Catch::Contains("bTag 2 answers no request (expected 3)"));

  BulkInHeader out;
  CHECK(check_bulk_in_header(stale, 3, 1024, out) == BulkInFault::unexpected_tag);
}

TEST_CASE("a Bulk-IN header with a non-zero reserved byte is refused") {
  for (const std::size_t at : {std::size_t{3}, std::size_t{10}, std::size_t{11}}) {
    CAPTURE(at);
    Bytes reply = good_reply();
    reply[at] = 0x01;
    auto r = parse_bulk_in_header(reply, 3, 1024);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
    CHECK_THAT(r.error().message, Catch::Contains("reserved bytes are not zero"));
  }
}

TEST_CASE("a Bulk-IN TransferSize above the request's maximum is refused") {
  SECTION("one byte more than asked for") {
    const Bytes reply = good_reply();  // TransferSize 5
    auto r = parse_bulk_in_header(reply, 3, 4);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
    CHECK_THAT(r.error().message, Catch::Contains("TransferSize 5 exceeds the 4 bytes requested"));
  }
  SECTION("0xffffffff against 0xfffffffe, so the top byte is not lost") {
    Bytes reply = good_reply();
    reply[4] = reply[5] = reply[6] = reply[7] = 0xFF;
    auto r = parse_bulk_in_header(reply, 3, 0xFFFFFFFEu);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("TransferSize 4294967295 exceeds the 4294967294 bytes"));
    CHECK(parse_bulk_in_header(reply, 3, 0xFFFFFFFFu));
  }
}

TEST_CASE("a Bulk-IN transfer shorter than the 12-byte header is refused at every length") {
  const Bytes full = good_reply();
  for (std::size_t n = 0; n < 12; ++n) {
    CAPTURE(n);
    const std::span<const std::uint8_t> head(full.data(), n);
    auto r = parse_bulk_in_header(head, 3, 1024);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
    CHECK_THAT(r.error().message,
               Catch::Contains("transfer of " + std::to_string(n) + " bytes is shorter than the 12-byte header"));
  }
}

TEST_CASE("check_bulk_in_header names the fault and leaves the output alone on a refusal") {
  const BulkInHeader sentinel{.tag = 0xAA, .transfer_size = 0xDEADBEEF, .eom = true, .term_char_seen = true};
  auto untouched = [&](const BulkInHeader& h) {
    return h.tag == sentinel.tag && h.transfer_size == sentinel.transfer_size && h.eom == sentinel.eom &&
           h.term_char_seen == sentinel.term_char_seen;
  };
  struct Case {
    std::size_t at;
    std::uint8_t value;
    BulkInFault fault;
  };
  for (const Case c : {Case{0, 0x01, BulkInFault::wrong_msg_id}, Case{2, 0x00, BulkInFault::tag_inverse},
                       Case{3, 0x10, BulkInFault::reserved_nonzero}, Case{11, 0x80, BulkInFault::reserved_nonzero},
                       Case{4, 0x06, BulkInFault::oversize}}) {
    CAPTURE(c.at, c.value);
    Bytes reply = good_reply();
    reply[c.at] = c.value;
    BulkInHeader out = sentinel;
    CHECK(check_bulk_in_header(reply, 3, 5, out) == c.fault);
    CHECK(untouched(out));
  }
  BulkInHeader out = sentinel;
  CHECK(check_bulk_in_header(std::span<const std::uint8_t>(kGoodReply3.data(), 11), 3, 5, out) ==
        BulkInFault::too_short);
  CHECK(untouched(out));
  CHECK(check_bulk_in_header(kGoodReply3, 3, 5, out) == BulkInFault::none);
  CHECK(out.tag == 3);
  CHECK(out.transfer_size == 5);
  CHECK(out.eom);
  CHECK_FALSE(out.term_char_seen);
}

TEST_CASE("a fake device's DEV_DEP_MSG_IN is framed like a Bulk-OUT transfer") {
  const Bytes expected = bytes_of({0x02, 0x04, 0xFB, 0x00,   // MsgID 2, bTag 4, ~bTag, reserved
                                   0x02, 0x00, 0x00, 0x00,   // TransferSize 2
                                   0x03, 0x00, 0x00, 0x00},  // EOM | TermChar seen
                                  "1\n", {0x00, 0x00});
  CHECK(spaced_hex(encode_dev_dep_msg_in(4, "1\n", true, true)) == spaced_hex(expected));
}

// ---------------------------------------------------------------------------------------------
// Control replies

TEST_CASE("GET_CAPABILITIES of a USB488 SCPI instrument parses field by field") {
  const Bytes reply = {
      0x01,                                // [0] USBTMC_status SUCCESS
      0x00,                                // [1] reserved
      0x00, 0x01,                          // [2..3] bcdUSBTMC 1.00 (0x0100, little-endian)
      0x04,                                // [4] bit2 INDICATOR_PULSE
      0x01,                                // [5] bit0 TermChar
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // [6..11] reserved
      0x10, 0x01,                          // [12..13] bcdUSB488 1.10 (0x0110)
      0x07,                                // [14] bit2 488.2, bit1 REN/GTL/LLO, bit0 TRIGGER
      0x0F,                                // [15] bit3 SCPI, bit2 SR1, bit1 RL1, bit0 DT1
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // [16..23] reserved
  };
  auto c = parse_capabilities(reply);
  REQUIRE(c);
  CHECK(c->bcd_usbtmc == 0x0100);
  CHECK(c->indicator_pulse);
  CHECK_FALSE(c->talk_only);
  CHECK_FALSE(c->listen_only);
  CHECK(c->term_char);
  CHECK(c->bcd_usb488 == 0x0110);
  CHECK(c->is_488_2);
  CHECK(c->ren_control);
  CHECK(c->trigger);
  CHECK(c->scpi);
  CHECK(c->sr1);
  CHECK(c->rl1);
  CHECK(c->dt1);

  SECTION("the fake device's encoding is the same 24 bytes") {
    CHECK(spaced_hex(encode_capabilities(*c)) == spaced_hex(reply));
  }
}

TEST_CASE("each GET_CAPABILITIES bit sets exactly its own flag") {
  struct Case {
    std::size_t byte;
    std::uint8_t bit;
    bool Capabilities::*flag;
  };
  const std::array cases = {
      Case{4, 0x04, &Capabilities::indicator_pulse}, Case{4, 0x02, &Capabilities::talk_only},
      Case{4, 0x01, &Capabilities::listen_only},     Case{5, 0x01, &Capabilities::term_char},
      Case{14, 0x04, &Capabilities::is_488_2},       Case{14, 0x02, &Capabilities::ren_control},
      Case{14, 0x01, &Capabilities::trigger},        Case{15, 0x08, &Capabilities::scpi},
      Case{15, 0x04, &Capabilities::sr1},            Case{15, 0x02, &Capabilities::rl1},
      Case{15, 0x01, &Capabilities::dt1},
  };
  const std::array all_flags = {&Capabilities::indicator_pulse, &Capabilities::talk_only,
                                &Capabilities::listen_only,     &Capabilities::term_char,
                                &Capabilities::is_488_2,        &Capabilities::ren_control,
                                &Capabilities::trigger,         &Capabilities::scpi,
                                &Capabilities::sr1,             &Capabilities::rl1,
                                &Capabilities::dt1};
  for (const Case& c : cases) {
    CAPTURE(c.byte, c.bit);
    Bytes reply(24, 0x00);
    reply[0] = 0x01;  // SUCCESS
    reply[c.byte] = c.bit;
    auto caps = parse_capabilities(reply);
    REQUIRE(caps);
    int set = 0;
    for (auto flag : all_flags) set += (*caps).*flag ? 1 : 0;
    CHECK(set == 1);
    CHECK((*caps).*(c.flag));
  }
}

TEST_CASE("a plain USBTMC interface reports bcdUSB488 0 and no USB488 capabilities") {
  Bytes reply(24, 0x00);
  reply[0] = 0x01;  // SUCCESS
  reply[2] = 0x00;  // bcdUSBTMC 1.00
  reply[3] = 0x01;
  reply[4] = 0x02;  // talk-only
  auto c = parse_capabilities(reply);
  REQUIRE(c);
  CHECK(c->bcd_usbtmc == 0x0100);
  CHECK(c->talk_only);
  CHECK(c->bcd_usb488 == 0);
  CHECK_FALSE(c->is_488_2);
  CHECK_FALSE(c->sr1);
}

TEST_CASE("GET_CAPABILITIES with a status other than SUCCESS, or short, is refused") {
  Bytes reply(24, 0x00);
  SECTION("FAILED") {
    reply[0] = 0x80;
    auto r = parse_capabilities(reply);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::protocol);
    CHECK_THAT(r.error().message, Catch::Contains("GET_CAPABILITIES answered FAILED"));
  }
  SECTION("PENDING") {
    reply[0] = 0x02;
    auto r = parse_capabilities(reply);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("PENDING"));
  }
  SECTION("a code the standard does not define is named in hex") {
    reply[0] = 0x55;
    auto r = parse_capabilities(reply);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("status 0x55"));
  }
  SECTION("23 bytes") {
    reply[0] = 0x01;
    reply.pop_back();
    auto r = parse_capabilities(reply);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("23 bytes is shorter than 24"));
  }
}

TEST_CASE("CHECK_ABORT_BULK_IN_STATUS reply: status, bmAbortBulkIn bit0 and NBYTES_RXD") {
  SECTION("pending with data still queued") {
    const Bytes reply = {
        0x02,                    // [0] USBTMC_status PENDING
        0x01,                    // [1] bmAbortBulkIn bit0: more data in the FIFO
        0x00, 0x00,              // [2..3] reserved
        0x78, 0x56, 0x34, 0x12,  // [4..7] NBYTES_RXD 0x12345678, little-endian
    };
    auto s = parse_check_abort_in(reply);
    REQUIRE(s);
    CHECK(s->status == 0x02);
    CHECK(s->more_data);
    CHECK(s->transferred == 0x12345678u);
  }
  SECTION("success, nothing queued") {
    const Bytes reply = {0x01, 0x00, 0x00, 0x00, 0x2C, 0x01, 0x00, 0x00};  // NBYTES_RXD 300
    auto s = parse_check_abort_in(reply);
    REQUIRE(s);
    CHECK(s->status == 0x01);
    CHECK_FALSE(s->more_data);
    CHECK(s->transferred == 300);
  }
  SECTION("only bit0 of bmAbortBulkIn means more data") {
    const Bytes reply = {0x01, 0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    auto s = parse_check_abort_in(reply);
    REQUIRE(s);
    CHECK_FALSE(s->more_data);
  }
  SECTION("7 bytes are refused") {
    const Bytes reply = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    auto r = parse_check_abort_in(reply);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("CHECK_ABORT_BULK_IN_STATUS reply of 7 bytes is shorter than 8"));
  }
}

TEST_CASE("READ_STATUS_BYTE reply is status, bTag, STB") {
  const Bytes reply = {
      0x01,  // [0] USBTMC_status SUCCESS
      0x05,  // [1] bTag 5, echoing wValue
      0x50,  // [2] STB: bit6 RQS, bit4 MAV
  };
  auto s = parse_read_status_byte(reply);
  REQUIRE(s);
  CHECK(s->status == 0x01);
  CHECK(s->tag == 5);
  CHECK(s->stb == 0x50);

  SECTION("INTERRUPT_IN_BUSY is handed back for the caller to retry") {
    const Bytes busy = {0x20, 0x06, 0x00};
    auto b = parse_read_status_byte(busy);
    REQUIRE(b);
    CHECK(b->status == 0x20);
  }
  SECTION("2 bytes are refused") {
    const Bytes shorter = {0x01, 0x05};
    auto r = parse_read_status_byte(shorter);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("READ_STATUS_BYTE reply of 2 bytes is shorter than 3"));
  }
}

// ---------------------------------------------------------------------------------------------
// Interrupt-IN

TEST_CASE("Interrupt-IN 0x81 is a service request carrying the STB") {
  const Bytes notify = {0x81, 0x40};  // bNotify1 SRQ, bNotify2 STB with RQS
  auto n = parse_notification(notify);
  REQUIRE(n);
  CHECK(n->is_srq);
  CHECK_FALSE(n->is_status_byte);
  CHECK(n->stb == 0x40);
}

TEST_CASE("Interrupt-IN 0x80|bTag answers the READ_STATUS_BYTE with that bTag") {
  for (const std::uint8_t tag : {2, 5, 127}) {
    CAPTURE(tag);
    const Bytes notify = {static_cast<std::uint8_t>(0x80 | tag), 0x10};  // 0x82, 0x85, 0xff; STB MAV
    auto n = parse_notification(notify);
    REQUIRE(n);
    CHECK(n->is_status_byte);
    CHECK_FALSE(n->is_srq);
    CHECK(n->tag == tag);
    CHECK(n->stb == 0x10);
  }
}

TEST_CASE("Interrupt-IN notifications that are not USB488's are refused") {
  SECTION("bit7 clear is vendor specific") {
    for (const std::uint8_t first : {0x00, 0x01, 0x7F}) {
      CAPTURE(first);
      const Bytes notify = {first, 0x00};
      auto r = parse_notification(notify);
      REQUIRE_FALSE(r);
      CHECK_THAT(r.error().message, Catch::Contains("vendor specific"));
    }
  }
  SECTION("0x80 carries bTag 0, which no request uses") {
    const Bytes notify = {0x80, 0x00};
    auto r = parse_notification(notify);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("names no request"));
  }
  SECTION("fewer than 2 bytes") {
    for (std::size_t n : {std::size_t{0}, std::size_t{1}}) {
      const Bytes notify(n, 0x81);
      auto r = parse_notification(notify);
      REQUIRE_FALSE(r);
      CHECK_THAT(r.error().message,
                 Catch::Contains("notification of " + std::to_string(n) + " bytes is shorter than 2"));
    }
  }
}
