// Simulated runs on virtual (discrete-event) time: the clock jumps to the next deadline when
// every task waits, so a run is deterministic for its seed and independent of the machine's load,
// and faults can be scheduled at simulated moments instead of wall-clock sleeps.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "support/in_process_run.hpp"
#include "support/paths.hpp"
#include "support/sim_run_request.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>
#include <sstream>

using namespace ledlab;

namespace {

struct Recorded {
  int code = -1;
  std::string out;
  std::vector<std::pair<double, double>> samples;  // (t since the first sample, value) of one quantity
  std::vector<std::string> events;
  std::vector<double> trip_air_c;  // the air temperature each interlock trip's event records
  double suspended_from_s = -1, suspended_to_s = -1;  // of the first suspension, in the samples' time base
};

engine::RunRequest virtual_request(const std::string& name, const std::string& script_text) {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  return test::script_run_request(name, script_text, std::move(*station));
}

Recorded run_and_read(const engine::RunRequest& req, const std::string& quantity) {
  Recorded r;
  auto ran = test::run_in_process(req);
  r.code = ran.code;
  r.out = ran.out;
  auto& reader = ran.reader;
  auto series = reader->series(ran.run.id);
  REQUIRE(series);
  double t0 = 0;
  bool first = true;
  for (const auto& s : *series) {
    if (s.spec.quantity != quantity) continue;
    auto samples = reader->samples(s.id);
    REQUIRE(samples);
    for (const auto& x : *samples) {
      if (first) std::tie(t0, first) = std::tuple(x.t_s, false);
      r.samples.emplace_back(x.t_s - t0, x.value);
    }
  }
  auto events = reader->events(ran.run.id);
  REQUIRE(events);
  for (const auto& e : *events) {
    r.events.push_back(e.message);
    if (e.message.find("' tripped: ") != std::string::npos) {
      const auto data = nlohmann::json::parse(e.data_json);
      if (data.contains("air_c") && data["air_c"].is_number()) r.trip_air_c.push_back(data["air_c"].get<double>());
    }
    if (e.message.starts_with("suspended:") && r.suspended_from_s < 0) r.suspended_from_s = e.t_s.value_or(0) - t0;
    if (e.message.starts_with("running:") && r.suspended_from_s >= 0 && r.suspended_to_s < 0) r.suspended_to_s = e.t_s.value_or(0) - t0;
  }
  return r;
}

bool has(const Recorded& r, const std::string& text) {
  for (const auto& e : r.events)
    if (e.find(text) != std::string::npos) return true;
  return false;
}

std::string event_log(const Recorded& r) {
  std::string text;
  for (const auto& e : r.events) text += e + "\n";
  return text;
}

constexpr const char* kHourlyReadings = R"lua(
pg.set_drive(5e-3, 0)
pg.output(true)
chamber.set_setpoint(85)
wait_until(chamber.at_temperature, { poll = 30, timeout = 7200, what = "chamber at 85 C" })
for i = 1, 48 do
  local p = opm.read_all()
  record { quantity = "optical_power", unit = "W", values = p, conditions = { temperature_c = 85 } }
  record { quantity = "air_temperature", unit = "C", value = chamber.temperature() }
  sleep(3600)
end
)lua";

}  // namespace

TEST_CASE("a simulated run on virtual time is the same twice for the same seed") {
  auto a = run_and_read(virtual_request("vt_same_a", kHourlyReadings), "optical_power");
  auto b = run_and_read(virtual_request("vt_same_b", kHourlyReadings), "optical_power");
  INFO(a.out << b.out);
  REQUIRE(a.code == 0);
  REQUIRE(b.code == 0);
  REQUIRE(a.samples.size() == 48 * 400);
  REQUIRE(a.samples.size() == b.samples.size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.samples.size(); ++i)
    if (a.samples[i] != b.samples[i]) ++differ;
  CHECK(differ == 0);
  // Every reading on its hour, exactly: nothing drifts by the time a reading takes.
  std::set<double> times;
  for (const auto& s : a.samples) times.insert(s.first);
  REQUIRE(times.size() == 48);
  int hour = 0;
  for (double t : times) CHECK(t == Approx(3600.0 * hour++).margin(1e-6));
}

