// A simulated station with DUT sockets: SimulatedStation builds the bench's DUTs and the
// wiring of the sockets' roles, and every twin reads or drives its own DUT's lanes.
#include "engine/sim_station.hpp"
#include "engine/station_config.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>

using namespace ledlab;
using namespace ledlab::engine;

namespace {

// Two DUTs of 2 x 2 lanes (the ports are placeholders: the twins take any free port). One
// meter for both (A on channels 1-4, B on 5-8), a pattern generator each, one SMU for both, one
// 2-channel BERT behind a switch for both, a chamber for both.
constexpr const char* kStation = R"(
[station]
name = "two sockets"
[bench]
seed = 7
[bench.array]
rows = 2
cols = 2
[instruments.chamber]
kind = "thermal_chamber"
address = "tcp://127.0.0.1:5101"
[instruments.opm]
kind = "power_meter"
address = "tcp://127.0.0.1:5102"
[instruments.pg_a]
kind = "pattern_generator"
address = "tcp://127.0.0.1:5103"
[instruments.pg_b]
kind = "pattern_generator"
address = "tcp://127.0.0.1:5104"
[instruments.bert]
kind = "bert"
address = "tcp://127.0.0.1:5105"
[instruments.smu]
kind = "smu"
address = "tcp://127.0.0.1:5199"
limits = { max_current_a = 0.02, max_compliance_v = 8, max_compliance_a = 0.02 }
[instruments.sw]
kind = "optical_switch"
address = "tcp://127.0.0.1:5106"
)";

RoleMap role(std::string name, std::string instrument, std::vector<int> channels = {}) {
  RoleMap r;
  r.role = std::move(name);
  r.instrument = std::move(instrument);
  r.channels = std::move(channels);
  return r;
}

SocketConfig socket(std::string name, int dut, std::vector<int> opm_channels, std::vector<int> switch_inputs) {
  SocketConfig s;
  s.name = std::move(name);
  s.rows = 2;
  s.cols = 2;
  s.bench_dut = dut;
  s.roles.push_back(role("chamber", "chamber"));
  s.roles.push_back(role("opm", "opm", std::move(opm_channels)));
  s.roles.push_back(role("pg", dut == 0 ? "pg_a" : "pg_b"));
  // The SMU: A on channels 1, 3, 5, 7 and B on 2, 4, 6, 8 (interleaved fixtures).
  s.roles.push_back(role("smu", "smu", dut == 0 ? std::vector<int>{1, 3, 5, 7} : std::vector<int>{2, 4, 6, 8}));
  RoleMap bert = role("bert", "bert", {1, 2});
  bert.optical_switch = "sw";
  bert.switch_inputs = std::move(switch_inputs);
  bert.switch_outputs = {1, 2};
  s.roles.push_back(bert);
  return s;
}

StationConfig two_sockets() {
  auto station = parse_station(kStation, "two.toml");
  if (!station) FAIL(station.error().describe());
  station->sockets.push_back(socket("A", 0, {1, 2, 3, 4}, {1, 2, 3, 4}));
  station->sockets.push_back(socket("B", 1, {5, 6, 7, 8}, {5, 6, 7, 8}));
  return *station;
}

// Runs one line on a twin in this thread (the station's io_context is not running).
std::string execute(SimulatedStation& sim, std::string_view instrument, std::string_view line) {
  auto device = sim.device(instrument);
  REQUIRE(device);
  scpi::server::ConnectionState state;
  auto out = device->execute(line, state);
  INFO(instrument << ": " << line);
  REQUIRE(device->status().errors().empty());
  return out.reply;
}

double number(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

}  // namespace

