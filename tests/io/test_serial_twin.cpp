// A twin served on a pseudo-terminal (scpi/server/serial_server.hpp), reached through
// SerialLink and a session as a driver reaches a serial instrument.
#include "io/link.hpp"
#include "scpi/server/serial_server.hpp"
#include "scpi/session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <filesystem>

using namespace ledlab;
namespace asio = boost::asio;
using scpi::server::Request;

namespace {

struct Bench {
  asio::io_context io;
  std::shared_ptr<scpi::server::Device> device =
      std::make_shared<scpi::server::Device>(scpi::server::Identity{"ledlab", "SERIAL-TWIN", "1", "0.1"});
  std::shared_ptr<scpi::server::SerialServer> server;
  std::unique_ptr<scpi::Session> session;
  int reads = 0;

  explicit Bench(std::string_view options) {
    device->on("READ", {}, [this](Request& r) { r.reply_int(++reads); });
    io::SerialSettings line;
    REQUIRE(io::apply_serial_options(line, options));
    server = std::make_shared<scpi::server::SerialServer>(io, device, line);
    REQUIRE(server->start());
    auto address = io::parse_address(server->address());
    REQUIRE(address);
    auto link = io::make_link(*address, io.get_executor());
    REQUIRE(link);
    scpi::SessionOptions options_for_line;
    auto term = io::address_terminators(*address);
    options_for_line.write_terminator = term->write;
    options_for_line.read_terminator = term->read;
    options_for_line.reconnect_backoff = io::Millis(1);
    session = std::make_unique<scpi::Session>("twin", std::move(*link), options_for_line);
  }
  ~Bench() { server->stop(); }

  template <class T>
  T run(asio::awaitable<T> op) {
    auto f = asio::co_spawn(io, std::move(op), asio::use_future);
    io.restart();
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
    return f.get();
  }
};

}  // namespace

TEST_CASE("a twin on a pseudo-terminal answers a session over a CR LF serial line") {
  Bench b("baud=9600&term=crlf");
  CHECK(std::filesystem::is_symlink(b.server->path()));
  auto idn = b.run(b.session->query("*IDN?"));
  REQUIRE(idn);
  CHECK(*idn == "ledlab,SERIAL-TWIN,1,0.1");
  auto n = b.run(b.session->query_int("READ?"));
  REQUIRE(n);
  CHECK(*n == 1);
}

TEST_CASE("a serial twin unplugged by SIM:FAULt:DROP fails the pending query as a lost link and the session reconnects to the new pty") {
  Bench b("baud=115200&term=lf");
  REQUIRE(b.run(b.session->query_int("READ?")));
  REQUIRE(b.run(b.session->write("SIM:FAULt:DROP")));
  auto lost = b.run(b.session->query_int("READ?"));
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == Errc::disconnected);
  CHECK(b.server->plug_count() == 2);
  auto again = b.run(b.session->query_int("READ?"));  // reopens the stable path: a new pty behind it
  REQUIRE(again);
  CHECK(*again == 3);  // the dropped line was executed before the twin unplugged
}

TEST_CASE("replugging a serial twin while a driver is idle is found at its next exchange") {
  Bench b("term=cr");
  REQUIRE(b.run(b.session->query_int("READ?")));
  REQUIRE(b.server->replug());
  auto first = b.run(b.session->query_int("READ?"));
  if (!first) CHECK(first.error().code == Errc::disconnected);  // the write may land before the hang-up is seen
  auto n = b.run(b.session->query_int("READ?"));
  REQUIRE(n);
  CHECK(*n >= 2);
}

TEST_CASE("a line longer than the serial twin's input buffer is refused with -363 and the next line is served") {
  Bench b("term=lf");
  b.device->buffers.input_bytes = 64;
  REQUIRE(b.run(b.session->write(std::string(200, 'A'))));
  auto err = b.run(b.session->query("SYST:ERR?"));
  REQUIRE(err);
  CHECK_THAT(*err, Catch::StartsWith("-363"));
}
