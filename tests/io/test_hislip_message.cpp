// HiSLIP wire format (IVI-6.1 section 2.2 header, section 2.4 type values) against bytes
// worked out by hand, and the HiSLIP address forms.
#include "io/address.hpp"
#include "io/hislip/message.hpp"

#include <catch2/catch.hpp>

#include <array>

using namespace ledlab;
using namespace ledlab::io::hislip;

namespace {
std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}
}  // namespace

TEST_CASE("an Initialize for hislip0 is HS, type 0, version and vendor in the parameter, then the sub-address") {
  const std::string wire = encode(MessageType::initialize, 0, pack16(0x0100, ('L' << 8) | 'L'), "hislip0");
  // 'H' 'S' | type 0 | control 0 | 01 00 'L' 'L' | length 7 in 8 big-endian bytes | "hislip0"
  CHECK(wire == bytes({'H', 'S', 0x00, 0x00, 0x01, 0x00, 'L', 'L', 0, 0, 0, 0, 0, 0, 0, 7}) + "hislip0");
}

TEST_CASE("a DataEnd with the first message id carries 0xffffff00 and the payload length big-endian") {
  const std::string wire = encode(MessageType::data_end, kRmtDelivered, kFirstMessageId, "*IDN?\n");
  CHECK(wire == bytes({'H', 'S', 0x07, 0x01, 0xff, 0xff, 0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 6}) + "*IDN?\n");
}

TEST_CASE("the message type values are those of IVI-6.1 section 2.4") {
  CHECK(static_cast<int>(MessageType::initialize_response) == 1);
  CHECK(static_cast<int>(MessageType::fatal_error) == 2);
  CHECK(static_cast<int>(MessageType::error) == 3);
  CHECK(static_cast<int>(MessageType::async_lock) == 4);
  CHECK(static_cast<int>(MessageType::data) == 6);
  CHECK(static_cast<int>(MessageType::data_end) == 7);
  CHECK(static_cast<int>(MessageType::device_clear_complete) == 8);
  CHECK(static_cast<int>(MessageType::device_clear_acknowledge) == 9);
  CHECK(static_cast<int>(MessageType::trigger) == 12);
  CHECK(static_cast<int>(MessageType::interrupted) == 13);
  CHECK(static_cast<int>(MessageType::async_maximum_message_size) == 15);
  CHECK(static_cast<int>(MessageType::async_initialize) == 17);
  CHECK(static_cast<int>(MessageType::async_device_clear) == 19);
  CHECK(static_cast<int>(MessageType::async_status_query) == 21);
  CHECK(static_cast<int>(MessageType::async_status_response) == 22);
  CHECK(static_cast<int>(MessageType::async_device_clear_acknowledge) == 23);
  CHECK(static_cast<int>(MessageType::async_lock_info_response) == 25);
  CHECK(type_name(21) == "AsyncStatusQuery");
  CHECK(type_name(200) == "type 200");
}

TEST_CASE("a payload length above 2^32 round-trips through all eight bytes") {
  const Header h{static_cast<std::uint8_t>(MessageType::data), 0, 0x12345678u, 0x0102030405060708ull};
  const auto head = encode_header(h);
  CHECK(std::string(head.data(), head.size()) ==
        bytes({'H', 'S', 6, 0, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4, 5, 6, 7, 8}));
  const auto d = decode_header(head, UINT64_MAX);
  CHECK(d.fault == HeaderFault::none);
  CHECK(d.header.parameter == 0x12345678u);
  CHECK(d.header.payload_length == 0x0102030405060708ull);
}

TEST_CASE("a header without the HS prologue and a payload beyond the bound are refused before any payload is read") {
  std::array<char, kHeaderBytes> head = encode_header({7, 0, 0, 10});
  CHECK(decode_header(head, 10).fault == HeaderFault::none);
  CHECK(decode_header(head, 9).fault == HeaderFault::too_long);
  head[1] = 'T';
  CHECK(decode_header(head, 10).fault == HeaderFault::bad_prologue);
}

TEST_CASE("AsyncMaximumMessageSize carries its size as eight big-endian bytes") {
  CHECK(encode_u64(1u << 20) == bytes({0, 0, 0, 0, 0, 0x10, 0, 0}));
  auto v = decode_u64(bytes({0, 0, 0, 1, 0, 0, 0, 2}), "here");
  REQUIRE(v);
  CHECK(*v == 0x100000002ull);
  auto bad = decode_u64("1234", "AsyncMaximumMessageSizeResponse");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("AsyncMaximumMessageSizeResponse") != std::string::npos);
}

TEST_CASE("message ids count up by two from 0xffffff00 and compare across the 2^32 wrap") {
  CHECK(next_message_id(kFirstMessageId) == 0xffffff02u);
  CHECK(next_message_id(0xfffffffeu) == 0u);
  CHECK(message_id_before(0xfffffffeu, 0u));
  CHECK_FALSE(message_id_before(0u, 0xfffffffeu));
  CHECK_FALSE(message_id_before(kFirstMessageId, kFirstMessageId));
}

TEST_CASE("HiSLIP VISA resources name host, device and port, 4880 by default") {
  auto a = io::parse_address("TCPIP0::192.168.1.7::hislip0::INSTR");
  REQUIRE(a);
  CHECK(a->kind == io::Address::Kind::hislip);
  CHECK(a->host == "192.168.1.7");
  CHECK(a->port == 4880);
  CHECK(a->sub_address == "hislip0");
  CHECK(a->canonical() == "hislip://192.168.1.7:4880/hislip0");
  auto b = io::parse_address("TCPIP::[::1]::HiSLIP3,5001::INSTR");
  REQUIRE(b);
  CHECK(b->host == "::1");
  CHECK(b->port == 5001);
  CHECK(b->sub_address == "hislip3");
  CHECK(b->canonical() == "hislip://[::1]:5001/hislip3");
}

TEST_CASE("hislip URLs take an optional port, device and lock") {
  auto a = io::parse_address("hislip://scope.lab");
  REQUIRE(a);
  CHECK(a->port == 4880);
  CHECK(a->sub_address == "hislip0");
  CHECK_FALSE(a->hislip_lock);
  auto b = io::parse_address("hislip://127.0.0.1:4999/hislip2?lock");
  REQUIRE(b);
  CHECK(b->port == 4999);
  CHECK(b->sub_address == "hislip2");
  CHECK(b->hislip_lock);
  CHECK(io::parse_address(b->canonical())->canonical() == b->canonical());
  auto named = io::parse_address("hislip://127.0.0.1:4880/opm_1");
  REQUIRE(named);
  CHECK(named->sub_address == "opm_1");
}

TEST_CASE("malformed HiSLIP addresses are refused naming the address and what is wrong") {
  for (const char* bad :
       {"TCPIP0::host::hislip::INSTR", "TCPIP0::host::hislipX::INSTR", "TCPIP0::host::hislip0,0::INSTR",
        "TCPIP0::host::hislip0,70000::INSTR", "TCPIP0::::hislip0::INSTR", "hislip://", "hislip://h:/hislip0",
        "hislip://h:1/in st0", "hislip://h:1/hislipA", "hislip://h/hislip0?share", "hislip://::1/hislip0"}) {
    auto r = io::parse_address(bad);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_address);
    CHECK(r.error().message.find(bad) != std::string::npos);
  }
}
