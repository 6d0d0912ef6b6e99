// Instruments on HiSLIP in a simulated station: the station serves their twins over HiSLIP and
// rewrites their addresses, a shipped sequence runs through HislipLink, and a twin that loses
// power mid-run is reconnected over HiSLIP, its settings re-applied and the call repeated.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/sim_station.hpp"
#include "io/hislip/hislip_link.hpp"
#include "scpi/session.hpp"
#include "support/co_run.hpp"
#include "support/sim_run_request.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

using namespace ledlab;

namespace {

void put_on_hislip(engine::StationConfig& station, std::initializer_list<std::pair<const char*, const char*>> moves) {
  for (auto& inst : station.instruments)
    for (const auto& [name, address] : moves)
      if (inst.name == name) inst.address = address;
}

std::string event_log(const std::filesystem::path& db) {
  std::string out;
  auto reader = db::Reader::open(db);
  if (!reader) return out;
  auto runs = reader->list_runs();
  if (!runs || runs->empty()) return out;
  if (auto events = reader->events(runs->front().id))
    for (const auto& e : *events) out += e.message + "\n";
  return out;
}

bool has_event(const std::filesystem::path& db, const std::string& text) {
  return event_log(db).find(text) != std::string::npos;
}

}  // namespace

TEST_CASE("a station entry with a HiSLIP address is served over HiSLIP and its address rewritten to the real port") {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  put_on_hislip(*station, {{"opm", "TCPIP0::127.0.0.1::hislip0::INSTR"}, {"pg", "hislip://127.0.0.1/hislip1"}});
  boost::asio::io_context io;
  auto sim = engine::SimulatedStation::start(io, *station, std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  REQUIRE(sim);
  const auto* opm = (*sim)->config().find("opm");
  REQUIRE(opm);
  auto address = io::parse_address(opm->address);
  REQUIRE(address);
  CHECK(address->kind == io::Address::Kind::hislip);
  CHECK(address->sub_address == "hislip0");
  CHECK(address->port != 4880);
  CHECK((*sim)->device("opm"));
  auto link = io::make_link(*address, io.get_executor());
  REQUIRE(link);
  scpi::Session s("opm", std::move(*link));
  auto idn = test::run(io, s.query("*IDN?"));
  REQUIRE(idn);
  CHECK(idn->find(',') != std::string::npos);
  // Both twins share the one server; the pattern generator is hislip1 there, and "pg" too.
  auto by_name = io::parse_address(fmt::format("hislip://127.0.0.1:{}/pg", address->port));
  REQUIRE(by_name);
  scpi::Session pg("pg", std::move(*io::make_link(*by_name, io.get_executor())));
  CHECK(test::run(io, pg.query("*IDN?")));
  (*sim)->stop();
}

TEST_CASE("two HiSLIP entries with one sub-address on one server are refused, naming both") {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  put_on_hislip(*station, {{"opm", "TCPIP0::127.0.0.1::hislip0::INSTR"}, {"pg", "hislip://127.0.0.1/hislip0"}});
  boost::asio::io_context io;
  auto sim = engine::SimulatedStation::start(io, *station, std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  REQUIRE_FALSE(sim);
  CHECK(sim.error().message.find("pg and opm are both hislip0 on one HiSLIP server") != std::string::npos);
}

TEST_CASE("ledlab sim's HiSLIP side serves every twin as hislipN in station order and under its name") {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  boost::asio::io_context io;
  auto sim = engine::SimulatedStation::start(io, *station, std::make_shared<Clock>(1.0),
                                             engine::SimulatedStation::Ports::any_free);
  REQUIRE(sim);
  auto served = (*sim)->serve_all_over_hislip(0);
  REQUIRE(served);
  REQUIRE(served->size() == station->instruments.size());
  for (std::size_t n = 0; n < served->size(); ++n) {
    CHECK((*served)[n].first == station->instruments[n].name);
    CHECK_THAT((*served)[n].second, Catch::StartsWith(fmt::format("TCPIP0::127.0.0.1::hislip{},", n)));
  }
  auto address = io::parse_address(served->back().second);
  REQUIRE(address);
  scpi::Session s("last", std::move(*io::make_link(*address, io.get_executor())));
  auto idn = test::run(io, s.query("*IDN?"));
  REQUIRE(idn);
  (*sim)->stop();
}

TEST_CASE("power_vs_temperature runs with the chamber, power meter and pattern generator on HiSLIP") {
  const std::string db = test::in_build("hislip_power_vs_temperature.sqlite");
  auto req = test::sim_run_request("power_vs_temperature.lua", {{"temps", "25,55"}}, 3600, db, true);
  put_on_hislip(req.station, {{"chamber", "TCPIP0::127.0.0.1::hislip0::INSTR"},
                              {"opm", "TCPIP0::127.0.0.1::hislip1::INSTR"},
                              {"pg", "hislip://127.0.0.1/hislip2"}});
  std::ostringstream out;
  const int rc = engine::run_sequence(req, out);
  INFO(out.str() << event_log(db));
  CHECK(rc == 0);
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  const auto runs = reader->list_runs({});
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  const auto instruments = reader->instruments(runs->front().id);
  REQUIRE(instruments);
  int on_hislip = 0;
  for (const auto& inst : *instruments) on_hislip += inst.resource.find("::hislip") != std::string::npos ? 1 : 0;
  CHECK(on_hislip == 3);
  auto results = reader->results(runs->front().id);
  REQUIRE(results);
  CHECK_FALSE(results->empty());
}

TEST_CASE(
    "a pattern generator on HiSLIP that loses power mid-run is reconnected, its settings re-applied, the run "
    "completes") {
  const std::string name = "hislip-outage";
  const std::string script = test::in_build(name + ".lua");
  std::ofstream(script) << R"lua(
pg.set_drive(6e-3, 4e-3)
pg.output(true)
log("driving")
for i = 1, 25 do
  local p = opm.read_all()
  local sum = 0
  for _, v in ipairs(p) do sum = sum + v end
  record { quantity = "mean_power", unit = "W", value = sum / #p }
  sleep(60)
end
)lua";
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  station->heartbeat_s = 5;
  put_on_hislip(*station, {{"pg", "TCPIP0::127.0.0.1::hislip0::INSTR"}, {"opm", "TCPIP0::127.0.0.1::hislip1::INSTR"}});
  engine::RunRequest req;
  req.script = script;
  req.station = std::move(*station);
  req.simulate = true;
  req.virtual_time = true;
  req.sim_faults = {{330, "pg", "SIM:FAULT:OUTAGE 1.5"}};
  req.db = test::in_build(name + ".sqlite");
  test::remove_db(req.db.string());
  std::ostringstream out;
  const int rc = engine::run_sequence(req, out);
  INFO(out.str() << event_log(req.db));
  CHECK(rc == 0);
  CHECK(has_event(req.db, "suspended: lost link to pg"));
  CHECK(has_event(req.db, "settings re-applied"));
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  const auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE_FALSE(runs->empty());
  auto series = reader->series(runs->front().id);
  REQUIRE(series);
  std::vector<double> values;
  for (const auto& s : *series) {
    if (s.spec.quantity != "mean_power") continue;
    auto samples = reader->samples(s.id);
    REQUIRE(samples);
    for (const auto& x : *samples) values.push_back(x.value);
  }
  REQUIRE(values.size() == 25);
  int dark = 0;
  for (double v : values) dark += v < 0.5 * values.front() ? 1 : 0;
  CHECK(dark == 0);  // no reading taken before the drive settings were re-applied
}
