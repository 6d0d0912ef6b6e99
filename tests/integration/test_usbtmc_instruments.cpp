// The real drivers over the USBTMC link: the simulated pattern generator and power meter sit on
// the simulated USB bus (the twins run on the bus thread, as firmware would) and the drivers reach
// them through UsbtmcLink and the usb seam, as they would reach a PM100 over libusb.
#include "engine/sim_station.hpp"
#include "instruments/common/registry.hpp"
#include "instruments/common/twin_registry.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/sim/bench.hpp"
#include "io/usbtmc/usbtmc_link.hpp"
#include "support/co_run.hpp"
#include "scpi/server/usb_bus.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace ledlab;
using namespace ledlab::instruments;
using ledlab::test::run;

namespace {

struct UsbBench {
  std::shared_ptr<Clock> clock = std::make_shared<Clock>(1.0);
  std::shared_ptr<sim::Bench> bench = std::make_shared<sim::Bench>(sim::BenchConfig{}, clock);
  std::shared_ptr<scpi::server::UsbBus> bus = std::make_shared<scpi::server::UsbBus>();
  boost::asio::io_context io;

  // Builds the twin of `kind`, plugs it into the bus and returns its driver over USBTMC.
  std::unique_ptr<Instrument> plug(std::string name, std::string kind, std::uint16_t pid, std::size_t& index,
                                   std::map<std::string, double> limits = {}) {
    InstrumentConfig cfg;
    cfg.name = std::move(name);
    cfg.kind = std::move(kind);
    cfg.limits = std::move(limits);
    cfg.session.timeout = io::Millis(3000);
    cfg.session.reconnect_attempts = 1;
    auto twin = TwinRegistry::instance().make({cfg, bench, clock});
    if (!twin) FAIL(twin.error().describe());
    const std::string serial = fmt::format("SIM{:04x}", pid);
    index = bus->attach(*twin, 0x1313, pid, serial);
    cfg.address = fmt::format("USB0::0x1313::0x{:04X}::{}::INSTR", pid, serial);
    auto address = io::parse_address(cfg.address);
    REQUIRE(address);
    auto session = std::make_unique<scpi::Session>(
        cfg.name, std::make_unique<io::UsbtmcLink>(io.get_executor(), *address, bus), cfg.session);
    auto driver = DriverRegistry::instance().make(cfg, std::move(session));
    if (!driver) FAIL(driver.error().describe());
    auto st = run(io, (*driver)->initialize());
    if (!st) FAIL(st.error().describe());
    return std::move(*driver);
  }
};

}  // namespace

TEST_CASE("drivers over USBTMC light the simulated array: live lanes read power, dead lanes stay dark") {
  UsbBench b;
  std::size_t pg_index = 0, opm_index = 0;
  auto pg_driver = b.plug("pg", "pattern_generator", 0x0001, pg_index, {{"max_current_a", 0.03}});
  auto opm_driver = b.plug("opm", "power_meter", 0x8078, opm_index);
  auto& pg = static_cast<PatternGenerator&>(*pg_driver);
  auto& opm = static_cast<PowerMeter&>(*opm_driver);

  REQUIRE(run(b.io, pg.set_drive_a(0.004, 0.002)));
  REQUIRE(run(b.io, pg.set_output(true)));
  auto powers = run(b.io, opm.read_all_w());
  REQUIRE(powers);
  REQUIRE(powers->size() == b.bench->array().size());
  int live = 0, dark_dead = 0, dead = 0;
  for (std::size_t i = 0; i < powers->size(); ++i) {
    if (b.bench->array().lane(i).dead) {
      ++dead;
      if ((*powers)[i] < 1e-7) ++dark_dead;
    } else if ((*powers)[i] > 1e-6) {
      ++live;
    }
  }
  CHECK(live == static_cast<int>(powers->size()) - dead);
  CHECK(dark_dead == dead);

  // The drive limit is enforced by the driver, whatever the link.
  auto over = run(b.io, pg.set_drive_a(0.05, 0.002));
  REQUIRE_FALSE(over);
  CHECK(over.error().code == Errc::limit);

  SECTION("the power meter unplugged mid-run fails typed, and reads again once plugged back in") {
    b.bus->unplug(opm_index);
    auto lost = run(b.io, opm.read_all_w());
    REQUIRE_FALSE(lost);
    CHECK(lost.error().code == Errc::unplugged);
    CHECK(lost.error().instrument == "opm");
    b.bus->replug(opm_index);
    REQUIRE(run(b.io, opm.reapply_settings()));
    auto back = run(b.io, opm.read_all_w());
    REQUIRE(back);
    CHECK(back->size() == powers->size());
  }
}

TEST_CASE("a simulated station puts usbtmc:// twins on the in-process bus, and refuses two it could not tell apart") {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  auto address_of = [&](const std::string& name) -> std::string& {
    for (auto& inst : station->instruments)
      if (inst.name == name) return inst.address;
    FAIL("no instrument " << name);
    throw std::logic_error("unreachable");
  };
  boost::asio::io_context io;
  auto clock = std::make_shared<Clock>(1.0);

  address_of("opm") = "usbtmc://1313:8078";
  address_of("pg") = "USB0::0x1313::0x8078::PG7::INSTR";
  auto clash = engine::SimulatedStation::start(io, *station, clock, engine::SimulatedStation::Ports::any_free);
  REQUIRE_FALSE(clash);
  CHECK_THAT(clash.error().message, Catch::Contains("opm and pg are both 1313:8078") &&
                                        Catch::Contains("give each its own serial"));

  address_of("opm") = "usbtmc://1313:8078/OPM1";
  auto sim = engine::SimulatedStation::start(io, *station, clock, engine::SimulatedStation::Ports::any_free);
  REQUIRE(sim);
  CHECK((*sim)->has_usb_twins());
  // While the station lives, usbtmc:// links open on its bus: both twins are listed there.
  auto bus = io::usb::link_backend();
  REQUIRE(bus);
  auto listed = (*bus)->list();
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  CHECK(listed->at(0).serial == "OPM1");
  CHECK(listed->at(1).serial == "PG7");
  CHECK((*sim)->config().instruments.size() == station->instruments.size());
  sim->reset();
  // Gone with the station: links go back to libusb (whatever this machine has attached).
  auto after = io::usb::link_backend();
  if (after) CHECK(after->get() != bus->get());
}
