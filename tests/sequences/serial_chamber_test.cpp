// sequences/ber_vs_temperature.lua on sequences/stations/sim_serial_chamber.toml: the chamber
// an ESPEC on a serial line (its twin on a pseudo-terminal), the rest on loopback TCP.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "support/in_process_run.hpp"
#include "support/sim_run_request.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace ledlab;

namespace {

engine::RunRequest serial_chamber_run(const std::string& name, std::vector<engine::RunRequest::SimFault> faults) {
  const std::string db = std::string(LEDLAB_BINARY_DIR) + "/" + name + ".sqlite";
  // A short run: two temperatures, a short soak and a gate for a modest BER claim.
  auto req = test::sim_run_request("ber_vs_temperature.lua",
                                   {{"temps", "25,45"}, {"soak_s", "60"}, {"target_ber", "1e-9"},
                                    {"ber_limit", "1e-9"}, {"drift_interval_s", "30"}},
                                   3600, db, true);
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim_serial_chamber.toml");
  REQUIRE(station);
  station->time_scale = req.station.time_scale;
  req.station = std::move(*station);
  req.sim_faults = std::move(faults);
  req.dut_serial = "SIM-SERIAL";
  return req;
}

std::vector<std::string> event_messages(test::InProcessRun& ran) {
  std::vector<std::string> out;
  auto events = ran.reader->events(ran.run.id);
  REQUIRE(events);
  for (const auto& e : *events) out.push_back(e.message);
  return out;
}

bool has(const std::vector<std::string>& events, std::string_view text) {
  for (const auto& e : events)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

// How many chamber temperatures the run recorded (one per setpoint reached).
std::size_t chamber_temperatures(test::InProcessRun& ran) {
  auto series = ran.reader->series(ran.run.id);
  REQUIRE(series);
  std::size_t n = 0;
  for (const auto& s : *series) {
    if (s.spec.quantity != "chamber_temperature") continue;
    auto samples = ran.reader->samples(s.id);
    REQUIRE(samples);
    n += samples->size();
  }
  return n;
}

}  // namespace

TEST_CASE("a BER-vs-temperature run passes with the chamber an Espec on a serial line") {
  auto ran = test::run_in_process(serial_chamber_run("serial_chamber", {}));
  INFO(ran.out);
  CHECK(ran.code == 0);
  CHECK(chamber_temperatures(ran) == 2);
}

TEST_CASE("a serial chamber unplugged mid-run is reconnected, re-set and the run passes") {
  // Pulls the cable at the chamber's next line 200 simulated seconds in, on the way to 45 C
  // (SIM:FAULT:DROP on a serial twin closes its pty and plugs a new one in behind the same path).
  auto ran = test::run_in_process(serial_chamber_run("serial_chamber_drop", {{200, "chamber", "SIM:FAULT:DROP 0"}}));
  const auto events = event_messages(ran);
  std::string log;
  for (const auto& e : events) log += e + "\n";
  INFO(ran.out << log);
  CHECK(ran.code == 0);
  CHECK(has(events, "lost link: "));
  CHECK(has(events, "link to chamber restored"));
  CHECK(chamber_temperatures(ran) == 2);
}
