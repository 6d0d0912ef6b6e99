#include "scpi/numbers.hpp"
#include "scpi/session.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace ledlab::scpi;

TEST_CASE("reply framing skips the payload of definite-length blocks") {
  const std::string block = make_block(std::string("a\nb\n", 4));
  CHECK(block == "#14a\nb\n");
  const std::string data = block + "\nnext\n";
  CHECK(find_reply_end(data, '\n') == block.size());
  CHECK(find_reply_end("#14a\n", '\n') == std::string::npos);  // incomplete block
  CHECK(find_reply_end("1,#12\n\n\n", '\n') == 7);
  CHECK(find_reply_end("+1.0E+00\n", '\n') == 8);
}

TEST_CASE("blocks round-trip and truncated blocks are protocol errors") {
  auto payload = parse_block(make_block("hello"));
  REQUIRE(payload);
  CHECK(*payload == "hello");
  CHECK_FALSE(parse_block("#3005hel"));
  CHECK_FALSE(parse_block("hello"));
  CHECK(parse_block("#3005hel").error().code == ledlab::Errc::protocol);
}

TEST_CASE("SCPI numbers parse in NR1/NR2/NR3 and 9.91E37 is NaN") {
  CHECK(parse_real("+1.33555600E-006") == Approx(1.335556e-6));
  CHECK(parse_real(" 42 ") == 42);
  CHECK(std::isnan(*parse_real("9.91E37")));
  CHECK_FALSE(parse_real("12abc"));
  CHECK_FALSE(parse_real(""));
  CHECK(parse_integer("+17") == 17);
  CHECK(format_real(1.5e-6) == "+1.50000000E-06");
}

TEST_CASE("*IDN? and SYST:ERR? replies are parsed into their fields") {
  auto id = parse_identity("Thorlabs,PM100D,P0012345,2.7.0\n");
  REQUIRE(id);
  CHECK(id->model == "PM100D");
  CHECK(id->firmware == "2.7.0");
  CHECK_FALSE(parse_identity("just a string"));
  auto e = parse_error_entry("-222,\"Data out of range\"");
  REQUIRE(e);
  CHECK(e->code == -222);
  CHECK(e->message == "Data out of range");
  CHECK_FALSE(parse_error_entry("garbage"));
}
