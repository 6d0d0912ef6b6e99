// Discovery on USB: the twins a simulated station puts on its USB bus are listed as VISA
// resource strings and answer *IDN? through the USBTMC link, as hardware would.
#include "engine/sim_station.hpp"
#include "engine/station_config.hpp"
#include "io/discovery/identify.hpp"
#include "io/discovery/usb.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace ledlab;

TEST_CASE("discovery lists the twins on the simulated USB bus and reads their IDN replies") {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  for (auto& inst : station->instruments) {
    if (inst.name == "opm") inst.address = "usbtmc://1313:8078/OPM1";
    if (inst.name == "pg") inst.address = "USB0::0x1313::0x8079::PG7::INSTR";
  }
  boost::asio::io_context sim_io;
  auto sim = engine::SimulatedStation::start(sim_io, *station, std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  REQUIRE(sim);

  auto found = io::discovery::find_usb();
  REQUIRE(found);
  REQUIRE(found->size() == 2);
  CHECK(found->at(0).resource == "USB0::0x1313::0x8078::OPM1::INSTR");
  CHECK(found->at(1).resource == "USB0::0x1313::0x8079::PG7::INSTR");
  CHECK(found->at(0).via == "usb");

  boost::asio::io_context io;
  boost::asio::co_spawn(io, io::discovery::identify_all(*found, std::chrono::milliseconds(2000)), boost::asio::detached);
  io.run();
  const char* names[] = {"opm", "pg"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& f = found->at(i);
    const auto& id = (*sim)->device(names[i])->identity();
    INFO(f.resource << ": " << f.error);
    CHECK(f.error.empty());
    CHECK(f.idn == fmt::format("{},{},{},{}", id.manufacturer, id.model, id.serial, id.firmware));
  }
}

TEST_CASE("an instrument that cannot be reached is listed with the reason, not dropped") {
  std::vector<io::discovery::Found> found(2);
  found[0].resource = "TCPIP0::127.0.0.1::1::SOCKET";  // nothing listens on port 1
  found[1].resource = "not a resource";
  boost::asio::io_context io;
  boost::asio::co_spawn(io, io::discovery::identify_all(found, std::chrono::milliseconds(500)), boost::asio::detached);
  io.run();
  REQUIRE(found.size() == 2);
  CHECK(found[0].idn.empty());
  CHECK_THAT(found[0].error, Catch::Contains("127.0.0.1"));
  CHECK_FALSE(found[1].error.empty());
}

TEST_CASE("identification ends as soon as every link has failed, not at its safety bound") {
  // A USB instrument that is not attached fails at connect without waiting on anything; the
  // wait for all replies once missed that and sat out its bound (3 x the timeout).
  std::vector<io::discovery::Found> found(1);
  found[0].resource = "USB0::0x1313::0x8078::NOT-ATTACHED-42::INSTR";
  const auto timeout = std::chrono::milliseconds(3000);
  boost::asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  boost::asio::co_spawn(io, io::discovery::identify_all(found, timeout), boost::asio::detached);
  io.run();
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(found[0].error);
  CHECK_FALSE(found[0].error.empty());
  CHECK(took < 3 * timeout);
}
