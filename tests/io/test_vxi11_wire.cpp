// XDR (RFC 4506) and ONC RPC (RFC 5531) wire bytes against vectors written out by hand from
// the RFCs' layouts. Every expected vector is a literal with its fields named in a comment;
// none is computed by the code under test.
#include "io/vxi11/rpc.hpp"
#include "io/vxi11/xdr.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

using ledlab::Errc;
namespace xdr = ledlab::io::xdr;
namespace rpc = ledlab::io::rpc;
using namespace std::string_literals;

namespace {

std::string spaced_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ' ';
    const auto b = static_cast<unsigned char>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 0x0F];
  }
  return out;
}

}  // namespace

TEST_CASE("XDR writes integers big-endian and booleans as 0 or 1") {
  xdr::Writer w;
  w.u32(0x01020304);
  w.i32(-2);
  w.boolean(true);
  w.boolean(false);
  CHECK(spaced_hex(w.bytes()) == "01 02 03 04 ff ff ff fe 00 00 00 01 00 00 00 00");
}

TEST_CASE("XDR pads opaque data and strings with zeros to a multiple of four") {
  xdr::Writer w;
  w.string("IDN");    // length 3, one pad byte
  w.opaque("ABCD");   // length 4, no padding
  w.opaque("");       // length 0, nothing more
  w.string("inst0");  // length 5, three pad bytes
  CHECK(spaced_hex(w.bytes()) ==
        "00 00 00 03 49 44 4e 00 "
        "00 00 00 04 41 42 43 44 "
        "00 00 00 00 "
        "00 00 00 05 69 6e 73 74 30 00 00 00");
}

TEST_CASE("XDR reads back what it wrote, skipping the padding") {
  const std::string bytes = "\x00\x00\x00\x05inst0\x00\x00\x00" "\xff\xff\xff\xfe" "\x00\x00\x00\x01"s;
  xdr::Reader r(bytes);
  CHECK(r.string("device", 64).value() == "inst0");
  CHECK(r.i32("n").value() == -2);
  CHECK(r.boolean("flag").value() == true);
  CHECK(r.remaining() == 0);
}

TEST_CASE("XDR refuses a length beyond its bound before reading the bytes") {
  const std::string bytes = "\x7f\xff\xff\xff" "abcd"s;
  xdr::Reader r(bytes);
  auto s = r.opaque("data", 1024);
  REQUIRE_FALSE(s);
  CHECK(s.error().code == Errc::protocol);
  CHECK_THAT(s.error().message, Catch::Contains("'data'") && Catch::Contains("2147483647") && Catch::Contains("1024"));
}

TEST_CASE("XDR refuses a length near 2^32 without overflowing the padding sum") {
  const std::string bytes = "\xff\xff\xff\xff" "abcd"s;
  xdr::Reader r(bytes);
  auto s = r.opaque("data", std::size_t{0xFFFFFFFFu});
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("'data' needs 4294967296 bytes, 4 left"));
}

TEST_CASE("XDR names the truncated field") {
  const std::string bytes = "\x00\x00\x00\x08" "abc"s;
  xdr::Reader r(bytes);
  auto s = r.opaque("data", 64);
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("'data' needs 8 bytes, 3 left"));
  xdr::Reader short_int(std::string_view("\x00\x01", 2));
  auto v = short_int.u32("lid");
  REQUIRE_FALSE(v);
  CHECK_THAT(v.error().message, Catch::Contains("'lid' needs 4 bytes, 2 left"));
}

TEST_CASE("XDR refuses a boolean that is neither 0 nor 1") {
  xdr::Reader r(std::string_view("\x00\x00\x00\x02", 4));
  auto b = r.boolean("lockDevice");
  REQUIRE_FALSE(b);
  CHECK_THAT(b.error().message, Catch::Contains("'lockDevice'") && Catch::Contains("holds 2"));
}

TEST_CASE("an RPC call header with AUTH_NONE matches RFC 5531 section 9 byte for byte") {
  xdr::Writer w;
  rpc::encode_call(w, {.xid = 0x11223344, .program = 100000, .version = 2, .procedure = 3});
  CHECK(spaced_hex(w.bytes()) ==
        "11 22 33 44 "  // xid
        "00 00 00 00 "  // msg_type CALL
        "00 00 00 02 "  // rpcvers 2
        "00 01 86 a0 "  // prog 100000 (portmapper)
        "00 00 00 02 "  // vers 2
        "00 00 00 03 "  // proc GETPORT
        "00 00 00 00 00 00 00 00 "  // cred: AUTH_NONE, empty body
        "00 00 00 00 00 00 00 00");  // verf: AUTH_NONE, empty body
  xdr::Reader r(w.bytes());
  auto call = rpc::decode_call(r);
  REQUIRE(call);
  CHECK(call->xid == 0x11223344);
  CHECK(call->program == 100000);
  CHECK(call->procedure == 3);
  CHECK(call->rpc_version == 2);
  CHECK(r.remaining() == 0);
}

TEST_CASE("an RPC call with AUTH_UNIX credentials is read past its credentials") {
  const std::string bytes =
      "\x00\x00\x00\x07" "\x00\x00\x00\x00" "\x00\x00\x00\x02" "\x00\x06\x07\xaf" "\x00\x00\x00\x01" "\x00\x00\x00\x0a"
      "\x00\x00\x00\x01" "\x00\x00\x00\x08" "abcdefgh"  // cred: AUTH_SYS (1), 8 bytes
      "\x00\x00\x00\x00" "\x00\x00\x00\x00"              // verf: AUTH_NONE
      "\x00\x00\x00\x2a"s;                                // first argument
  xdr::Reader r(bytes);
  auto call = rpc::decode_call(r);
  REQUIRE(call);
  CHECK(call->program == 0x0607AF);
  CHECK(call->procedure == 10);
  CHECK(r.u32("arg").value() == 42);
}

