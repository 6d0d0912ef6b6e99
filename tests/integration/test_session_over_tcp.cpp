// The SCPI client session against a twin over real loopback sockets: timeouts, cancellation,
// dropped connections and reconnects, garbage, blocks, many clients at once.
#include "io/link.hpp"
#include "scpi/server/server.hpp"
#include "scpi/session.hpp"
#include "support/sim_station.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <catch2/catch.hpp>

#include <chrono>

using namespace ledlab;
using ledlab::test::run;
using ledlab::test::SimStation;
namespace asio = boost::asio;

namespace {

std::shared_ptr<scpi::server::Device> echo_device() {
  auto d = std::make_shared<scpi::server::Device>(scpi::server::Identity{"ACME", "ECHO", "42", "1.0"});
  d->on("DATA:BLOCk", {}, [](scpi::server::Request& r) { r.reply_block(std::string("a\nb\0c\n", 6)); });
  d->on("MEASure", {}, [](scpi::server::Request& r) { r.reply(2.5e-6); });
  d->on("GARBage", {}, [](scpi::server::Request& r) { r.reply("not-a-number"); });
  return d;
}

std::unique_ptr<scpi::Session> session_to(asio::io_context& io, std::uint16_t port, io::Millis timeout = io::Millis(1000)) {
  auto address = io::parse_address("tcp://127.0.0.1:" + std::to_string(port));
  auto link = io::make_link(*address, io.get_executor());
  scpi::SessionOptions opt;
  opt.timeout = timeout;
  opt.reconnect_backoff = io::Millis(20);
  return std::make_unique<scpi::Session>("echo", std::move(*link), opt);
}

}  // namespace

TEST_CASE("a session queries, reads blocks and drains typed errors over TCP") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto s = session_to(io, port);
  REQUIRE(run(io, s->connect()));
  auto id = run(io, s->identify());
  REQUIRE(id);
  CHECK(id->model == "ECHO");
  CHECK(run(io, s->query_double("MEAS?")).value() == Approx(2.5e-6));
  auto block = run(io, s->query_block("DATA:BLOC?"));
  REQUIRE(block);
  CHECK(*block == std::string("a\nb\0c\n", 6));
  CHECK(run(io, s->wait_complete()));

  REQUIRE(run(io, s->write("NO:SUCH:THING 5")));
  auto errors = run(io, s->drain_errors());
  REQUIRE(errors);
  REQUIRE(errors->size() == 1);
  CHECK(errors->front().code == -113);

  auto checked = run(io, s->write_checked("*ESE 999"));
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == Errc::instrument);
  CHECK(checked.error().scpi_code == -222);
  CHECK(checked.error().instrument == "echo");
  CHECK(checked.error().command == "*ESE 999");
}

TEST_CASE("over TCP, which has no serial poll, the session's status byte is the *STB? query") {
  SimStation station;
  auto device = echo_device();
  const auto port = station.serve(device);
  asio::io_context io;
  auto s = session_to(io, port);
  auto clean = run(io, s->status_byte());
  REQUIRE(clean);
  CHECK(*clean == 0);
  REQUIRE(run(io, s->write("NO:SUCH:THING 5")));
  auto stb = run(io, s->status_byte());
  REQUIRE(stb);
  CHECK((*stb & 0x04) != 0);  // EAV: the error queue holds -113
}

TEST_CASE("a garbage reply is a protocol error naming instrument and command") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto s = session_to(io, port);
  auto r = run(io, s->query_double("GARB?"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::protocol);
  CHECK(r.error().describe().find("echo: GARB? ->") == 0);
  CHECK(run(io, s->query_double("MEAS?")));  // the stream is still in step
}

TEST_CASE("a stalled reply times out, and the next query gets its own answer") {
  SimStation station;
  auto dev = echo_device();
  const auto port = station.serve(dev);
  asio::io_context io;
  auto s = session_to(io, port, io::Millis(200));
  REQUIRE(run(io, s->write("SIM:FAULT:STALL 0.6")));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(io, s->query("*IDN?"));
  const auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::timeout);
  CHECK(r.error().command == "*IDN?");
  CHECK(waited < std::chrono::milliseconds(550));
  // The late *IDN? reply must not be taken for the answer to this query.
  auto m = run(io, s->query_double("MEAS?"));
  REQUIRE(m);
  CHECK(*m == Approx(2.5e-6));
}

TEST_CASE("a dropped connection fails the call, and the session reconnects on the next") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto s = session_to(io, port);
  REQUIRE(run(io, s->write("SIM:FAULT:DROP")));
  auto r = run(io, s->query("*IDN?"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::disconnected);
  auto again = run(io, s->query("*IDN?"));
  REQUIRE(again);
  CHECK(again->starts_with("ACME,ECHO"));
}

