// The Modbus TCP link against servers it did not grow up with: libmodbus (Debian's
// libmodbus-dev, an independent implementation of Modbus TCP) serving a register table in a
// thread, and a hand-made server that answers with hostile frames.
#include "io/modbus/modbus_link.hpp"
#include "io/modbus/modbus_links.hpp"
#include "scpi/session.hpp"
#include "support/co_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <modbus.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <mutex>
#include <thread>

using namespace ledlab;
using ledlab::test::run;
namespace asio = boost::asio;

namespace {

// A libmodbus Modbus TCP server on a free loopback port, one client at a time, in a thread.
class LibmodbusServer {
 public:
  LibmodbusServer() {
    ctx_ = modbus_new_tcp("127.0.0.1", 0);
    REQUIRE(ctx_);
    mapping_ = modbus_mapping_new(0, 0, 30000, 0);
    REQUIRE(mapping_);
    listen_fd_ = modbus_tcp_listen(ctx_, 1);
    REQUIRE(listen_fd_ >= 0);
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    REQUIRE(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) == 0);
    port_ = ntohs(bound.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~LibmodbusServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    thread_.join();
    modbus_mapping_free(mapping_);
    modbus_free(ctx_);
  }
  std::uint16_t port() const { return port_; }
  std::uint16_t reg(int address) {
    std::lock_guard lock(mutex_);
    return mapping_->tab_registers[address];
  }
  void set(int address, std::uint16_t value) {
    std::lock_guard lock(mutex_);
    mapping_->tab_registers[address] = value;
  }
  // A float in two registers, low word first (the F4T's default order).
  void set_float_low_high(int address, float value) {
    const auto raw = std::bit_cast<std::uint32_t>(value);
    set(address, static_cast<std::uint16_t>(raw & 0xFFFF));
    set(address + 1, static_cast<std::uint16_t>(raw >> 16));
  }
  float float_low_high(int address) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(reg(address)) | (static_cast<std::uint32_t>(reg(address + 1)) << 16));
  }

 private:
  void serve() {
    int fd = listen_fd_;
    if (modbus_tcp_accept(ctx_, &fd) < 0) return;
    std::uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    for (;;) {
      const int n = modbus_receive(ctx_, query);
      if (n < 0) break;
      if (n == 0) continue;
      std::lock_guard lock(mutex_);
      modbus_reply(ctx_, query, n, mapping_);
    }
    modbus_close(ctx_);
  }
  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* mapping_ = nullptr;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  std::thread thread_;
};

std::unique_ptr<scpi::Session> session_to(asio::io_context& io, const std::string& address_text) {
  auto address = io::parse_address(address_text);
  REQUIRE(address);
  auto link = io::modbus::make_modbus_link(*address, io.get_executor());
  if (!link) FAIL(link.error().describe());
  scpi::SessionOptions options;
  options.timeout = io::Millis(3000);
  options.reconnect_attempts = 1;
  return std::make_unique<scpi::Session>("chamber", std::move(*link), options);
}

}  // namespace