TEST_CASE("a chamber excursion scheduled on virtual time suspends the run, which resumes after the soak, with nothing read meanwhile") {
  auto req = virtual_request("vt_excursion", R"lua(
chamber.set_soak(60)
chamber.set_setpoint(60)
wait_until(chamber.at_temperature, { timeout = 7200, poll = 10, what = "chamber at 60 C" })
interlock { name = "band", kind = "chamber_band", instrument = "chamber", band_c = 2, soak_s = 120, poll_s = 5 }
log("at temperature")
for i = 1, 30 do
  record { quantity = "air_temperature", unit = "C", value = chamber.temperature() }
  sleep(300)
end
)lua");
  // An hour and a half in (the chamber settles within the first hour), the compressor cannot
  // get above 45 C for half an hour; then it recovers.
  req.sim_faults = {{5400, "chamber", "SIM:FAULT:SAT -80,45"}, {7200, "chamber", "SIM:FAULT:STUCK OFF"}};
  auto r = run_and_read(req, "air_temperature");
  INFO(r.out << event_log(r));
  REQUIRE(r.code == 0);
  CHECK(has(r, "simulated fault injected: SIM:FAULT:SAT -80,45"));
  CHECK(has(r, "interlock 'band' tripped"));
  // The trip records the air temperature it read, below the band's 58 C (the compressor is
  // held at 45 C), for the dashboard's chamber plot.
  REQUIRE(r.trip_air_c.size() == 1);
  CHECK(r.trip_air_c[0] < 58.0);
  CHECK(r.trip_air_c[0] >= 44.0);
  CHECK(has(r, "soaking 120 s"));
  CHECK(has(r, "running: interlock 'band' clear"));
  REQUIRE(r.samples.size() == 30);
  REQUIRE(r.suspended_from_s > 0);
  REQUIRE(r.suspended_to_s > r.suspended_from_s);
  for (const auto& [t, v] : r.samples) {
    INFO("reading at " << t << " s: " << v << " C");
    CHECK(std::abs(v - 60) < 3.0);  // nothing read during the excursion reached the store
    CHECK_FALSE((t > r.suspended_from_s && t < r.suspended_to_s));
  }
}

TEST_CASE("the environment log records the chamber's air, setpoint and DUT temperature throughout a run, excursions included") {
  constexpr const char* script = R"lua(
chamber.set_soak(60)
chamber.set_setpoint(60)
wait_until(chamber.at_temperature, { timeout = 7200, poll = 10, what = "chamber at 60 C" })
interlock { name = "band", kind = "chamber_band", instrument = "chamber", band_c = 2, soak_s = 120, poll_s = 5 }
for i = 1, 30 do sleep(300) end
)lua";
  auto req = virtual_request("vt_env_log", script);
  req.station.environment_log_s = 45;
  req.sim_faults = {{5400, "chamber", "SIM:FAULT:SAT -80,45"}, {7200, "chamber", "SIM:FAULT:STUCK OFF"}};
  auto air = run_and_read(req, "env_air_temperature");
  INFO(air.out << event_log(air));
  REQUIRE(air.code == 0);
  // The whole run, every 45 simulated seconds: the script's own 9000 s of sleeping and the
  // time the chamber took to settle.
  REQUIRE(air.samples.size() > 9000 / 45);
  for (std::size_t i = 1; i < air.samples.size(); ++i) {
    INFO("reading " << i << " at " << air.samples[i].first << " s");
    CHECK(air.samples[i].first - air.samples[i - 1].first == Approx(45).margin(1.0));
  }
  CHECK(air.samples.front().second == Approx(25).margin(1.0));  // the chamber starts at 25 C
  // The excursion the interlock suspended the run for is on the log, not only in its events.
  REQUIRE(air.suspended_from_s > 0);
  double coldest_in_excursion = 1e9;
  for (const auto& [t, v] : air.samples)
    if (t > air.suspended_from_s && t < air.suspended_to_s) coldest_in_excursion = std::min(coldest_in_excursion, v);
  CHECK(coldest_in_excursion < 50.0);
  CHECK(air.samples.back().second == Approx(60).margin(1.5));

  auto setpoint = run_and_read(virtual_request("vt_env_log_sp", script), "env_setpoint");
  REQUIRE(setpoint.code == 0);
  REQUIRE_FALSE(setpoint.samples.empty());
  CHECK(setpoint.samples.back().second == Approx(60));
  auto dut = run_and_read(virtual_request("vt_env_log_dut", script), "env_dut_temperature");
  REQUIRE(dut.code == 0);
  REQUIRE(dut.samples.size() > 9000 / 60);  // the station file's default: once a minute
  CHECK(dut.samples.back().second == Approx(60).margin(1.5));
}