TEST_CASE("a station's sockets put one DUT each on the bench, each pattern generator driving its own") {
  boost::asio::io_context io;
  auto sim = SimulatedStation::start(io, two_sockets(), std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
  if (!sim) FAIL(sim.error().describe());
  auto& s = **sim;
  REQUIRE(s.bench()->dut_count() == 2);  // one more than the highest sim_dut
  REQUIRE(s.bench()->lane_count() == 8);
  REQUIRE(s.wiring());
  CHECK(execute(s, "opm", "SYST:CHAN:COUN?") == "8");
  CHECK(execute(s, "bert", "SYST:LANE:COUN?") == "2");
  CHECK(execute(s, "sw", "ROUT:SIZE:INP?") == "8");

  // Only socket B's generator on: DUT 1 lights, DUT 0 stays dark.
  execute(s, "pg_b", "SOUR1:CURR:OFFS 5e-3");
  execute(s, "pg_b", "OUTP1 ON");
  CHECK_FALSE(s.bench()->drive(0).output_on);
  CHECK(s.bench()->drive(1).output_on);
  for (int ch = 1; ch <= 8; ++ch) {
    INFO("opm channel " << ch);
    const double w = number(execute(s, "opm", fmt::format("MEAS{}:POW?", ch)));
    const std::size_t lane = static_cast<std::size_t>(ch - 1);
    if (ch <= 4 || s.bench()->array().lane(lane).dead)
      CHECK(std::abs(w) < 1e-7);
    else
      CHECK(w > 1e-6);
  }

  // The BERT behind the switch sees what is routed: B's lane 2 (bench lane 5) on channel 1.
  CHECK(execute(s, "bert", "FETC:SENS1:AMPL?") == execute(s, "bert", "FETC:SENS2:AMPL?"));
  execute(s, "sw", "ROUT:CLOS (@6!1)");
  CHECK(s.wiring()->resolve("bert", 1) == std::size_t{5});
  CHECK(number(execute(s, "bert", "FETC:SENS1:AMPL?")) > 0);
  CHECK(number(execute(s, "bert", "FETC:SENS2:AMPL?")) == 0);
}

TEST_CASE("a socket on a DUT the bench does not have, or larger than its arrays, is refused naming the socket") {
  boost::asio::io_context io;
  auto station = two_sockets();
  station.bench["duts"] = 1;
  auto sim = SimulatedStation::start(io, station, std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
  REQUIRE_FALSE(sim);
  CHECK_THAT(sim.error().describe(), Catch::Contains("sockets.B.sim_dut") && Catch::Contains("bench.duts"));

  station = two_sockets();
  station.sockets[1].rows = 3;
  sim = SimulatedStation::start(io, station, std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
  REQUIRE_FALSE(sim);
  CHECK_THAT(sim.error().describe(), Catch::Contains("sockets.B") && Catch::Contains("do not fit"));

  station = two_sockets();
  station.sockets[0].roles[1].channels.pop_back();
  sim = SimulatedStation::start(io, station, std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
  REQUIRE_FALSE(sim);
  CHECK_THAT(sim.error().describe(), Catch::Contains("sockets.A.opm") && Catch::Contains("3 channels for 4 lanes"));
}

TEST_CASE("[bench] duts gives the bench more DUTs than the sockets use, and is refused outside 1..64") {
  boost::asio::io_context io;
  auto station = two_sockets();
  station.bench["duts"] = 4;
  auto sim = SimulatedStation::start(io, station, std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
  if (!sim) FAIL(sim.error().describe());
  CHECK((*sim)->bench()->dut_count() == 4);
  CHECK((*sim)->bench()->lane_count() == 16);

  for (int bad : {0, 65}) {
    station.bench["duts"] = bad;
    sim = SimulatedStation::start(io, station, std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
    REQUIRE_FALSE(sim);
    CHECK_THAT(sim.error().describe(), Catch::Contains("bench.duts") && Catch::Contains("1 .. 64"));
  }
}

TEST_CASE("an SMU channel sources into the lane wired to it and sets the drive of that lane's DUT alone") {
  boost::asio::io_context io;
  auto sim = SimulatedStation::start(io, two_sockets(), std::make_shared<Clock>(1.0), SimulatedStation::Ports::any_free);
  if (!sim) FAIL(sim.error().describe());
  auto& s = **sim;
  CHECK(execute(s, "smu", "SYST:CHAN:COUN?") == "8");
  // Channel 4 is socket B's lane 2: bench lane 5.
  execute(s, "smu", ":SOUR4:FUNC:MODE CURR");
  execute(s, "smu", ":SENS4:VOLT:PROT 5");
  execute(s, "smu", ":SOUR4:CURR 1e-3");
  execute(s, "smu", ":OUTP4 ON");
  CHECK(s.bench()->drive(1).output_on);
  CHECK(s.bench()->drive(1).bias_current_a == 1e-3);
  CHECK_FALSE(s.bench()->drive(0).output_on);
  const double volts = number(execute(s, "smu", ":MEAS4:VOLT?"));
  CHECK(volts > 2.0);
  CHECK(volts < 3.5);
  execute(s, "smu", ":OUTP4 OFF");
  CHECK_FALSE(s.bench()->drive(1).output_on);
}
