// The optical switch driver against its simulated twin over loopback TCP, every dialect's
// command formatting, a BERT behind the switch seeing the routed lane of a 2-DUT bench, and a
// BERT per DUT each counting at its own rate.
#include "instruments/bert/bert.hpp"
#include "instruments/optical_switch/optical_switch.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/sim_station.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <string>

using namespace ledlab;
using instruments::Bert;
using instruments::InstrumentConfig;
using instruments::OpticalSwitch;
namespace asio = boost::asio;
using test::require_ok;

namespace {

constexpr double kSettle_s = 0.05;

InstrumentConfig switch_config(std::string driver = "ledlab-switch") {
  auto c = test::instrument_config("sw", "optical_switch", std::move(driver));
  c.options["settle_s"] = kSettle_s;
  return c;
}

// Two DUTs of 2 x 4 lanes; switch inputs 1..16 carry bench lanes 0..15, outputs 1 and 2 go to
// BERT channels 1 and 2.
sim::BenchConfig two_duts() {
  sim::BenchConfig c;
  c.array.rows = 2;
  c.array.cols = 4;
  c.duts = 2;
  return c;
}

std::shared_ptr<sim::Wiring> switch_wiring() {
  auto w = std::make_shared<sim::Wiring>();
  for (int in = 1; in <= 16; ++in) w->connect_switch_input("sw", in, static_cast<std::size_t>(in - 1));
  w->connect_switch_output("bert", 1, "sw", 1);
  w->connect_switch_output("bert", 2, "sw", 2);
  return w;
}

struct Rig {
  test::SimStation station{two_duts()};
  asio::io_context io;
  std::unique_ptr<instruments::Instrument> switch_owner, bert_owner;
  OpticalSwitch* sw = nullptr;
  Bert* bert = nullptr;

  Rig() {
    station.use_wiring(switch_wiring());
    switch_owner = test::make_driver(io, switch_config(), station.serve_twin(switch_config()));
    sw = dynamic_cast<OpticalSwitch*>(switch_owner.get());
    REQUIRE(sw != nullptr);
    require_ok(run(sw->initialize()));
    auto bert_config = test::instrument_config("bert", "bert", "ledlab-bert");
    bert_owner = test::make_driver(io, bert_config, station.serve_twin(bert_config));
    bert = dynamic_cast<Bert*>(bert_owner.get());
    REQUIRE(bert != nullptr);
    require_ok(run(bert->initialize()));
  }

  template <class T>
  T run(asio::awaitable<T> op) {
    return test::run(io, std::move(op));
  }

  std::vector<instruments::BerCount> gate_bits(std::uint64_t bits) {
    require_ok(run(bert->set_gate_bits(bits)));
    require_ok(run(bert->start_gate()));
    require_ok(run(bert->wait_gate()));
    auto all = run(bert->read_all());
    require_ok(all);
    return *all;
  }
};

// A driver of a dialect without a connection: only its command formatting is used.
std::unique_ptr<OpticalSwitch> offline(std::string driver, int inputs, int outputs) {
  auto config = switch_config(driver);
  config.options["inputs"] = inputs;
  config.options["outputs"] = outputs;
  const auto* dialect = instruments::find_optical_switch_dialect(driver);
  REQUIRE(dialect != nullptr);
  return std::make_unique<OpticalSwitch>(config, nullptr, *dialect);
}

}  // namespace

