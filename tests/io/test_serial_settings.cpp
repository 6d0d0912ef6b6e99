#include "io/serial_settings.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/serial_port.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>

using namespace ledlab;
using namespace ledlab::io;

TEST_CASE("serial options set every line setting and both terminators") {
  SerialSettings s;
  REQUIRE(apply_serial_options(s, "baud=19200&data=7&parity=even&stop=2&flow=rtscts&term=crlf"));
  CHECK(s.baud == 19200);
  CHECK(s.data_bits == 7);
  CHECK(s.parity == Parity::even);
  CHECK(s.stop_bits == 2);
  CHECK(s.flow == FlowControl::rts_cts);
  CHECK(s.write_terminator == "\r\n");
  CHECK(s.read_terminator == "\r\n");
  CHECK(s.options() == "baud=19200&data=7&parity=even&stop=2&flow=rtscts&term=crlf");
}

TEST_CASE("serial options keep separate write and read terminators") {
  SerialSettings s;
  REQUIRE(apply_serial_options(s, "wterm=cr&rterm=crlf"));
  CHECK(s.write_terminator == "\r");
  CHECK(s.read_terminator == "\r\n");
  CHECK(s.options().ends_with("&wterm=cr&rterm=crlf"));
}

TEST_CASE("an unsupported baud rate is refused naming the key and the value, not clamped") {
  SerialSettings s;
  auto r = apply_serial_options(s, "baud=9601");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::bad_address);
  CHECK_THAT(r.error().message, Catch::Contains("baud='9601'"));
  CHECK(s.baud == 9600);
}

TEST_CASE("bad serial options are refused naming the key and leave the settings untouched") {
  SerialSettings s;
  for (const char* bad : {"data=9", "data=4", "parity=mark", "stop=1.5", "flow=dtr", "term=nul", "speed=9600",
                          "baud", "baud=19200&stop=3"}) {
    auto r = apply_serial_options(s, bad);
    INFO(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::bad_address);
  }
  CHECK(s.baud == 9600);
  CHECK(s.stop_bits == 1);
}

TEST_CASE("a pseudo-terminal pair carries bytes both ways in raw mode") {
  auto pair = open_pty_pair();
  REQUIRE(pair);
  CHECK(pair->slave_path.starts_with("/dev/pts/"));
  REQUIRE(::write(pair->slave, "A\r\nB", 4) == 4);
  char buf[8] = {};
  REQUIRE(::read(pair->master, buf, sizeof buf) == 4);
  CHECK(std::string(buf, 4) == "A\r\nB");  // no CR/LF translation
}

TEST_CASE("serial settings apply to a port opened on a pseudo-terminal") {
  auto pair = open_pty_pair();
  REQUIRE(pair);
  boost::asio::io_context io;
  boost::asio::serial_port port(io, pair->slave_path);
  SerialSettings s;
  s.device = pair->slave_path;
  REQUIRE(apply_serial_options(s, "baud=115200&data=8&parity=odd&stop=2&flow=xonxoff"));
  CHECK(apply(s, port));
}

TEST_CASE("ASRL board numbers name /dev/ttyS from 0, as Linux VISA does") {
  auto a = parse_address("ASRL3::INSTR");
  REQUIRE(a);
  CHECK(a->kind == Address::Kind::serial);
  CHECK(a->device == "/dev/ttyS2");
  CHECK(a->canonical() == "serial:///dev/ttyS2?baud=9600&data=8&parity=none&stop=1&flow=none&term=lf");
  CHECK(parse_address("asrl1::instr")->device == "/dev/ttyS0");
}

TEST_CASE("ASRL with a device path is pyvisa-py's form and keeps the path's case") {
  auto a = parse_address("ASRL/dev/ttyUSB0::INSTR");
  REQUIRE(a);
  CHECK(a->kind == Address::Kind::serial);
  CHECK(a->device == "/dev/ttyUSB0");
}

TEST_CASE("a serial URL carries its line settings into the address") {
  auto a = parse_address("serial:///dev/ttyUSB1?baud=19200&parity=even&term=crlf");
  REQUIRE(a);
  CHECK(a->device == "/dev/ttyUSB1");
  CHECK(a->serial_options == "baud=19200&data=8&parity=even&stop=1&flow=none&term=crlf");
  auto s = serial_settings(*a);
  REQUIRE(s);
  CHECK(s->baud == 19200);
  auto t = address_terminators(*a);
  REQUIRE(t);
  CHECK(t->write == "\r\n");
  CHECK(t->read == '\n');
  CHECK_FALSE(address_terminators(*parse_address("tcp://127.0.0.1:5025")));
}

TEST_CASE("bad serial addresses are refused naming what is wrong") {
  auto check = [](const char* text, const char* what) {
    auto a = parse_address(text);
    INFO(text);
    REQUIRE_FALSE(a);
    CHECK(a.error().code == Errc::bad_address);
    CHECK_THAT(a.error().message, Catch::Contains(what));
  };
  check("ASRL0::INSTR", "board '0'");
  check("ASRL::INSTR", "board ''");
  check("ASRLx::INSTR", "board 'x'");
  check("ASRL1", "ASRL<n>::INSTR");
  check("serial://dev/ttyUSB0", "absolute path");
  check("serial:///dev/ttyUSB0?baud=12345", "baud='12345'");
  check("serial:///dev/ttyUSB0?bits=8", "unknown serial option 'bits'");
}
