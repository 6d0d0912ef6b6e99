// Modbus RTU on pseudo-terminals: the twin server against libmodbus's RTU client (an
// independent implementation of Modbus over Serial Line), and the RTU link against a peer
// that answers with hostile frames.
#include "io/modbus/modbus_links.hpp"
#include "io/modbus/protocol.hpp"
#include "io/modbus/rtu_transport.hpp"
#include "io/serial_settings.hpp"
#include "scpi/server/modbus_rtu_server.hpp"
#include "scpi/session.hpp"
#include "support/co_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <modbus.h>

#include <cerrno>
#include <fstream>
#include <future>
#include <thread>

using namespace ledlab;
using ledlab::test::run;
namespace asio = boost::asio;
namespace mb = io::modbus;

namespace {

// A controller with a setpoint and a process value, as a Device: what the register view serves.
std::shared_ptr<scpi::server::Device> controller() {
  auto device = std::make_shared<scpi::server::Device>(scpi::server::Identity{"Test", "RTU-1", "SN00042", "1"});
  auto setpoint = std::make_shared<double>(20.0);
  device->on("SETPOINT", [setpoint](scpi::server::Request& r) { *setpoint = r.params.real(0, {-100, 200}); },
             [setpoint](scpi::server::Request& r) { r.reply(*setpoint); });
  device->on("PV", {}, [](scpi::server::Request& r) { r.reply(21.5); });
  return device;
}

mb::RegisterMap controller_map() {
  auto map = mb::parse_register_map(R"([identity]
manufacturer = "Test"
model = "RTU-1"
[registers.PV]
address = 1
type = "int16"
decimals = 1
source = "test"
[registers.SETPOINT]
address = 2
type = "int16"
decimals = 1
access = "rw"
min = -100
max = 200
source = "test"
)", "test-rtu.toml", "test-rtu");
  REQUIRE(map);
  return std::move(*map);
}

struct RtuTwin {
  asio::io_context io;
  std::shared_ptr<scpi::server::ModbusRtuServer> server;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
  RtuTwin() {
    auto line = mb::rtu_settings("", "");
    REQUIRE(line);
    server = std::make_shared<scpi::server::ModbusRtuServer>(io, controller(), controller_map(), 1, *line);
    REQUIRE(server->start());
    thread = std::thread([this] { io.run(); });
  }
  ~RtuTwin() {
    asio::post(io, [this] { server->stop(); });
    work.reset();
    io.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("libmodbus's RTU client reads and writes a twin served as a Modbus RTU unit on a pseudo-terminal") {
  RtuTwin twin;
  // Serial Line 2.5.1: 19200 baud, even parity, 8 data bits, 1 stop bit by default.
  modbus_t* ctx = modbus_new_rtu(twin.server->path().c_str(), 19200, 'E', 8, 1);
  REQUIRE(ctx);
  modbus_set_slave(ctx, 1);
  modbus_set_response_timeout(ctx, 5, 0);
  REQUIRE(modbus_connect(ctx) == 0);
  std::uint16_t regs[2] = {};
  REQUIRE(modbus_read_registers(ctx, 1, 2, regs) == 2);
  CHECK(regs[0] == 215);  // PV 21.5 with one decimal
  CHECK(regs[1] == 200);  // SETPOINT 20.0
  REQUIRE(modbus_write_register(ctx, 2, static_cast<std::uint16_t>(-125)) == 1);
  REQUIRE(modbus_read_registers(ctx, 2, 1, regs) == 1);
  CHECK(static_cast<std::int16_t>(regs[0]) == -125);
  // 300.0 is beyond what the controller takes: exception 03.
  CHECK(modbus_write_register(ctx, 2, 3000) == -1);
  CHECK(errno == EMBXILVAL);
  CHECK(modbus_write_register(ctx, 1, 10) == -1);  // PV is read only
  CHECK(errno == EMBXILADD);
  CHECK(modbus_read_registers(ctx, 7, 1, regs) == -1);
  CHECK(errno == EMBXILADD);
  modbus_close(ctx);
  modbus_free(ctx);
}

TEST_CASE("the Modbus RTU link drives the RTU twin through its register map, and refuses a setpoint beyond the map") {
  RtuTwin twin;
  const std::string map_path = std::string(LEDLAB_BINARY_DIR) + "/test-rtu.toml";
  {
    std::ofstream out(map_path);
    out << "[identity]\nmanufacturer = \"Test\"\nmodel = \"RTU-1\"\n"
           "[registers.PV]\naddress = 1\ntype = \"int16\"\ndecimals = 1\nsource = \"test\"\n"
           "[registers.SETPOINT]\naddress = 2\ntype = \"int16\"\ndecimals = 1\naccess = \"rw\"\nmin = -100\nmax = 200\nsource = \"test\"\n";
  }
  auto address = io::parse_address(fmt::format("modbus-rtu://{}?unit=1&map={}", twin.server->path(), map_path));
  REQUIRE(address);
  asio::io_context io;
  auto link = mb::make_modbus_link(*address, io.get_executor());
  REQUIRE(link);
  scpi::Session session("ctl", std::move(*link), {});
  REQUIRE(run(io, session.connect()));
  auto id = run(io, session.identify());
  REQUIRE(id);
  CHECK(id->model == "RTU-1");
  REQUIRE(run(io, session.write_checked("SETPOINT 55.5")));
  auto sp = run(io, session.query("SETPOINT?"));
  REQUIRE(sp);
  CHECK(*sp == "55.5");
  auto pv = run(io, session.query_double("PV?"));
  REQUIRE(pv);
  CHECK(*pv == 21.5);
  auto refused = run(io, session.write_checked("SETPOINT 250"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().scpi_code == -222);
  auto still = run(io, session.query("SETPOINT?"));
  REQUIRE(still);
  CHECK(*still == "55.5");
}

namespace {

enum class HostileRtu { bad_crc, other_unit, huge_count };

// Plays the instrument on the master end: reads one 8-byte read request, answers it badly.
asio::awaitable<void> hostile_rtu(asio::posix::stream_descriptor& master, HostileRtu kind) {
  std::array<char, 8> request{};
  auto [ec, n] = co_await asio::async_read(master, asio::buffer(request), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  std::string reply = mb::encode_rtu(1, mb::encode_read_response(mb::Function::read_holding_registers, {0x0000, 0x41C8}));
  switch (kind) {
    case HostileRtu::bad_crc: reply.back() = static_cast<char>(reply.back() ^ 0x55); break;
    case HostileRtu::other_unit: reply = mb::encode_rtu(9, mb::encode_read_response(mb::Function::read_holding_registers, {0, 0})); break;
    case HostileRtu::huge_count: reply = std::string("\x01\x03\xFE", 3); break;
  }
  co_await asio::async_write(master, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
}

}  // namespace

TEST_CASE("hostile Modbus RTU frames give clear protocol errors naming the line") {
  const auto [kind, expected] = GENERATE(std::pair{HostileRtu::bad_crc, std::string("does not match")},
                                         std::pair{HostileRtu::other_unit, std::string("response from unit 9 to a request for unit 1")},
                                         std::pair{HostileRtu::huge_count, std::string("beyond the RTU frame's 256")});
  auto pty = io::open_pty_pair();
  REQUIRE(pty);
  asio::io_context io;
  asio::posix::stream_descriptor master(io, pty->release_master());
  asio::co_spawn(io, hostile_rtu(master, kind), asio::detached);
  auto address = io::parse_address(fmt::format("modbus-rtu://{}?map=watlow-f4t", pty->slave_path));
  REQUIRE(address);
  auto link = mb::make_modbus_link(*address, io.get_executor());
  REQUIRE(link);
  REQUIRE(run(io, (*link)->connect(io::Millis(3000))));
  auto st = run(io, (*link)->write("PV?\n", io::Millis(3000)));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::protocol);
  CHECK_THAT(st.error().describe(), Catch::Contains(expected));
  CHECK_THAT(st.error().describe(), Catch::Contains("modbus-rtu://" + pty->slave_path));
}

TEST_CASE("a Modbus RTU line unplugged by the twin fails the call as disconnected and the next call reconnects") {
  RtuTwin twin;
  auto address = io::parse_address(fmt::format("modbus-rtu://{}?unit=1&map=eurotherm-3200", twin.server->path()));
  REQUIRE(address);
  asio::io_context io;
  auto link = mb::make_modbus_link(*address, io.get_executor());
  REQUIRE(link);
  scpi::Session session("ctl", std::move(*link), {});
  REQUIRE(run(io, session.connect()));
  REQUIRE(run(io, session.query_double("PV?")));
  // Armed on the twin's own thread; the next request it reads pulls the cable.
  std::promise<void> armed;
  asio::post(twin.io, [&] {
    scpi::server::ConnectionState state;
    twin.server->device().execute("SIM:FAULt:DROP 0", state);
    armed.set_value();
  });
  armed.get_future().wait();
  auto lost = run(io, session.query_double("PV?"));
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == Errc::disconnected);
  auto back = run(io, session.query_double("PV?"));
  REQUIRE(back);
  CHECK(*back == 21.5);
  CHECK(twin.server->plug_count() == 2);
}
