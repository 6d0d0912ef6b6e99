#include "io/address.hpp"

#include <catch2/catch.hpp>

using ledlab::Errc;
using ledlab::io::Address;
using ledlab::io::parse_address;

TEST_CASE("tcp URLs and VISA SOCKET resources name the same endpoint") {
  auto url = parse_address("tcp://127.0.0.1:5025");
  REQUIRE(url);
  CHECK(url->kind == Address::Kind::tcp);
  CHECK(url->host == "127.0.0.1");
  CHECK(url->port == 5025);

  auto visa = parse_address("TCPIP0::127.0.0.1::5025::SOCKET");
  REQUIRE(visa);
  CHECK(visa->canonical() == url->canonical());

  auto no_board = parse_address("tcpip::bench-pm.lab::5025::socket");
  REQUIRE(no_board);
  CHECK(no_board->host == "bench-pm.lab");
}

TEST_CASE("USB resources carry vendor, product and serial") {
  auto visa = parse_address("USB0::0x1313::0x8078::P0012345::INSTR");
  REQUIRE(visa);
  CHECK(visa->kind == Address::Kind::usbtmc);
  CHECK(visa->vendor_id == 0x1313);
  CHECK(visa->product_id == 0x8078);
  CHECK(visa->serial == "P0012345");

  auto url = parse_address("usbtmc://1313:8078/P0012345");
  REQUIRE(url);
  CHECK(url->canonical() == visa->canonical());

  auto any_serial = parse_address("USB::0x1313::0x8078::INSTR");
  REQUIRE(any_serial);
  CHECK(any_serial->serial.empty());
}

TEST_CASE("malformed addresses are refused with a message naming the address") {
  for (const char* bad : {"", "tcp://host", "tcp://host:0", "tcp://host:99999", "tcp://:5025", "TCPIP0::host::INSTR",
                          "GPIB0::12::INSTR", "usbtmc://xyz:8078", "USB0::0x1313::INSTR", "hello"}) {
    auto r = parse_address(bad);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_address);
    if (*bad) CHECK(r.error().message.find(bad) != std::string::npos);
  }
}
