// A socket's roles as script objects (bind_socket): lanes mapped onto instrument channels,
// directly or through an optical switch, and the fallbacks pre-flight may allow, against the
// simulated instruments over loopback.
#include "engine/socket/bind_socket.hpp"
#include "engine/socket/lane_role.hpp"
#include "instruments/bert/bert.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/twin_log.hpp"
#include "instruments/sim/wiring.hpp"
#include "support/co_run.hpp"
#include "support/sim_station.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace ledlab;
using engine::FallbacksUsed;
using engine::RoleMap;
using engine::SocketConfig;
using engine::SocketFallbacks;
using engine::socket::lane_blocks;

namespace {

// Twins over one bench, the station's drivers on a client io_context, and scripts run on a
// socket's bindings.
struct Bench {
  explicit Bench(int rows = 4, int cols = 5)
      : sim(config(rows, cols), std::make_shared<Clock>(1e4)), wiring(std::make_shared<sim::Wiring>()),
        log(std::make_shared<sim::TwinLog>()) {}

  static sim::BenchConfig config(int rows, int cols) {
    sim::BenchConfig c;
    c.seed = 7;
    c.array.rows = rows;
    c.array.cols = cols;
    return c;
  }

  // Serves the twin of `cfg` (through the bench's wiring) and adds its driver to the station.
  void add(instruments::InstrumentConfig cfg) {
    auto device = instruments::TwinRegistry::instance().make({cfg, sim.bench(), sim.clock(), wiring, log});
    if (!device) FAIL(device.error().describe());
    cfg.address = "tcp://127.0.0.1:" + std::to_string(sim.serve(*device));
    station_config.instruments.push_back(std::move(cfg));
  }

  // Creates the drivers and initialises them (attach, then settings).
  void start() {
    auto created = engine::Station::create(station_config, io.get_executor(), sim.clock());
    REQUIRE(created);
    station = std::move(*created);
    for (const auto& inst : station->instruments()) {
      auto st = test::run(io, inst->initialize());
      INFO(inst->name());
      REQUIRE(st);
    }
  }

  struct Outcome {
    lua::RunOutcome outcome;
    std::vector<nlohmann::json> records;
    std::shared_ptr<const FallbacksUsed> used;
  };

  // Runs `script` with `socket`'s roles bound; record(...) collects values.
  Outcome run(const std::string& script, const SocketConfig& socket, SocketFallbacks allowed = {},
              std::shared_ptr<engine::InstrumentLocks> locks = nullptr) {
    Outcome out;
    lua::Sinks sinks;
    sinks.record = [&out](const nlohmann::json& v) { out.records.push_back(v); };
    lua::SequenceRunner runner(lua::SequenceScript(script, "socket.lua"), {.clock = sim.clock()}, sinks);
    auto bound = engine::bind_socket(runner, *station, socket, std::move(locks), sim.clock(), allowed);
    REQUIRE(bound);
    out.used = *bound;
    out.outcome = test::run(io, runner.run());
    return out;
  }

  test::SimStation sim;
  std::shared_ptr<sim::Wiring> wiring;
  std::shared_ptr<sim::TwinLog> log;
  engine::StationConfig station_config;
  boost::asio::io_context io;
  std::unique_ptr<engine::Station> station;
};

instruments::InstrumentConfig instrument(std::string name, std::string kind, std::string driver = {}) {
  instruments::InstrumentConfig cfg;
  cfg.name = std::move(name);
  cfg.kind = std::move(kind);
  cfg.driver = std::move(driver);
  cfg.session.timeout = io::Millis(5000);
  return cfg;
}

std::vector<int> range(int first, int last) {
  std::vector<int> out;
  for (int i = first; i <= last; ++i) out.push_back(i);
  return out;
}

}  // namespace

TEST_CASE("direct lanes are one block on their channels; lanes behind a switch go in blocks of its outputs") {
  RoleMap direct;
  direct.channels = {9, 7, 5};
  const auto one = lane_blocks(direct, 3);
  REQUIRE(one.size() == 1);
  CHECK(one[0].lanes == std::vector<int>{0, 1, 2});
  CHECK(one[0].channels == std::vector<int>{9, 7, 5});
  CHECK(one[0].routes.empty());

  RoleMap implicit;  // the implicit socket: lane n on channel n
  CHECK(lane_blocks(implicit, 4)[0].channels == std::vector<int>{1, 2, 3, 4});

  RoleMap switched;
  switched.optical_switch = "sw";
  switched.switch_inputs = range(11, 20);
  switched.switch_outputs = {3, 4, 1, 2};
  switched.channels = {1, 2, 3, 4};
  const auto blocks = lane_blocks(switched, 10);
  REQUIRE(blocks.size() == 3);  // 4 + 4 + 2 lanes
  CHECK(blocks[0].lanes == std::vector<int>{0, 1, 2, 3});
  CHECK(blocks[0].routes == std::vector<std::pair<int, int>>{{11, 3}, {12, 4}, {13, 1}, {14, 2}});
  CHECK(blocks[2].lanes == std::vector<int>{8, 9});
  CHECK(blocks[2].channels == std::vector<int>{1, 2});
  CHECK(blocks[2].routes == std::vector<std::pair<int, int>>{{19, 3}, {20, 4}});
}