TEST_CASE("optical switch: the driver learns the twin's size, routes, waits for the settle time and reads routes back") {
  Rig rig;
  CHECK(rig.sw->identity()->model == "SIM-SWITCH");
  CHECK(rig.sw->inputs() == 16);
  CHECK(rig.sw->outputs() == 2);
  // What it declares to the pre-flight check.
  CHECK(rig.sw->capabilities().kind == "optical_switch");
  CHECK(rig.sw->capabilities().inputs == 16);
  CHECK(rig.sw->capabilities().outputs == 2);
  require_ok(rig.run(rig.sw->route(5, 1)));
  // *OPC? answered only once the mirrors had settled, on the station's clock.
  const auto log = rig.station.twin_log()->entries("sw");
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().event == "ROUTE 5!1");
  CHECK(rig.station.bench()->time_s() >= log.back().time_s + kSettle_s);
  auto in = rig.run(rig.sw->routed_input(1));
  require_ok(in);
  CHECK(*in == 5);
  in = rig.run(rig.sw->routed_input(2));
  require_ok(in);
  CHECK(*in == 0);

  std::vector<std::pair<int, int>> both;
  both.emplace_back(9, 1);
  both.emplace_back(10, 2);
  require_ok(rig.run(rig.sw->route_many(both)));
  CHECK(rig.sw->routes() == std::map<int, int>{{1, 9}, {2, 10}});
  CHECK(rig.run(rig.sw->routed_input(2)).value() == 10);
  CHECK(rig.sw->settings()["routes"]["1"] == 9);

  require_ok(rig.run(rig.sw->safe_state()));
  CHECK(rig.run(rig.sw->routed_input(1)).value() == 0);
  CHECK(rig.sw->routes().empty());
}

TEST_CASE("optical switch: bad routes are refused before anything is sent, naming the switch and the port") {
  Rig rig;
  auto st = rig.run(rig.sw->route(17, 1));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::invalid_argument);
  CHECK_THAT(st.error().describe(), Catch::Contains("sw") && Catch::Contains("input 17 is not 1..16"));
  std::vector<std::pair<int, int>> twice;
  twice.emplace_back(1, 1);
  twice.emplace_back(2, 1);
  st = rig.run(rig.sw->route_many(twice));
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().describe(), Catch::Contains("output 1 is routed twice"));
  CHECK(rig.station.twin_log()->entries("sw").size() == 1);  // the OPEN ALL of initialize()
  // The twin refuses out-of-range and malformed channel lists itself.
  CHECK(test::sole_error(rig.io, rig.sw->session(), "ROUT:CLOS (@99!1)") == -222);
  CHECK(test::sole_error(rig.io, rig.sw->session(), "ROUT:CLOS (@3)") == -224);
}

TEST_CASE("optical switch: after a reconnect the driver closes its routes again") {
  Rig rig;
  require_ok(rig.run(rig.sw->route(4, 2)));
  require_ok(rig.run(rig.sw->session().write("ROUT:OPEN:ALL")));
  CHECK(rig.run(rig.sw->routed_input(2)).value() == 0);
  require_ok(rig.run(rig.sw->reapply_settings()));
  CHECK(rig.run(rig.sw->routed_input(2)).value() == 4);
}

TEST_CASE("optical switch: every dialect formats its routes and parses its route query as its manual gives them") {
  auto ledlab = offline("ledlab-switch", 400, 4);
  CHECK(ledlab->format_route(17, 2) == "ROUT:CLOS (@17!2)");
  CHECK(ledlab->format_route_many({{1, 1}, {2, 2}, {3, 3}}) == "ROUT:CLOS (@1!1,2!2,3!3)");
  CHECK(ledlab->format_routed_input(3) == "ROUT:CONN? 3");
  CHECK(ledlab->parse_routed_input("17", 3).value() == 17);
  CHECK(ledlab->parse_routed_input("0", 3).value() == 0);
  CHECK_FALSE(ledlab->parse_routed_input("401", 3));
  CHECK_FALSE(ledlab->parse_routed_input("x", 3));

  // Polatis: ingress 1..N, egress N+1..N+M in one numbering.
  auto polatis = offline("polatis", 16, 16);
  CHECK(polatis->format_route(3, 2) == ":OXC:SWIT:CONN:ADD (@3),(@18)");
  CHECK(polatis->format_route_many({{1, 1}, {5, 2}}) == ":OXC:SWIT:CONN:ADD (@1,5),(@17,18)");
  CHECK(polatis->format_routed_input(2) == ":OXC:SWIT:CONN:PORT? 18");
  CHECK(polatis->parse_routed_input("5", 2).value() == 5);

  // Keysight N77xx 1 x N: input letter, output number; the query names the output in use.
  auto n77 = offline("n77xx", 1, 8);
  CHECK(n77->format_route(1, 3) == ":ROUT1:CHAN1 A,3");
  CHECK(n77->format_routed_input(3) == ":ROUT1:CHAN1?");
  CHECK(n77->parse_routed_input("A,3", 3).value() == 1);
  CHECK(n77->parse_routed_input("A,3", 4).value() == 0);
  CHECK_FALSE(n77->parse_routed_input("3", 3));
}

