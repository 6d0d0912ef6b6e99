#include "scpi/framing.hpp"
#include "scpi/server/message_reader.hpp"

#include <catch2/catch.hpp>

#include <string>

using ledlab::scpi::Framing;
using ledlab::scpi::MessageFramer;
using ledlab::scpi::server::MessageReader;

namespace {
std::string take(MessageReader& r) {
  auto m = r.next();
  REQUIRE(m);
  return std::string(*m);
}
}  // namespace

TEST_CASE("a message arriving byte by byte is found, with a block holding the terminator") {
  MessageReader r(1024);
  const std::string wire = "DATA #15a\nb\nc;*IDN?\n*TST?\n";
  for (char c : wire) r.append(std::string_view(&c, 1));
  CHECK(take(r) == "DATA #15a\nb\nc;*IDN?");
  CHECK(take(r) == "*TST?");
  CHECK_FALSE(r.next());
  CHECK(r.take_overruns() == 0);
}

TEST_CASE("the framer resumes where it stopped, also inside a block header split across reads") {
  MessageFramer f('\n', Framing::response);
  std::string data = "1,#";
  CHECK(f.find_end(data) == std::string::npos);
  data += "2";
  CHECK(f.find_end(data) == std::string::npos);
  data += "0";
  CHECK(f.find_end(data) == std::string::npos);
  data += "5\n\n\n";
  CHECK(f.find_end(data) == std::string::npos);
  data += "\n\n";  // the fourth and fifth payload bytes
  CHECK(f.find_end(data) == std::string::npos);
  data += "\n";
  CHECK(f.find_end(data) == data.size() - 1);
}

TEST_CASE("a malformed block header does not hide the terminator from the framer") {
  for (std::string_view wire : {"*ESE #1,\n", "*ESE #2a\n", "*ESE #9\n", "*ESE #912\n", "X '#15'\n", "X \"#15\n"}) {
    INFO(wire);
    CHECK(ledlab::scpi::find_message_end(wire, '\n', Framing::program) == wire.size() - 1);
  }
}

TEST_CASE("an overlong message is refused once and skipped to its terminator without being held") {
  MessageReader r(1000);
  const std::string chunk(300, 'A');
  for (int i = 0; i < 100; ++i) {  // 30 kB of one message, no terminator
    r.append(chunk);
    CHECK_FALSE(r.next());
    CHECK(r.buffered() <= 1000 + chunk.size());
  }
  CHECK(r.take_overruns() == 1);
  r.append("AAAA\n*IDN?\n");
  CHECK(take(r) == "*IDN?");
  CHECK(r.take_overruns() == 0);
  CHECK(r.peak_buffered() <= 1000 + chunk.size());

  // A complete message over the limit that arrived in one piece is refused as well.
  r.append(std::string(1500, 'B') + "\n*TST?\n");
  CHECK(take(r) == "*TST?");
  CHECK(r.take_overruns() == 1);
}

TEST_CASE("a long message arriving a byte at a time is scanned once, not once per byte") {
  // Rescanning from the front on each arrival costs n^2/2 steps: for these 4 MB, hours
  // instead of milliseconds (the ctest timeout catches a regression, no clock is read here).
  MessageReader r(8u << 20);
  const std::size_t n = 4u << 20;
  std::size_t early = 0;
  for (std::size_t i = 0; i < n; ++i) {
    r.append("A");
    if (r.next()) ++early;
  }
  CHECK(early == 0);
  r.append("\n");
  auto m = r.next();
  REQUIRE(m);
  CHECK(m->size() == n);
}