TEST_CASE("a BERT that cannot gate by bits is refused naming socket, role and driver unless gating by time is allowed") {
  Bench bench;
  auto cfg = instrument("bert", "bert", "n4903b");
  cfg.options["lanes"] = 1;
  bench.add(cfg);
  bench.start();
  const auto socket = engine::implicit_socket(bench.station_config);
  const std::string script = "bert.set_bit_rate(2e9)\nlocal c = bert.gate_bits(4e9)\nrecord(c.errors[1], c.bits[1], #c.bits)\n";

  auto refused = bench.run(script, socket);
  CHECK(refused.outcome.status == lua::RunStatus::failed);
  CHECK_THAT(refused.outcome.message,
             Catch::Contains("socket.lua:2: configuration error: bert.gate_bits: socket A's bert (instrument 'bert') cannot gate by bits "
                             "(driver 'n4903b') and pre-flight allowed no gate by time"));
  CHECK_FALSE(refused.used->gate_by_time);

  auto by_time = bench.run(script, socket, {.gate_by_time = true});
  INFO(by_time.outcome.message);
  REQUIRE(by_time.outcome.status == lua::RunStatus::finished);
  REQUIRE(by_time.records.size() == 1);
  // 4e9 bits at 2e9 b/s: a 2 s gate counts the same bits.
  CHECK(by_time.records[0][1].get<double>() == Approx(4e9).epsilon(1e-6));
  CHECK(by_time.records[0][2] == 1);
  CHECK(by_time.used->gate_by_time);
  REQUIRE(by_time.used->notes.size() == 1);
  CHECK_THAT(by_time.used->notes[0], Catch::Contains("gated by time (2 s for 4e+09 bits at 2e+09 b/s): driver 'n4903b'"));
}

TEST_CASE("a chamber without a DUT probe gives its air as the DUT temperature only where allowed, and says so") {
  Bench bench;
  auto cfg = instrument("chamber", "thermal_chamber", "watlow-f4t");
  cfg.limits = {{"min_c", -40}, {"max_c", 125}};
  cfg.options["safe_temperature_c"] = 25;
  bench.add(cfg);
  bench.start();
  const auto socket = engine::implicit_socket(bench.station_config);
  const std::string script = "record(chamber.dut_temperature(), chamber.temperature())\n";

  auto refused = bench.run(script, socket);
  CHECK(refused.outcome.status == lua::RunStatus::failed);
  CHECK_THAT(refused.outcome.message, Catch::Contains("DUT probe"));

  auto air = bench.run(script, socket, {.dut_temperature_from_air = true});
  INFO(air.outcome.message);
  REQUIRE(air.outcome.status == lua::RunStatus::finished);
  CHECK(air.records[0][0].get<double>() == Approx(air.records[0][1].get<double>()).margin(0.5));
  CHECK(air.used->dut_temperature_from_air);
  REQUIRE(air.used->notes.size() == 1);
  CHECK_THAT(air.used->notes[0], Catch::Contains("socket A's chamber (instrument 'chamber'): DUT temperature is the chamber's air"));
}

TEST_CASE("a socket whose lanes sit on channels its instrument lacks is refused after attach, naming socket, lane and channel") {
  Bench bench(2, 2);
  bench.add(instrument("opm", "power_meter"));
  bench.start();
  SocketConfig socket;
  socket.name = "B";
  socket.rows = 2;
  socket.cols = 2;
  RoleMap opm;
  opm.role = "opm";
  opm.instrument = "opm";
  opm.channels = {1, 2, 3, 9};
  socket.roles.push_back(opm);
  auto st = engine::check_socket_channels(*bench.station, socket);
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().message, Catch::Contains("socket B: opm lane 4 is on channel 9, but 'opm' has 4 channels"));
  // And at the call, should nobody have checked.
  auto r = bench.run("opm.read_all()\n", socket);
  CHECK(r.outcome.status == lua::RunStatus::failed);
  CHECK_THAT(r.outcome.message, Catch::Contains("socket B's opm (instrument 'opm'): channel 9 is not among the instrument's 4 channels"));
}

TEST_CASE("a socket on part of a meter reads its own channels, lane n where the station file puts it") {
  Bench bench(2, 2);
  bench.add(instrument("opm", "power_meter"));
  bench.start();
  SocketConfig socket;
  socket.name = "A";
  socket.rows = 1;
  socket.cols = 2;
  RoleMap opm;
  opm.role = "opm";
  opm.instrument = "opm";
  opm.channels = {4, 2};
  socket.roles.push_back(opm);
  REQUIRE(bench.sim.bench()->set_drive({.bias_current_a = 5e-3, .modulation_current_a = 0, .output_on = true}));
  auto whole = bench.run("record(opm.read_all())\n", engine::implicit_socket(bench.station_config));
  auto part = bench.run("local p = opm.read_all()\nrecord(#p, p[1], p[2], opm.read(1))\n", socket);
  INFO(part.outcome.message);
  REQUIRE(part.outcome.status == lua::RunStatus::finished);
  const auto& all = whole.records.at(0);
  REQUIRE(all.size() == 4);
  CHECK(part.records[0][0] == 2);
  // The meter's noise differs between reads: the same lanes within a percent.
  CHECK(part.records[0][1].get<double>() == Approx(all[3].get<double>()).epsilon(0.02));
  CHECK(part.records[0][2].get<double>() == Approx(all[1].get<double>()).epsilon(0.02));
  CHECK(part.records[0][3].get<double>() == Approx(all[3].get<double>()).epsilon(0.02));
}
