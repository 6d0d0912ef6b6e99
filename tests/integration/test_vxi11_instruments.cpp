// The real drivers over VXI-11: a simulated station whose instruments have VXI-11 addresses
// serves their twins over VXI-11 (portmapper on a free port) and the engine reaches them
// through Vxi11Link, as it would reach an LXI instrument's inst0.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/sim_station.hpp"
#include "engine/station_config.hpp"
#include "support/paths.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <sstream>

using namespace ledlab;

namespace {

engine::StationConfig station_on_vxi11() {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  for (auto& inst : station->instruments) inst.address = fmt::format("TCPIP0::127.0.0.1::{}::INSTR", inst.name);
  return std::move(*station);
}

}  // namespace

TEST_CASE("a simulated station serves VXI-11 instruments over VXI-11 and rewrites their addresses") {
  boost::asio::io_context io;
  auto sim = engine::SimulatedStation::start(io, station_on_vxi11(), std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  REQUIRE(sim);
  const auto& server = (*sim)->vxi11_server();
  REQUIRE(server);
  CHECK(server->portmapper_port() != 111);
  for (const auto& inst : (*sim)->config().instruments) {
    INFO(inst.name);
    CHECK(inst.address == fmt::format("vxi11://127.0.0.1:{}/{}", server->portmapper_port(), inst.name));
    CHECK((*sim)->device(inst.name));
  }
  REQUIRE((*sim)->vxi11_names().size() == (*sim)->config().instruments.size());
  CHECK((*sim)->vxi11_names().front() == std::pair<std::string, std::string>((*sim)->config().instruments.front().name, "inst0"));
}

TEST_CASE("BER vs temperature runs to the end with every instrument on VXI-11") {
  engine::RunRequest req;
  req.script = LEDLAB_SOURCE_DIR "/sequences/ber_vs_temperature.lua";
  req.station = station_on_vxi11();
  req.simulate = true;
  req.virtual_time = true;
  req.overrides["temps"] = "25,65";
  req.db = test::in_build("vxi11_ber_vs_temperature.sqlite");
  test::remove_db(req.db.string());
  std::ostringstream out;
  const int rc = engine::run_sequence(req, out);
  INFO(out.str());
  CHECK((rc == 0 || rc == engine::kVerdictFailedExitCode));
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  const auto runs = reader->list_runs({});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK(runs->front().status == db::RunStatus::finished);
  const auto instruments = reader->instruments(runs->front().id);
  REQUIRE(instruments);
  REQUIRE_FALSE(instruments->empty());
  for (const auto& inst : *instruments) {
    INFO(inst.name);
    CHECK(inst.resource.rfind("vxi11://127.0.0.1:", 0) == 0);
  }
}