TEST_CASE("an unreachable instrument is reported as such after the reconnect attempts") {
  asio::io_context io;
  // Bind and close a socket to find a port nobody listens on.
  std::uint16_t port;
  {
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  auto s = session_to(io, port);
  auto r = run(io, s->query("*IDN?"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::unreachable);
  CHECK(r.error().instrument == "echo");
}

TEST_CASE("cancel() ends a pending query with Errc::cancelled") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto s = session_to(io, port, io::Millis(5000));
  REQUIRE(run(io, s->write("SIM:FAULT:STALL 3")));
  asio::steady_timer t(io);
  t.expires_after(std::chrono::milliseconds(100));
  t.async_wait([&](auto) { s->cancel(); });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = run(io, s->query("*IDN?"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::cancelled);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}

TEST_CASE("concurrent callers on one session get their own replies, many clients at once") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto shared = session_to(io, port);
  std::vector<std::unique_ptr<scpi::Session>> others;
  for (int i = 0; i < 8; ++i) others.push_back(session_to(io, port));
  int ok = 0;
  auto worker = [&](scpi::Session& s, int n) -> asio::awaitable<void> {
    for (int i = 0; i < n; ++i) {
      auto a = co_await s.query("*IDN?");
      auto b = co_await s.query_double("MEAS?");
      if (a && a->starts_with("ACME") && b && *b == 2.5e-6) ++ok;
    }
  };
  for (int k = 0; k < 4; ++k) asio::co_spawn(io, worker(*shared, 25), asio::detached);
  for (auto& o : others) asio::co_spawn(io, worker(*o, 25), asio::detached);
  io.run();
  CHECK(ok == 12 * 25);
}

TEST_CASE("a lane failure injected at the power meter twin shows in its next reading") {
  SimStation station;
  instruments::InstrumentConfig cfg;
  cfg.name = "opm";
  cfg.kind = "power_meter";
  const auto port = station.serve_twin(cfg);
  station.bench()->set_drive({5e-3, 4e-3, 1e6, true});
  asio::io_context io;
  auto s = session_to(io, port);
  std::size_t lane = 0;
  while (station.bench()->array().lane(lane).dead) ++lane;
  const std::string query = "MEAS" + std::to_string(lane + 1) + ":POW?";
  const double before = run(io, s->query_double(query)).value();
  REQUIRE(run(io, s->write_checked("SIM:FAULT:LANE " + std::to_string(lane + 1) + ",0.25")));
  const double after = run(io, s->query_double(query)).value();
  CHECK(after == Approx(0.25 * before).epsilon(0.02));
  auto bad = run(io, s->write_checked("SIM:FAULT:LANE 9999"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().scpi_code == -222);
}

TEST_CASE("an SCPI error pushed at the twin reaches the driver with the instrument's own code and text") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto s = session_to(io, port);
  REQUIRE(run(io, s->write("SIM:FAULT:ERR -240,\"Sensor head disconnected\"")));
  auto st = run(io, s->write_checked("*CLS;*ESE 0"));  // *CLS runs first and clears it: no error
  CHECK(st);
  REQUIRE(run(io, s->write("SIM:FAULT:ERR -240,\"Sensor head disconnected\"")));
  auto checked = run(io, s->write_checked("*ESE 0"));
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == Errc::instrument);
  CHECK(checked.error().scpi_code == -240);
  CHECK_THAT(checked.error().message, Catch::Contains("Sensor head disconnected"));
}

TEST_CASE("write_checked fails with the instrument's own code and text, naming instrument and command") {
  SimStation station;
  const auto port = station.serve(echo_device());
  asio::io_context io;
  auto s = session_to(io, port);
  auto checked = run(io, s->write_checked("BOGUS:CMD"));
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code == Errc::instrument);
  CHECK(checked.error().scpi_code == -113);
  CHECK(checked.error().message == "-113,\"Undefined header; BOGUS:CMD\"");
  CHECK(checked.error().describe() == "echo: BOGUS:CMD -> instrument error: -113,\"Undefined header; BOGUS:CMD\"");
  CHECK(run(io, s->write_checked("*ESE 0")));  // the queue was drained by the failed check
}

TEST_CASE("a TCP link reaches a twin listening on the IPv6 loopback through tcp://[::1]:port") {
  asio::io_context io;
  auto server = std::make_shared<scpi::server::Server>(io, echo_device(), "::1", 0);
  try {
    server->start();
  } catch (const boost::system::system_error& e) {
    WARN("no IPv6 loopback on this machine (" << e.what() << "): part skipped");
    return;
  }
  auto address = io::parse_address("tcp://[::1]:" + std::to_string(server->port()));
  REQUIRE(address);
  auto link = io::make_link(*address, io.get_executor());
  REQUIRE(link);
  CHECK((*link)->describe() == address->canonical());
  scpi::Session s("v6", std::move(*link));
  auto id = run(io, s.identify());
  REQUIRE(id);
  CHECK(id->model == "ECHO");
  server->stop();
}

TEST_CASE("a reply longer than max_reply_bytes fails the query, and the next query gets its own answer") {
  SimStation station;
  auto device = echo_device();
  device->on("HUGE", {}, [](scpi::server::Request& r) { r.reply(std::string(200000, 'x')); });
  const auto port = station.serve(device);
  asio::io_context io;
  auto s = session_to(io, port);
  s->options().max_reply_bytes = 1000;
  auto huge = run(io, s->query("HUGE?"));
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code == Errc::protocol);
  // The rest of the huge reply is still on its way: it must not be read as the next answer.
  auto idn = run(io, s->query("*IDN?"));
  REQUIRE(idn);
  CHECK(*idn == "ACME,ECHO,42,1.0");
}
