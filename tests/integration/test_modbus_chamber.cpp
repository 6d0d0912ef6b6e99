// The chamber on Modbus: the twin's Modbus TCP server against libmodbus as an independent
// client, the watlow-f4t-modbus driver through the Modbus link (a lost link recovered), and a
// full shipped BER-vs-temperature run with the chamber on Modbus TCP.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/sim_station.hpp"
#include "engine/station_config.hpp"
#include "instruments/common/registry.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "support/co_run.hpp"
#include "support/in_process_run.hpp"
#include "support/paths.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <modbus.h>

#include <bit>
#include <cerrno>
#include <thread>

using namespace ledlab;
using ledlab::test::run;
namespace asio = boost::asio;

namespace {

const std::string kStation = LEDLAB_SOURCE_DIR "/sequences/stations/sim_modbus_chamber.toml";

engine::StationConfig modbus_station() {
  auto station = engine::load_station(kStation);
  if (!station) FAIL(station.error().describe());
  return std::move(*station);
}

const instruments::InstrumentConfig& chamber_of(const engine::StationConfig& station) {
  const auto* inst = station.find("chamber");
  REQUIRE(inst);
  return *inst;
}

// The station's twins served on a thread of their own, so a blocking client (libmodbus) can
// talk to them from the test's thread.
struct ServedStation {
  asio::io_context io;
  std::unique_ptr<engine::SimulatedStation> sim;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
  explicit ServedStation(engine::StationConfig station) {
    auto started = engine::SimulatedStation::start(io, std::move(station), std::make_shared<Clock>(1.0),
                                                   engine::SimulatedStation::Ports::any_free);
    if (!started) FAIL(started.error().describe());
    sim = std::move(*started);
    thread = std::thread([this] { io.run(); });
  }
  ~ServedStation() {
    asio::post(io, [this] { sim->stop(); });
    work.reset();
    io.stop();
    thread.join();
  }
};

float low_high(const std::uint16_t* regs) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(regs[0]) | (static_cast<std::uint32_t>(regs[1]) << 16));
}

void put_low_high(std::uint16_t* regs, float v) {
  const auto raw = std::bit_cast<std::uint32_t>(v);
  regs[0] = static_cast<std::uint16_t>(raw & 0xFFFF);
  regs[1] = static_cast<std::uint16_t>(raw >> 16);
}

}  // namespace

TEST_CASE("libmodbus reads and writes the chamber twin's Watlow F4T registers and gets the exceptions a controller sends") {
  ServedStation served(modbus_station());
  auto address = io::parse_address(chamber_of(served.sim->config()).address);
  REQUIRE(address);
  REQUIRE(address->kind == io::Address::Kind::modbus_tcp);
  modbus_t* ctx = modbus_new_tcp("127.0.0.1", address->port);
  REQUIRE(ctx);
  modbus_set_slave(ctx, 1);
  modbus_set_response_timeout(ctx, 5, 0);
  REQUIRE(modbus_connect(ctx) == 0);

  std::uint16_t regs[2] = {};
  REQUIRE(modbus_read_registers(ctx, 12, 2, regs) == 2);  // serial number of twin SIM00001
  CHECK(regs[0] == 1);
  put_low_high(regs, 40.0f);
  REQUIRE(modbus_write_registers(ctx, 2782, 2, regs) == 2);
  std::uint16_t back[2] = {};
  REQUIRE(modbus_read_registers(ctx, 2782, 2, back) == 2);
  CHECK(low_high(back) == 40.0f);
  REQUIRE(modbus_read_registers(ctx, 27586, 2, back) == 2);
  CHECK(low_high(back) > -70.0f);
  CHECK(low_high(back) < 180.0f);
  REQUIRE(modbus_write_register(ctx, 16594, 62) == 1);  // event 1 (power) off
  std::uint16_t power = 0;
  REQUIRE(modbus_read_registers(ctx, 16594, 1, &power) == 1);
  CHECK(power == 62);

  // A setpoint beyond the controller's range: the twin refuses it, as the F4T would.
  put_low_high(regs, 500.0f);
  CHECK(modbus_write_registers(ctx, 2782, 2, regs) == -1);
  CHECK(errno == EMBXILVAL);
  // Neither 62 nor 63 for an event.
  CHECK(modbus_write_register(ctx, 16594, 5) == -1);
  CHECK(errno == EMBXILVAL);
  // No register starts there; half of a float; a read-only register written.
  CHECK(modbus_read_registers(ctx, 1000, 1, regs) == -1);
  CHECK(errno == EMBXILADD);
  CHECK(modbus_read_registers(ctx, 2783, 1, regs) == -1);
  CHECK(errno == EMBXILADD);
  put_low_high(regs, 20.0f);
  CHECK(modbus_write_registers(ctx, 27586, 2, regs) == -1);
  CHECK(errno == EMBXILADD);
  // Input registers: the F4T map has none.
  CHECK(modbus_read_input_registers(ctx, 2782, 2, regs) == -1);
  CHECK(errno == EMBXILADD);
  // Another unit behind this address.
  modbus_set_slave(ctx, 7);
  CHECK(modbus_read_registers(ctx, 2782, 2, regs) == -1);
  CHECK(errno == EMBXGTAR);
  modbus_set_slave(ctx, 1);
  // The setpoint is still the one accepted.
  REQUIRE(modbus_read_registers(ctx, 2782, 2, back) == 2);
  CHECK(low_high(back) == 40.0f);
  modbus_close(ctx);
  modbus_free(ctx);
}