TEST_CASE("the Modbus link drives a libmodbus server through the Watlow F4T register map") {
  LibmodbusServer server;
  server.set(12, 4242);  // serial number, low word first
  server.set(13, 0);
  server.set_float_low_high(27586, 23.25f);
  asio::io_context io;
  auto session = session_to(io, fmt::format("modbus-tcp://127.0.0.1:{}?unit=1&map=watlow-f4t", server.port()));
  REQUIRE(run(io, session->connect()));

  auto id = run(io, session->identify());
  REQUIRE(id);
  CHECK(id->manufacturer == "Watlow");
  CHECK(id->model == "F4T");
  CHECK(id->serial == "4242");

  REQUIRE(run(io, session->write_checked("SETPOINT 42.5")));
  CHECK(server.float_low_high(2782) == 42.5f);
  auto sp = run(io, session->query_double("SETPOINT?"));
  REQUIRE(sp);
  CHECK(*sp == 42.5);
  auto pv = run(io, session->query("PV?"));
  REQUIRE(pv);
  CHECK(*pv == "23.25");
  REQUIRE(run(io, session->write_checked("POWER ON")));
  CHECK(server.reg(16594) == 63);
  REQUIRE(run(io, session->write_checked("POWER 0")));
  CHECK(server.reg(16594) == 62);
  auto both = run(io, session->query("RAMP_ACTION 85;RAMP_SCALE 57;RAMP_SCALE?;*OPC?"));
  REQUIRE(both);
  CHECK(*both == "57;1");
  CHECK(server.reg(2794) == 85);

  SECTION("a setpoint outside the map's range is refused in the link and the controller keeps its own") {
    auto refused = run(io, session->write_checked("SETPOINT 500"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().scpi_code == -222);
    CHECK_THAT(refused.error().message, Catch::Contains("SETPOINT: 500 outside the map's range -70 .. 180"));
    CHECK(server.float_low_high(2782) == 42.5f);
    auto nan = run(io, session->write_checked("SETPOINT NAN"));
    REQUIRE_FALSE(nan);
    CHECK(server.float_low_high(2782) == 42.5f);
  }
  SECTION("names the map lacks and read-only registers are refused with the SCPI error a device would queue") {
    auto unknown = run(io, session->query("HUMIDITY?"));
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().code == Errc::instrument);
    CHECK(unknown.error().scpi_code == -113);
    auto read_only = run(io, session->write_checked("PV 20"));
    REQUIRE_FALSE(read_only);
    CHECK(read_only.error().scpi_code == -221);
    // The session is still in step: the next query answers.
    auto again = run(io, session->query("PV?"));
    REQUIRE(again);
    CHECK(*again == "23.25");
  }
}

TEST_CASE("a Modbus exception from a libmodbus server reaches SYST:ERR? naming the exception and the register") {
  LibmodbusServer server;
  const std::string map_path = std::string(LEDLAB_BINARY_DIR) + "/modbus_beyond.toml";
  std::ofstream(map_path) << "[identity]\nmanufacturer = \"Test\"\nmodel = \"Beyond\"\n"
                             "[registers.FAR]\naddress = 40000\ntype = \"int16\"\naccess = \"rw\"\nsource = \"test\"\n"
                             "[registers.NEAR]\naddress = 5\ntype = \"int16\"\ndecimals = 1\naccess = \"rw\"\nsource = \"test\"\n";
  asio::io_context io;
  auto session = session_to(io, fmt::format("modbus-tcp://127.0.0.1:{}?map={}", server.port(), map_path));
  REQUIRE(run(io, session->connect()));
  auto far = run(io, session->write_checked("FAR 1"));
  REQUIRE_FALSE(far);
  CHECK(far.error().scpi_code == -222);
  CHECK_THAT(far.error().message, Catch::Contains("Modbus exception 2 (illegal data address) on FAR"));
  auto read = run(io, session->query("FAR?"));
  REQUIRE_FALSE(read);
  CHECK(read.error().code == Errc::instrument);
  CHECK_THAT(read.error().message, Catch::Contains("Modbus exception 2 (illegal data address) on FAR"));
  REQUIRE(run(io, session->write_checked("NEAR -12.5")));
  CHECK(static_cast<std::int16_t>(server.reg(5)) == -125);
  auto near = run(io, session->query("NEAR?"));
  REQUIRE(near);
  CHECK(*near == "-12.5");
}