TEST_CASE("a BERT gate on virtual time takes its bits over the bit rate, however high the time scale") {
  // The twin answers the gate's *OPC? a millisecond of wall time after its end (bert_twin.cpp);
  // on virtual time that must not become simulated time (3.6 s per gate at a scale of 3600,
  // hours for a batch gating 400 lanes in blocks of 4).
  auto req = virtual_request("vt_gate_length", R"lua(
bert.set_bit_rate(2e9)
for k = 1, 3 do
  local t0 = now()
  bert.gate_bits(2e9)
  record { quantity = "gate_took", unit = "s", value = now() - t0 }
end
)lua");
  REQUIRE(req.station.time_scale >= 1000);  // where a wall-time margin would show
  auto r = run_and_read(req, "gate_took");
  INFO(r.out);
  REQUIRE(r.code == 0);
  REQUIRE(r.samples.size() == 3);
  for (const auto& [t, took] : r.samples) CHECK(took == Approx(1.0).margin(1e-3));
}

TEST_CASE("400 lanes gated in blocks of 4 behind a switch on virtual time take the gates and the switch's settling, nothing more") {
  // Each block: a route (the twin settles in 0.01 s) and a 1 s gate. The switch twin once
  // answered *OPC? a millisecond of wall time late, which virtual time turned into 3.6 s of
  // simulated time per route at a time scale of 3600: 461 s instead of 101.
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim_switch.toml");
  REQUIRE(station);
  REQUIRE(station->time_scale >= 1000);
  auto req = test::script_run_request("vt_switch_blocks", R"lua(
bert.set_bit_rate(2e9)
local t0 = now()
local counts = bert.gate_bits(2e9)
record { quantity = "gates_took", unit = "s", value = now() - t0 }
record { quantity = "lanes_gated", unit = "1", value = #counts.bits }
)lua", std::move(*station));
  auto took = run_and_read(req, "gates_took");
  INFO(took.out);
  REQUIRE(took.code == 0);
  REQUIRE(took.samples.size() == 1);
  // 100 blocks: 100 s of gates, 100 routes of 0.01 s, a little for the reads.
  CHECK(took.samples.front().second >= 100.0);
  CHECK(took.samples.front().second < 102.0);
}

TEST_CASE("a station with the environment log off records no environment series") {
  auto req = virtual_request("vt_env_off", "chamber.set_setpoint(40)\nsleep(3600)\n");
  req.station.environment_log_s = 0;
  auto r = run_and_read(req, "env_air_temperature");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.samples.empty());
}

TEST_CASE("virtual time without the simulated twins is refused before a run is recorded") {
  auto req = virtual_request("vt_no_sim", "log('never')\n");
  req.simulate = false;
  std::ostringstream out;
  CHECK(engine::run_sequence(req, out) == 2);
  CHECK(out.str().find("virtual time needs the simulated twins") != std::string::npos);
}

TEST_CASE("a scheduled fault on an instrument the station does not have is refused by name") {
  auto req = virtual_request("vt_bad_fault", "log('never')\n");
  req.sim_faults = {{10, "nosuch", "SIM:FAULT:DROP"}};
  std::ostringstream out;
  CHECK(engine::run_sequence(req, out) == 2);
  CHECK(out.str().find("no instrument 'nosuch'") != std::string::npos);
}

TEST_CASE("a link lost while the run sets up its instruments is recovered and the run goes on") {
  auto req = virtual_request("vt_init_drop", "pg.set_drive(5e-3, 0)\nlog('driving')\n");
  // Armed before the engine's first command: the pattern generator drops the connection on it.
  req.sim_faults = {{0, "pg", "SIM:FAULT:DROP 0"}};
  auto r = run_and_read(req, "none");
  INFO(r.out << event_log(r));
  CHECK(r.code == 0);
  CHECK(has(r, "lost link: "));
  CHECK(has(r, "link to pg restored"));
  CHECK(has(r, "driving"));
}
