// The thermal chamber driver in the ESPEC dialect against the chamber twin speaking it, over a
// serial line (a pseudo-terminal): no IEEE 488.2 command crosses it, every command is answered.
#include "instruments/common/registry.hpp"
#include "instruments/common/twin_registry.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/twin_log.hpp"
#include "instruments/thermal_chamber/espec_protocol.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "io/link.hpp"
#include "scpi/server/serial_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace asio = boost::asio;
using namespace ledlab;
using namespace ledlab::instruments;

namespace {

InstrumentConfig espec_config(const std::string& address) {
  InstrumentConfig c;
  c.name = "chamber";
  c.kind = "thermal_chamber";
  c.driver = "espec";
  c.address = address;
  c.limits = {{"min_c", -40.0}, {"max_c", 125.0}};
  c.options = {{"safe_temperature_c", 25.0}};
  c.session.reconnect_attempts = 1;
  c.session.reconnect_backoff = io::Millis(1);
  return c;
}

// The twin on a pty and the driver on its path, both on one io_context; every line the twin
// received is kept.
struct Rig {
  asio::io_context io;
  std::shared_ptr<Clock> clock = std::make_shared<Clock>(600.0);
  std::shared_ptr<sim::Bench> bench = std::make_shared<sim::Bench>(sim::BenchConfig{}, clock);
  std::shared_ptr<scpi::server::Device> twin;
  std::shared_ptr<scpi::server::SerialServer> server;
  std::unique_ptr<Instrument> driver;
  ThermalChamber* chamber = nullptr;
  std::vector<std::string> lines;

  Rig() {
    const std::string written = "serial:///dev/ttyUSB0?baud=9600&term=crlf";
    auto twin_made = TwinRegistry::instance().make(
        {espec_config(written), bench, clock, nullptr, std::make_shared<sim::TwinLog>()});
    REQUIRE(twin_made);
    twin = *twin_made;
    auto inner = twin->native_line;
    REQUIRE(inner);
    twin->native_line = [this, inner](std::string_view line) {
      lines.emplace_back(line);
      return inner(line);
    };
    auto line = io::serial_settings(*io::parse_address(written));
    REQUIRE(line);
    server = std::make_shared<scpi::server::SerialServer>(io, twin, *line, clock);
    REQUIRE(server->start());
    InstrumentConfig config = espec_config(server->address());
    auto address = io::parse_address(config.address);
    REQUIRE(address);
    auto term = io::address_terminators(*address);
    config.session.write_terminator = term->write;
    config.session.read_terminator = term->read;
    auto link = io::make_link(*address, io.get_executor());
    REQUIRE(link);
    auto session = std::make_unique<scpi::Session>("chamber", std::move(*link), config.session);
    auto made = DriverRegistry::instance().make(config, std::move(session));
    REQUIRE(made);
    driver = std::move(*made);
    chamber = dynamic_cast<ThermalChamber*>(driver.get());
    REQUIRE(chamber);
    chamber->set_clock(clock);
  }
  ~Rig() { server->stop(); }

  template <class T>
  T go(asio::awaitable<T> op) {
    auto f = asio::co_spawn(io, std::move(op), asio::use_future);
    io.restart();
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
    return f.get();
  }
  static void ok(const Status& s) {
    INFO((s ? std::string("ok") : s.error().describe()));
    REQUIRE(s.has_value());
  }
};

}  // namespace

TEST_CASE("the espec driver identifies and initialises the chamber over a serial line without IEEE 488.2 commands") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  REQUIRE(rig.chamber->identity());
  CHECK(rig.chamber->identity()->manufacturer == "ESPEC");
  CHECK(rig.chamber->identity()->firmware == "SCP-220 Ver.1.00");
  CHECK_FALSE(rig.chamber->speaks_ieee488());
  for (const auto& line : rig.lines) {
    INFO(line);
    CHECK(line.find('*') == std::string::npos);
    CHECK(line.find("SYST") == std::string::npos);
  }
  // The station limits are programmed into the controller's own upper and lower limits.
  auto limits = rig.go(rig.chamber->read_limits_c());
  REQUIRE(limits);
  CHECK(limits->min_c == Approx(-40.0));
  CHECK(limits->max_c == Approx(125.0));
  Rig::ok(rig.go(rig.chamber->heartbeat()));
  CHECK(rig.lines.back() == "MODE?");
}