TEST_CASE("optical switch: a BERT channel behind the switch reads the routed lane's errors, and is dark while unrouted") {
  Rig rig;
  auto& bench = *rig.station.bench();
  require_ok(bench.set_drive({5e-3, 1e-3, 1e6, true}));  // noisy enough to count errors
  constexpr std::uint64_t kBits = 4'000'000;
  // A lit lane of DUT 1 on output 1; output 2 open.
  std::size_t lane = 8;
  while (bench.array().lane(lane).dead || bench.ber(lane) * kBits < 50) ++lane;
  REQUIRE(lane < 16);
  require_ok(rig.run(rig.sw->route(static_cast<int>(lane + 1), 1)));
  // The bench runs on wall time here: the junction still warms up after the drive was set,
  // so the lane's BER moves while the test runs (more so on a loaded machine). The count must
  // lie within the Poisson band of the BER somewhere between just before and just after.
  const double before = bench.ber(lane) * static_cast<double>(kBits);
  auto counts = rig.gate_bits(kBits);
  REQUIRE(counts.size() == 2);
  const double after = bench.ber(lane) * static_cast<double>(kBits);
  const double lo = std::min(before, after), hi = std::max(before, after);
  const double errors = static_cast<double>(counts[0].errors);
  CHECK(errors >= lo - 6 * std::sqrt(lo) - 2);
  CHECK(errors <= hi + 6 * std::sqrt(hi) + 2);
  CHECK(counts[1].errors == kBits / 2);  // no light: loss of signal, every other bit wrong

  // DUT 1's drive off: the routed lane goes dark too; DUT 0's drive does not matter to it.
  require_ok(bench.set_drive(1, {}));
  counts = rig.gate_bits(kBits);
  CHECK(static_cast<double>(counts[0].errors) == Approx(kBits / 2.0).epsilon(0.01));

  // The twins' log holds the route and each gate, on bench time, in order.
  const auto log = rig.station.twin_log()->entries();
  std::vector<std::string> events;
  for (const auto& e : log) events.push_back(e.instrument + " " + e.event);
  const std::vector<std::string> expected{"sw OPEN ALL", fmt::format("sw ROUTE {}!1", lane + 1),
                                         "bert GATE ON 4000000 BITS", "bert GATE END", "bert GATE ON 4000000 BITS",
                                         "bert GATE END"};
  CHECK(events == expected);
  // The log read back as gates and as the routes during each.
  const auto gates = rig.station.twin_log()->gates("bert");
  REQUIRE(gates.size() == 2);
  for (const auto& g : gates) {
    CHECK(g.end_s - g.start_s == Approx(kBits / 2e9));
    CHECK(rig.station.twin_log()->routes_at("sw", g.start_s) == std::map<int, int>{{1, static_cast<int>(lane + 1)}});
  }
  CHECK(rig.station.twin_log()->routes_at("sw", 0.0).empty());
  // SIM:LOG? over SCPI: a block of "<time> <event>" lines.
  auto text = rig.run(rig.bert->session().query_block("SIM:LOG?"));
  require_ok(text);
  CHECK_THAT(*text, Catch::Contains(" GATE ON 4000000 BITS\n") && Catch::Contains(" GATE END\n"));
  CHECK_THAT(*text, !Catch::Contains("ROUTE"));
  require_ok(rig.run(rig.bert->session().write("SIM:LOG:CLE")));
  // A write is not answered: a query after it returns once the twin has executed it (the
  // twin runs on the station's own thread).
  require_ok(rig.run(rig.bert->session().query("*OPC?")));
  CHECK(rig.station.twin_log()->entries("bert").empty());
  CHECK(rig.station.twin_log()->entries("sw").size() == 2);
}