TEST_CASE("an RPC call with credentials over 400 bytes is refused") {
  const std::string bytes =
      "\x00\x00\x00\x07" "\x00\x00\x00\x00" "\x00\x00\x00\x02" "\x00\x06\x07\xaf" "\x00\x00\x00\x01" "\x00\x00\x00\x0a"
      "\x00\x00\x00\x01" "\x00\x00\x01\x94"s + std::string(404, 'x');  // 404-byte body
  xdr::Reader r(bytes);
  auto call = rpc::decode_call(r);
  REQUIRE_FALSE(call);
  CHECK_THAT(call.error().message, Catch::Contains("'cred'") && Catch::Contains("400"));
}

TEST_CASE("an accepted RPC reply matches RFC 5531 section 9 byte for byte") {
  xdr::Writer w;
  rpc::encode_accepted(w, 7, rpc::AcceptStat::success);
  w.u32(1024);  // a GETPORT result
  CHECK(spaced_hex(w.bytes()) ==
        "00 00 00 07 "  // xid
        "00 00 00 01 "  // msg_type REPLY
        "00 00 00 00 "  // reply_stat MSG_ACCEPTED
        "00 00 00 00 00 00 00 00 "  // verf AUTH_NONE
        "00 00 00 00 "  // accept_stat SUCCESS
        "00 00 04 00");  // result
  xdr::Reader r(w.bytes());
  auto reply = rpc::decode_reply(r);
  REQUIRE(reply);
  CHECK(rpc::check_reply(*reply, {.xid = 7}));
  CHECK(r.u32("port").value() == 1024);
}

TEST_CASE("a PROG_MISMATCH reply carries the versions the server offers") {
  xdr::Writer w;
  rpc::encode_accepted(w, 9, rpc::AcceptStat::prog_mismatch, 1, 1);
  CHECK(spaced_hex(w.bytes()) ==
        "00 00 00 09 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 "
        "00 00 00 02 "      // PROG_MISMATCH
        "00 00 00 01 00 00 00 01");  // low 1, high 1
  xdr::Reader r(w.bytes());
  auto reply = rpc::decode_reply(r);
  REQUIRE(reply);
  auto s = rpc::check_reply(*reply, {.xid = 9, .program = 0x0607AF, .version = 3, .procedure = 10});
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("PROG_MISMATCH") && Catch::Contains("1..1") && Catch::Contains("395183"));
}

TEST_CASE("a denied RPC_MISMATCH reply matches RFC 5531 section 9 and reads as an error") {
  xdr::Writer w;
  rpc::encode_rpc_mismatch(w, 5);
  CHECK(spaced_hex(w.bytes()) ==
        "00 00 00 05 00 00 00 01 "
        "00 00 00 01 "  // MSG_DENIED
        "00 00 00 00 "  // RPC_MISMATCH
        "00 00 00 02 00 00 00 02");
  xdr::Reader r(w.bytes());
  auto reply = rpc::decode_reply(r);
  REQUIRE(reply);
  auto s = rpc::check_reply(*reply, {.xid = 5});
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("RPC_MISMATCH"));
}

TEST_CASE("a reply for another xid is refused") {
  xdr::Writer w;
  rpc::encode_accepted(w, 8, rpc::AcceptStat::success);
  xdr::Reader r(w.bytes());
  auto s = rpc::check_reply(rpc::decode_reply(r).value(), {.xid = 9});
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("xid 8") && Catch::Contains("9"));
}

TEST_CASE("record marking sets the last-fragment bit only on the last fragment") {
  CHECK(spaced_hex(rpc::encode_record("abcdefgh")) == "80 00 00 08 61 62 63 64 65 66 67 68");
  CHECK(spaced_hex(rpc::encode_record("abcdefgh", 5)) == "00 00 00 05 61 62 63 64 65 80 00 00 03 66 67 68");
  CHECK(spaced_hex(rpc::encode_record("")) == "80 00 00 00");
}

TEST_CASE("record marking refuses a fragment over its bound before allocating") {
  const rpc::RecordLimits limits{.max_fragment = 1024, .max_record = 4096};
  auto ok = rpc::decode_fragment_header(std::string_view("\x80\x00\x04\x00", 4), 0, limits);
  REQUIRE(ok);
  CHECK(ok->last);
  CHECK(ok->length == 1024);
  auto huge = rpc::decode_fragment_header(std::string_view("\xff\xff\xff\xff", 4), 0, limits);
  REQUIRE_FALSE(huge);
  CHECK_THAT(huge.error().message, Catch::Contains("2147483647") && Catch::Contains("1024"));
  auto too_long = rpc::decode_fragment_header(std::string_view("\x00\x00\x04\x00", 4), 3500, limits);
  REQUIRE_FALSE(too_long);
  CHECK_THAT(too_long.error().message, Catch::Contains("4524") && Catch::Contains("4096"));
}

TEST_CASE("a portmapper GETPORT mapping is four XDR words") {
  xdr::Writer w;
  rpc::portmap::encode_mapping(w, {.program = 0x0607AF, .version = 1, .protocol = rpc::portmap::kIpProtoTcp, .port = 0});
  CHECK(spaced_hex(w.bytes()) == "00 06 07 af 00 00 00 01 00 00 00 06 00 00 00 00");
  xdr::Reader r(w.bytes());
  auto m = rpc::portmap::decode_mapping(r);
  REQUIRE(m);
  CHECK(m->program == 0x0607AF);
  CHECK(m->protocol == 6);
}