namespace {

enum class Hostile { wrong_transaction, bad_length, other_protocol, wrong_unit, short_read_count };

// Answers the first request with one hostile frame, then waits for the client to go.
asio::awaitable<void> hostile_server(asio::ip::tcp::acceptor& acceptor, Hostile kind) {
  auto [aec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
  if (aec) co_return;
  std::array<std::uint8_t, 12> request{};  // a read request: 7 header + 5 PDU bytes
  auto [rec, rn] = co_await asio::async_read(socket, asio::buffer(request), asio::as_tuple(asio::use_awaitable));
  if (rec) co_return;
  std::vector<std::uint8_t> reply{request[0], request[1], 0, 0, 0, 7, request[6], 0x03, 4, 0x00, 0x00, 0x41, 0xC8};
  switch (kind) {
    case Hostile::wrong_transaction: reply[1] = static_cast<std::uint8_t>(reply[1] + 1); break;
    case Hostile::bad_length: reply[4] = 0xFF, reply[5] = 0xFF; break;
    case Hostile::other_protocol: reply[3] = 1; break;
    case Hostile::wrong_unit: reply[6] = static_cast<std::uint8_t>(reply[6] + 1); break;
    case Hostile::short_read_count: reply[8] = 2, reply[5] = 5, reply.resize(11); break;
  }
  co_await asio::async_write(socket, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
  std::array<char, 64> rest{};
  co_await socket.async_read_some(asio::buffer(rest), asio::as_tuple(asio::use_awaitable));
}

}  // namespace

TEST_CASE("hostile Modbus TCP frames give clear protocol errors naming the link, and close it") {
  const auto [kind, expected] = GENERATE(
      std::pair{Hostile::wrong_transaction, std::string("response carries transaction id 2 for request 1")},
      std::pair{Hostile::bad_length, std::string("MBAP length 65535 outside 2..254")},
      std::pair{Hostile::other_protocol, std::string("MBAP protocol identifier 1 (Modbus is 0)")},
      std::pair{Hostile::wrong_unit, std::string("response from unit 2 to a request for unit 1")},
      std::pair{Hostile::short_read_count, std::string("read of 2 registers answered with byte count 2")});
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::co_spawn(io, hostile_server(acceptor, kind), asio::detached);
  auto address = io::parse_address(fmt::format("modbus-tcp://127.0.0.1:{}?map=watlow-f4t", acceptor.local_endpoint().port()));
  REQUIRE(address);
  auto link = io::modbus::make_modbus_link(*address, io.get_executor());
  REQUIRE(link);
  REQUIRE(run(io, (*link)->connect(io::Millis(3000))));
  auto st = run(io, (*link)->write("PV?\n", io::Millis(3000)));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::protocol);
  CHECK_THAT(st.error().describe(), Catch::Contains(expected));
  CHECK_THAT(st.error().describe(), Catch::Contains("modbus-tcp://127.0.0.1:"));
  CHECK_FALSE((*link)->is_open());
}

TEST_CASE("a silent Modbus server times out, and cancel() ends a pending transaction at once") {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket peer(io);
  acceptor.async_accept(peer, [](const boost::system::error_code&) {});
  auto address = io::parse_address(fmt::format("modbus-tcp://127.0.0.1:{}?map=watlow-f4t", acceptor.local_endpoint().port()));
  REQUIRE(address);
  auto link = io::modbus::make_modbus_link(*address, io.get_executor());
  REQUIRE(link);
  REQUIRE(run(io, (*link)->connect(io::Millis(3000))));
  auto timed_out = run(io, (*link)->write("PV?\n", io::Millis(100)));
  REQUIRE_FALSE(timed_out);
  CHECK(timed_out.error().code == Errc::timeout);
  asio::ip::tcp::socket second(io);
  std::array<char, 12> request{};
  acceptor.async_accept(second, [&](const boost::system::error_code& ec) {
    if (ec) return;
    // Once the request is in, the link waits for its response: cancel it then.
    asio::async_read(second, asio::buffer(request), [&](const boost::system::error_code&, std::size_t) { (*link)->cancel(); });
  });
  REQUIRE(run(io, (*link)->connect(io::Millis(3000))));
  auto cancelled = run(io, (*link)->write("PV?\n", io::Millis(60000)));
  REQUIRE_FALSE(cancelled);
  CHECK(cancelled.error().code == Errc::cancelled);
}