TEST_CASE("the espec driver sets and reads back the setpoint from the second field of TEMP?") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  Rig::ok(rig.go(rig.chamber->set_setpoint_c(40.0)));
  CHECK(rig.lines.back() == "TEMP, S40.0");
  auto sp = rig.go(rig.chamber->setpoint_c());
  REQUIRE(sp);
  CHECK(*sp == Approx(40.0));
  CHECK(rig.bench->chamber_setpoint_c() == Approx(40.0));
  auto air = rig.go(rig.chamber->read_temperature_c());
  REQUIRE(air);
  CHECK(std::isfinite(*air));
}

TEST_CASE("an espec setpoint outside the station limits is refused before anything is sent, and NaN too") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  const auto sent = rig.lines.size();
  auto hot = rig.go(rig.chamber->set_setpoint_c(150.0));
  REQUIRE_FALSE(hot);
  CHECK(hot.error().code == Errc::limit);
  auto nan = rig.go(rig.chamber->set_setpoint_c(std::nan("")));
  REQUIRE_FALSE(nan);
  CHECK(rig.lines.size() == sent);
}

TEST_CASE("a command the espec controller refuses with NA: fails with its reason") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  // Past the controller's own upper limit (the station's 125 C): the twin answers NA.
  auto reply = rig.go(rig.chamber->session().query("TEMP, S130.0"));
  REQUIRE(reply);
  CHECK(*reply == "NA:DATA OUT OF RANGE");
  auto unknown = rig.go(rig.chamber->session().query("*IDN?"));
  REQUIRE(unknown);
  CHECK(*unknown == "NA:CMD ERR");
}

TEST_CASE("espec alarms are read as a count from ALARM?") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  auto none = rig.go(rig.chamber->read_alarms());
  REQUIRE(none);
  CHECK_FALSE(none->any());
  Rig::ok(rig.go(rig.chamber->session().write("SIM:FAULt:ALARm")));  // a SCPI fault line: no reply
  auto one = rig.go(rig.chamber->read_alarms());
  REQUIRE(one);
  CHECK(one->any());
  CHECK(one->raw == 1);
  CHECK(one->describe() == "1 alarm(s) active");
}

TEST_CASE("an espec chamber whose serial cable was pulled is reconnected, its settings re-applied") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  Rig::ok(rig.go(rig.chamber->set_setpoint_c(55.0)));
  REQUIRE(rig.server->replug());
  const auto before = rig.lines.size();
  auto lost = rig.go(rig.chamber->setpoint_c());
  if (lost) FAIL("read across a pulled cable: " << *lost);
  CHECK(lost.error().code == Errc::disconnected);
  // What the engine does on a lost link (run_supervision.cpp): attach, re-apply, repeat.
  Rig::ok(rig.go(rig.chamber->attach()));
  Rig::ok(rig.go(rig.chamber->reapply_settings()));
  auto sp = rig.go(rig.chamber->setpoint_c());
  REQUIRE(sp);
  CHECK(*sp == Approx(55.0));
  CHECK(std::find(rig.lines.begin() + static_cast<long>(before), rig.lines.end(), "TEMP, S55.0") != rig.lines.end());
  CHECK(rig.server->plug_count() == 2);
}

TEST_CASE("an espec acknowledgement that is neither OK: nor NA: fails as a protocol error naming the command") {
  Rig rig;
  Rig::ok(rig.go(rig.chamber->initialize()));
  Rig::ok(rig.go(rig.chamber->session().write("SIM:FAULt:GARBle 1")));
  auto st = rig.go(rig.chamber->set_setpoint_c(30.0));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::protocol);
  CHECK(st.error().instrument == "chamber");
  CHECK(st.error().command == "TEMP, S30.0");
  CHECK_THAT(st.error().message, Catch::Contains("instead of OK: or NA:"));
}
