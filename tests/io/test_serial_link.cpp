// SerialLink against the far end of a pseudo-terminal, as a serial instrument would be.
#include "io/serial_link.hpp"
#include "scpi/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <poll.h>
#include <unistd.h>

#include <thread>

using namespace ledlab;
using namespace ledlab::io;
namespace asio = boost::asio;

namespace {

SerialSettings settings_for(const PtyPair& pty, std::string_view options = "baud=9600&term=crlf") {
  SerialSettings s;
  s.device = pty.slave_path;
  REQUIRE(apply_serial_options(s, options));
  return s;
}

// Reads what the link sent, waiting for it (a safety-net timeout only).
std::string read_master(int fd, std::size_t want) {
  std::string got;
  while (got.size() < want) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    char buf[256];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> op) {
  auto f = asio::co_spawn(io, std::move(op), asio::use_future);
  io.restart();
  io.run();
  return f.get();
}

}  // namespace

TEST_CASE("a serial link writes to and reads from the far end of a pseudo-terminal") {
  auto pty = open_pty_pair();
  REQUIRE(pty);
  asio::io_context io;
  SerialLink link(io.get_executor(), settings_for(*pty));
  REQUIRE(run(io, link.connect(Millis(1000))));
  CHECK(link.is_open());
  CHECK(link.describe() == "serial://" + pty->slave_path + "?baud=9600&data=8&parity=none&stop=1&flow=none&term=crlf");
  REQUIRE(run(io, link.write("TEMP?\r\n", Millis(1000))));
  CHECK(read_master(pty->master, 7) == "TEMP?\r\n");
  REQUIRE(::write(pty->master, "25.0\r\n", 6) == 6);
  char buf[64];
  auto n = run(io, link.read_some(buf, Millis(2000)));
  REQUIRE(n);
  CHECK(std::string(buf, *n) == "25.0\r\n");
}

TEST_CASE("a silent serial instrument times out with Errc::timeout and the port stays open") {
  auto pty = open_pty_pair();
  REQUIRE(pty);
  asio::io_context io;
  SerialLink link(io.get_executor(), settings_for(*pty));
  REQUIRE(run(io, link.connect(Millis(1000))));
  char buf[16];
  auto n = run(io, link.read_some(buf, Millis(50)));
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::timeout);
  CHECK_THAT(n.error().message, Catch::Contains(pty->slave_path));
  CHECK(link.is_open());
}

TEST_CASE("cancel ends a pending serial read with Errc::cancelled") {
  auto pty = open_pty_pair();
  REQUIRE(pty);
  asio::io_context io;
  SerialLink link(io.get_executor(), settings_for(*pty));
  REQUIRE(run(io, link.connect(Millis(1000))));
  char buf[16];
  auto f = asio::co_spawn(io, link.read_some(buf, Millis(60000)), asio::use_future);
  io.restart();
  io.poll();  // the read is now pending
  link.cancel();
  io.run();
  auto n = f.get();
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::cancelled);
}

TEST_CASE("a pseudo-terminal whose far end closed reads as a lost link, and a missing device as unreachable") {
  auto pty = open_pty_pair();
  REQUIRE(pty);
  asio::io_context io;
  SerialLink link(io.get_executor(), settings_for(*pty));
  REQUIRE(run(io, link.connect(Millis(1000))));
  pty->close();  // the cable pulled: EIO or hang-up on the slave
  char buf[16];
  auto n = run(io, link.read_some(buf, Millis(5000)));
  REQUIRE_FALSE(n);
  CHECK(n.error().code == Errc::disconnected);
  CHECK_FALSE(link.is_open());
  auto again = run(io, link.connect(Millis(1000)));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Errc::unreachable);
}

TEST_CASE("a session queries over a serial link with the line's CR LF terminators") {
  auto pty = open_pty_pair();
  REQUIRE(pty);
  asio::io_context io;
  auto address = parse_address("serial://" + pty->slave_path + "?baud=19200&term=crlf");
  REQUIRE(address);
  auto link = make_link(*address, io.get_executor());
  REQUIRE(link);
  scpi::SessionOptions options;
  auto term = address_terminators(*address);
  REQUIRE(term);
  options.write_terminator = term->write;
  options.read_terminator = term->read;
  scpi::Session session("chamber", std::move(*link), options);
  std::thread instrument([&] {
    if (read_master(pty->master, 7) == "MODE?\r\n") (void)!::write(pty->master, "CONSTANT\r\n", 10);
  });
  auto reply = run(io, session.query("MODE?"));
  instrument.join();
  REQUIRE(reply);
  CHECK(*reply == "CONSTANT");
}