TEST_CASE("two BERTs on a 2-DUT bench each count errors at their own bit rate") {
  test::SimStation station{two_duts()};
  auto wiring = std::make_shared<sim::Wiring>();
  for (int ch = 1; ch <= 8; ++ch) {
    wiring->connect_lane("bert_a", ch, static_cast<std::size_t>(ch - 1));
    wiring->connect_lane("bert_b", ch, static_cast<std::size_t>(ch + 7));
  }
  station.use_wiring(wiring);
  asio::io_context io;
  std::vector<std::unique_ptr<instruments::Instrument>> owners;
  std::vector<Bert*> berts;
  for (const char* name : {"bert_a", "bert_b"}) {
    auto config = test::instrument_config(name, "bert", "ledlab-bert");
    owners.push_back(test::make_driver(io, config, station.serve_twin(config)));
    berts.push_back(dynamic_cast<Bert*>(owners.back().get()));
    REQUIRE(berts.back() != nullptr);
    require_ok(test::run(io, berts.back()->initialize()));
    CHECK(berts.back()->lane_count() == 8);
  }
  require_ok(station.bench()->set_drive({5e-3, 4e-3, 1e6, true}));
  // A at 2 Gb/s (BER ~1e-18 at this drive), B at 3 Gb/s (~1e-8), B set last.
  require_ok(test::run(io, berts[0]->set_bit_rate_hz(2e9)));
  require_ok(test::run(io, berts[1]->set_bit_rate_hz(3e9)));
  std::uint64_t errors_a = 0, errors_b = 0;
  double expected_b = 0;
  for (std::size_t k = 0; k < 2; ++k) {
    require_ok(test::run(io, berts[k]->set_gate_bits(3'000'000'000)));
    require_ok(test::run(io, berts[k]->start_gate()));
    require_ok(test::run(io, berts[k]->wait_gate()));
    auto counts = test::run(io, berts[k]->read_all());
    require_ok(counts);
    for (const auto& c : *counts) (k == 0 ? errors_a : errors_b) += c.errors;
  }
  for (std::size_t lane = 8; lane < 16; ++lane) expected_b += station.bench()->ber(lane) * 3e9;  // bench at B's 3 Gb/s
  REQUIRE(expected_b > 20);
  CHECK(std::abs(static_cast<double>(errors_b) - expected_b) <= 6 * std::sqrt(expected_b) + 2);
  CHECK(errors_a < 5);  // at its own 2 Gb/s, not at the 3 Gb/s B left the bench at
}

TEST_CASE("optical switch: a model that does not report its size needs inputs and outputs in the station file") {
  auto config = switch_config("polatis");
  config.address = "tcp://127.0.0.1:5025";
  auto made = instruments::DriverRegistry::instance().make(config, nullptr);
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error().describe(), Catch::Contains("sw: options.inputs"));
  CHECK_THAT(made.error().describe(), Catch::Contains("does not report its size"));
  config.options["inputs"] = 16;
  config.options["outputs"] = 16;
  CHECK(instruments::DriverRegistry::instance().make(config, nullptr));

  auto one_by_n = switch_config("n77xx");
  one_by_n.options["inputs"] = 2;
  one_by_n.options["outputs"] = 8;
  made = instruments::DriverRegistry::instance().make(one_by_n, nullptr);
  REQUIRE_FALSE(made);
  CHECK_THAT(made.error().describe(), Catch::Contains("has one input"));
}
