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
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <future>
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
              engine::InstrumentLocks* locks = nullptr) {
    Outcome out;
    lua::Sinks sinks;
    sinks.record = [&out](const nlohmann::json& v) { out.records.push_back(v); };
    lua::SequenceRunner runner(lua::SequenceScript(script, "socket.lua"), {.clock = sim.clock()}, sinks);
    auto bound = engine::bind_socket(runner, *station, socket, locks, sim.clock(), std::make_shared<const SocketFallbacks>(allowed));
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

TEST_CASE("direct lanes are one block on their channels, and lanes behind a switch go in blocks of its outputs") {
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

namespace {

// A role of `socket` on `instrument` through switch "sw": lane n on input first_input + n - 1,
// outputs 1..4 on the instrument's channels 1..4.
RoleMap through_switch(std::string role, std::string instrument, int first_input, int lanes) {
  RoleMap r;
  r.role = std::move(role);
  r.instrument = std::move(instrument);
  r.optical_switch = "sw";
  r.switch_inputs = range(first_input, first_input + lanes - 1);
  r.switch_outputs = {1, 2, 3, 4};
  r.channels = {1, 2, 3, 4};
  return r;
}

SocketConfig socket_of(std::string name, int rows, int cols, RoleMap role) {
  SocketConfig s;
  s.name = std::move(name);
  s.rows = rows;
  s.cols = cols;
  s.roles.push_back(std::move(role));
  return s;
}

// The twin log's events of `instrument` that start with `prefix`.
std::vector<sim::TwinLogEntry> events(const sim::TwinLog& log, std::string_view instrument, std::string_view prefix) {
  std::vector<sim::TwinLogEntry> out;
  for (auto& e : log.entries(instrument))
    if (e.event.starts_with(prefix)) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("lanes behind a 4-output switch get the counts and amplitudes a BERT with a channel per lane gives them") {
  Bench bench(4, 5);  // 20 lanes
  for (int n = 1; n <= 20; ++n) {
    bench.wiring->connect_switch_input("sw", n, static_cast<std::size_t>(n - 1));
    bench.wiring->connect_lane("bert20", n, static_cast<std::size_t>(n - 1));
  }
  for (int k = 1; k <= 4; ++k) bench.wiring->connect_switch_output("bert4", k, "sw", k);
  bench.add(instrument("bert20", "bert"));
  bench.add(instrument("bert4", "bert"));
  bench.add(instrument("sw", "optical_switch"));
  bench.start();
  REQUIRE(bench.sim.bench()->set_drive({.bias_current_a = 5e-3, .modulation_current_a = 4e-3, .output_on = true}));
  RoleMap direct;
  direct.role = "bert";
  direct.instrument = "bert20";
  direct.channels = range(1, 20);
  const std::string script = "bert.set_bit_rate(4e9)\nlocal c = bert.gate_bits(1e9)\nrecord(c.errors, c.bits, bert.amplitudes())\n";
  auto a = bench.run(script, socket_of("D", 4, 5, direct));
  auto b = bench.run(script, socket_of("S", 4, 5, through_switch("bert", "bert4", 1, 20)));
  INFO(a.outcome.message << " / " << b.outcome.message);
  REQUIRE(a.outcome.status == lua::RunStatus::finished);
  REQUIRE(b.outcome.status == lua::RunStatus::finished);
  const auto& da = a.records.at(0);
  const auto& db = b.records.at(0);
  REQUIRE(db[0].size() == 20);
  REQUIRE(db[1].size() == 20);
  REQUIRE(db[2].size() == 20);
  int same_error_free = 0;
  for (std::size_t lane = 0; lane < 20; ++lane) {
    INFO("lane " << lane + 1);
    CHECK(db[1][lane] == 1'000'000'000);
    CHECK(db[1][lane] == da[1][lane]);
    if ((db[0][lane] == 0) == (da[0][lane] == 0)) ++same_error_free;
    CHECK(db[2][lane].get<double>() == Approx(da[2][lane].get<double>()).epsilon(0.05));
  }
  CHECK(same_error_free >= 19);
  // The switch's twin saw 5 blocks of 4 routes, the BERT behind it 5 gates.
  CHECK(events(*bench.log, "bert4", "GATE ON").size() == 5);
  CHECK(events(*bench.log, "sw", "ROUTE").size() >= 20);
}

TEST_CASE("two sockets sharing a BERT behind a switch never re-route or gate while the other's gate runs") {
  Bench bench(4, 4);  // 16 lanes: socket A on inputs 1-8, B on 9-16
  for (int n = 1; n <= 16; ++n) bench.wiring->connect_switch_input("sw", n, static_cast<std::size_t>(n - 1));
  for (int k = 1; k <= 4; ++k) bench.wiring->connect_switch_output("bert", k, "sw", k);
  bench.add(instrument("bert", "bert"));
  bench.add(instrument("sw", "optical_switch"));
  bench.start();
  REQUIRE(bench.sim.bench()->set_drive({.bias_current_a = 5e-3, .modulation_current_a = 4e-3, .output_on = true}));
  engine::InstrumentLocks locks(bench.io.get_executor());
  // A gates at 2 Gb/s (1 s per block), B at 1 Gb/s (2 s): each socket's rate is set again
  // before its own gate.
  struct Socket {
    std::unique_ptr<lua::SequenceRunner> runner;
    std::vector<nlohmann::json> records;
    std::future<lua::RunOutcome> done;
  };
  Socket sockets[2];
  const char* rates[2] = {"2e9", "1e9"};
  for (int i = 0; i < 2; ++i) {
    auto& s = sockets[i];
    lua::Sinks sinks;
    sinks.record = [&s](const nlohmann::json& v) { s.records.push_back(v); };
    const std::string script = std::string("bert.set_bit_rate(") + rates[i] + ")\nlocal c = bert.gate_bits(2e9)\nrecord(c.bits)\n";
    s.runner = std::make_unique<lua::SequenceRunner>(lua::SequenceScript(script, "shared.lua"),
                                                     lua::RunOptions{.clock = bench.sim.clock()}, sinks);
    const auto socket = socket_of(i == 0 ? "A" : "B", 2, 4, through_switch("bert", "bert", 1 + 8 * i, 8));
    REQUIRE(engine::bind_socket(*s.runner, *bench.station, socket, &locks, bench.sim.clock()));
  }
  for (auto& s : sockets) s.done = boost::asio::co_spawn(bench.io, s.runner->run(), boost::asio::use_future);
  bench.io.restart();
  const auto finished = [&] {
    for (auto& s : sockets)
      if (s.done.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    return true;
  };
  while (!finished())
    if (bench.io.run_one_for(std::chrono::milliseconds(5)) == 0) bench.io.restart();
  for (auto& s : sockets) {
    const auto outcome = s.done.get();
    INFO(outcome.message);
    REQUIRE(outcome.status == lua::RunStatus::finished);
    REQUIRE(s.records.size() == 1);
    CHECK(s.records[0] == std::vector<std::uint64_t>(8, 2'000'000'000));
  }
  // From the twins' own log: gates follow each other, and no route changes while one runs.
  bool gating = false;
  int gates = 0, routes_during_gates = 0;
  std::vector<double> lengths;
  double started = 0;
  for (const auto& e : bench.log->entries()) {
    if (e.instrument == "bert" && e.event.starts_with("GATE ON")) {
      CHECK_FALSE(gating);
      gating = true;
      started = e.time_s;
      ++gates;
    } else if (e.instrument == "bert" && (e.event == "GATE END" || e.event == "GATE OFF")) {
      if (gating) lengths.push_back(e.time_s - started);
      gating = false;
    } else if (e.instrument == "sw" && gating) {
      ++routes_during_gates;
    }
  }
  CHECK(gates == 4);  // 2 blocks of 4 lanes per socket
  CHECK(routes_during_gates == 0);
  REQUIRE(lengths.size() == 4);
  std::sort(lengths.begin(), lengths.end());
  CHECK(lengths[0] == Approx(1).epsilon(0.01));
  CHECK(lengths[1] == Approx(1).epsilon(0.01));
  CHECK(lengths[2] == Approx(2).epsilon(0.01));
  CHECK(lengths[3] == Approx(2).epsilon(0.01));
}
