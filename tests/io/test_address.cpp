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
  for (const char* bad : {"", "tcp://host", "tcp://host:0", "tcp://host:99999", "tcp://:5025", "TCPIP0::host::inst0::SOCKET",
                          "GPIB0::12::INSTR", "usbtmc://xyz:8078", "USB0::0x1313::INSTR", "hello"}) {
    auto r = parse_address(bad);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_address);
    if (*bad) CHECK(r.error().message.find(bad) != std::string::npos);
  }
}

TEST_CASE("IPv6 literals are written in brackets, in URLs and VISA resources alike") {
  auto url = parse_address("tcp://[::1]:5025");
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->port == 5025);
  CHECK(url->canonical() == "tcp://[::1]:5025");

  auto visa = parse_address("TCPIP0::[::1]::5025::SOCKET");
  REQUIRE(visa);
  CHECK(visa->host == "::1");
  CHECK(visa->canonical() == url->canonical());

  auto full = parse_address("tcp://[fe80::1:2%eth0]:6000");
  REQUIRE(full);
  CHECK(full->host == "fe80::1:2%eth0");
  CHECK(ledlab::io::host_port("127.0.0.1", 5025) == "127.0.0.1:5025");
}

TEST_CASE("IPv6 addresses without brackets or with broken brackets are refused, naming the address") {
  for (const char* bad : {"tcp://::1:5025", "tcp://[::1]", "tcp://[::1:5025", "tcp://[]:5025", "tcp://[host]:5025",
                          "TCPIP0::[::1::5025::SOCKET", "tcp://::1]:5025"}) {
    auto r = parse_address(bad);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_address);
    CHECK(r.error().message.find(bad) != std::string::npos);
  }
}