TEST_CASE("the watlow-f4t-modbus driver recovers a dropped Modbus link: reconnects, re-applies its settings, repeats the call") {
  asio::io_context io;
  auto clock = std::make_shared<Clock>(1.0);
  auto started = engine::SimulatedStation::start(io, modbus_station(), clock, engine::SimulatedStation::Ports::any_free);
  REQUIRE(started);
  auto& sim = **started;
  instruments::InstrumentConfig cfg = chamber_of(sim.config());
  cfg.session.timeout = io::Millis(3000);
  auto address = io::parse_address(cfg.address);
  REQUIRE(address);
  auto link = io::make_link(*address, io.get_executor());
  REQUIRE(link);
  auto driver = instruments::DriverRegistry::instance().make(cfg, std::make_unique<scpi::Session>(cfg.name, std::move(*link), cfg.session));
  if (!driver) FAIL(driver.error().describe());
  auto& chamber = static_cast<instruments::ThermalChamber&>(**driver);
  REQUIRE(run(io, chamber.initialize()));
  auto id = run(io, chamber.session().identify());
  REQUIRE(id);
  CHECK(id->manufacturer == "Watlow");
  CHECK(id->model == "F4T");
  REQUIRE(run(io, chamber.set_ramp_c_per_min(5.0)));
  REQUIRE(run(io, chamber.set_setpoint_c(55.0)));
  CHECK(sim.bench()->chamber_setpoint_c() == 55.0);

  // Refused by the driver's station limits before anything is sent.
  auto over = run(io, chamber.set_setpoint_c(150.0));
  REQUIRE_FALSE(over);
  CHECK(over.error().code == Errc::limit);

  // The twin drops the connection on the next message; while it is down the bench forgets the
  // setpoint (a controller power-cycled back to defaults).
  REQUIRE(sim.inject("chamber", "*RST"));
  REQUIRE(sim.inject("chamber", "SIM:FAULt:DROP 0"));
  auto lost = run(io, chamber.setpoint_c());
  REQUIRE_FALSE(lost);
  CHECK((lost.error().code == Errc::disconnected || lost.error().code == Errc::timeout));
  REQUIRE(run(io, chamber.reapply_settings()));
  CHECK(sim.bench()->chamber_setpoint_c() == 55.0);
  auto sp = run(io, chamber.setpoint_c());
  REQUIRE(sp);
  CHECK(*sp == 55.0);
  auto air = run(io, chamber.read_temperature_c());
  REQUIRE(air);
}

namespace {

// ber_vs_temperature.lua on a small array with short parameters, the chamber as `station` has it.
test::InProcessRun ber_run(const std::string& name, engine::StationConfig station,
                           std::vector<engine::RunRequest::SimFault> faults = {}) {
  station.bench["array"]["rows"] = 4;
  station.bench["array"]["cols"] = 4;
  engine::RunRequest req;
  req.script = LEDLAB_SOURCE_DIR "/sequences/ber_vs_temperature.lua";
  req.station = std::move(station);
  req.simulate = true;
  req.virtual_time = true;
  req.overrides = {{"temps", "25,45"}, {"soak_s", "60"}, {"target_ber", "1e-9"}, {"ber_limit", "1e-9"}};
  req.sim_faults = std::move(faults);
  req.db = test::in_build(name + ".sqlite");
  test::remove_db(req.db.string());
  return test::run_in_process(req);
}

std::string chamber_idn(test::InProcessRun& r) {
  auto instruments = r.reader->instruments(r.run.id);
  REQUIRE(instruments);
  for (const auto& inst : *instruments)
    if (inst.name == "chamber") return inst.idn;
  return {};
}

bool has_event(test::InProcessRun& r, const std::string& text) {
  auto events = r.reader->events(r.run.id);
  REQUIRE(events);
  for (const auto& e : *events)
    if (e.message.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("a shipped BER-vs-temperature run passes with the chamber on Modbus TCP") {
  auto r = ber_run("modbus_chamber_ber", modbus_station());
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.run.status == db::RunStatus::finished);
  CHECK(chamber_idn(r).starts_with("Watlow,F4T,"));
}

TEST_CASE("a BER run recovers the Modbus TCP chamber when the twin closes the connection mid-run") {
  // The twin drops the connection on the first Modbus request after 300 s of the run.
  auto r = ber_run("modbus_chamber_drop", modbus_station(), {{300, "chamber", "SIM:FAULT:DROP 0"}});
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.run.status == db::RunStatus::finished);
  CHECK(has_event(r, "lost link: "));
  CHECK(has_event(r, "link to chamber restored"));
}

TEST_CASE("a shipped BER-vs-temperature run passes with a Eurotherm 3200 chamber on Modbus RTU") {
  auto station = modbus_station();
  for (auto& inst : station.instruments)
    if (inst.name == "chamber") {
      inst.driver = "eurotherm-3200";
      // The simulated station puts the twin on a pseudo-terminal and rewrites the device path.
      inst.address = "modbus-rtu:///dev/ttyUSB0?baud=19200&parity=even&unit=3&map=eurotherm-3200";
    }
  auto r = ber_run("modbus_rtu_chamber_ber", std::move(station));
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.run.status == db::RunStatus::finished);
  CHECK(chamber_idn(r).starts_with("Eurotherm,3200,"));
}
