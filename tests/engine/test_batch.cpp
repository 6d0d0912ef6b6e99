// Batches: several DUT sockets of one station running one sequence together, each as its own
// run (`ledlab run SEQ --dut A=SN1 --dut B=SN2`), on the simulated bench on virtual time.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"
#include "instruments/sim/twin_log.hpp"
#include "support/paths.hpp"
#include "support/sim_run_request.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

using namespace ledlab;

namespace {

engine::RunRequest batch_request(const std::string& name, const std::string& script, std::vector<std::string> sockets) {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  auto req = test::script_run_request(name, script, std::move(*station));
  for (const auto& s : sockets) req.duts.push_back({s, "SN-" + s});
  return req;
}

struct Batch {
  int code = -1;
  std::string out;
  std::vector<db::RunRecord> runs;                  // in socket order
  std::map<std::string, std::vector<std::string>> events;  // socket -> messages
  std::map<std::string, std::vector<std::pair<std::string, double>>> values;  // socket -> (quantity, value)
  std::optional<db::BatchRecord> record;
};

Batch run_batch(const engine::RunRequest& req) {
  Batch b;
  std::ostringstream out;
  b.code = engine::run_sequence(req, out);
  b.out = out.str();
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  if (runs->empty() || !runs->front().batch_id) return b;
  auto record = reader->batch(*runs->front().batch_id);
  REQUIRE(record);
  b.record = *record;
  auto of_batch = reader->batch_runs(record->id);
  REQUIRE(of_batch);
  b.runs = *of_batch;
  for (const auto& run : b.runs) {
    auto events = reader->events(run.id);
    REQUIRE(events);
    for (const auto& e : *events) b.events[run.socket].push_back(e.message);
    auto series = reader->series(run.id);
    REQUIRE(series);
    for (const auto& s : *series) {
      auto samples = reader->samples(s.id);
      REQUIRE(samples);
      for (const auto& x : *samples) b.values[run.socket].emplace_back(s.spec.quantity, x.value);
    }
  }
  return b;
}

std::size_t count_containing(const std::vector<std::string>& lines, const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(lines.begin(), lines.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; }));
}

}  // namespace

TEST_CASE("a batch where one DUT fails finishes the others, each in its own run of one batch record") {
  // B fails between two setpoints: the second setpoint must not wait for it.
  const auto req = batch_request("batch_one_fails", R"lua(
chamber.set_setpoint(30)
record { quantity = "step", value = 1 }
if batch.socket == "B" then error("DUT B broke") end
sleep(60)
chamber.set_setpoint(40)
record { quantity = "step", value = 2 }
record { quantity = "power", values = opm.read_all() }
)lua", {"A", "B", "C"});
  const auto b = run_batch(req);
  INFO(b.out);
  CHECK(b.code == 1);  // the worst of the batch: one run failed
  REQUIRE(b.record);
  CHECK(b.record->ended_s.has_value());
  REQUIRE(b.runs.size() == 3);
  std::map<std::string, db::RunStatus> status;
  for (const auto& r : b.runs) {
    status[r.socket] = r.status;
    CHECK(r.dut_serial == "SN-" + r.socket);
    CHECK(r.batch_id == b.record->id);
  }
  CHECK(status["A"] == db::RunStatus::finished);
  CHECK(status["B"] == db::RunStatus::failed);
  CHECK(status["C"] == db::RunStatus::finished);
  for (const std::string socket : {"A", "C"}) {
    const auto& v = b.values.at(socket);
    CHECK(std::count_if(v.begin(), v.end(), [](const auto& q) { return q.first == "step"; }) == 2);
    CHECK(std::count_if(v.begin(), v.end(), [](const auto& q) { return q.first == "power"; }) == 400);
  }
  CHECK(count_containing(b.events.at("B"), "DUT B broke") >= 1);
  CHECK_THAT(b.out, Catch::Contains("[B] failed: "));
}

TEST_CASE("batch.once runs its function in one socket and hands every socket its result") {
  const auto req = batch_request("batch_once", R"lua(
for i = 1, 3 do
  local v = batch.once("pick", function()
    log("picked for the batch by " .. batch.socket)
    sleep(5)
    return { value = 10 * i }
  end)
  record { quantity = "picked", value = v.value }
end
)lua", {"A", "B"});
  const auto b = run_batch(req);
  INFO(b.out);
  CHECK(b.code == 0);
  std::size_t picks = 0;
  for (const auto& [socket, events] : b.events) picks += count_containing(events, "picked for the batch by");
  CHECK(picks == 3);  // once per turn for the batch, not once per socket
  for (const std::string socket : {"A", "B"}) {
    std::vector<double> got;
    for (const auto& [q, v] : b.values.at(socket))
      if (q == "picked") got.push_back(v);
    CHECK(got == std::vector<double>{10, 20, 30});
  }
}

TEST_CASE("two sockets asking a shared chamber for different setpoints both fail, the error naming both") {
  const auto req = batch_request("batch_setpoint_mismatch", R"lua(
chamber.set_setpoint(batch.socket == "A" and 25 or 85)
)lua", {"A", "B"});
  const auto b = run_batch(req);
  INFO(b.out);
  CHECK(b.code == 1);
  REQUIRE(b.runs.size() == 2);
  for (const auto& r : b.runs) CHECK(r.status == db::RunStatus::failed);
  CHECK_THAT(b.out, Catch::Contains("chamber.set_setpoint: socket A asked for [25") &&
                        Catch::Contains("socket B for [85"));
}

TEST_CASE("serial sections on a shared instrument never overlap between sockets") {
  // Each socket holds the BERT for 30 s of simulated time, three times; the sections'
  // start and end times (on the batch's one clock) must never interleave.
  const auto req = batch_request("batch_serial", R"lua(
for i = 1, 3 do
  serial({"bert"}, function()
    record { quantity = "section_start", value = i }
    local t0 = chamber.temperature() -- an instrument call inside the section
    sleep(30)
    record { quantity = "section_end", value = t0 }
  end)
  sleep(1)
end
)lua", {"A", "B", "C"});
  const auto b = run_batch(req);
  INFO(b.out);
  CHECK(b.code == 0);
  // The sample times: read them back per socket.
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  std::vector<std::pair<double, double>> sections;  // (start, end) over all sockets
  for (const auto& run : b.runs) {
    std::vector<double> starts, ends;
    auto series = reader->series(run.id);
    REQUIRE(series);
    for (const auto& s : *series) {
      auto samples = reader->samples(s.id);
      REQUIRE(samples);
      if (s.spec.quantity != "section_start" && s.spec.quantity != "section_end") continue;  // the chamber's log
      for (const auto& x : *samples) (s.spec.quantity == "section_start" ? starts : ends).push_back(x.t_s);
    }
    REQUIRE(starts.size() == 3);
    REQUIRE(ends.size() == 3);
    std::sort(starts.begin(), starts.end());
    std::sort(ends.begin(), ends.end());
    for (std::size_t i = 0; i < 3; ++i) sections.emplace_back(starts[i], ends[i]);
  }
  std::sort(sections.begin(), sections.end());
  for (std::size_t i = 1; i < sections.size(); ++i) {
    INFO("section " << i << " starts at " << sections[i].first << ", the one before ends at " << sections[i - 1].second);
    CHECK(sections[i].first >= sections[i - 1].second);
  }
}

TEST_CASE("a --dut socket the station does not have is refused before any run starts") {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  auto req = test::script_run_request("batch_bad_socket", "sleep(1)\n", std::move(*station));
  req.duts.push_back({"A", "SN1"});
  req.duts.push_back({"A", "SN2"});
  std::ostringstream out;
  CHECK(engine::run_sequence(req, out) == 2);
  CHECK_THAT(out.str(), Catch::Contains("socket A is named twice"));
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  CHECK(runs->empty());
}

namespace {

engine::RunRequest station_batch(const std::string& name, const std::string& station_file, const std::string& script,
                                 std::vector<std::string> sockets) {
  auto station = engine::load_station(std::string(LEDLAB_SOURCE_DIR) + "/sequences/stations/" + station_file);
  REQUIRE(station);
  auto req = test::script_run_request(name, script, std::move(*station));
  for (const auto& s : sockets) req.duts.push_back({s, "SN-" + s});
  return req;
}

}  // namespace

TEST_CASE("a BERT shared behind a switch serves one socket's block at a time, as its twin's log shows") {
  auto req = station_batch("batch_shared_bert", "sim_4dut_shared.toml", R"lua(
bert.set_bit_rate(2e9)
pg.set_drive(5e-3, 4e-3)
pg.output(true)
for i = 1, 2 do
  local c = bert.gate_bits(2e8)
  record { quantity = "errors", values = c.errors }
end
)lua", {"A", "B"});
  std::vector<sim::TwinLog::Gate> gates;
  std::vector<std::map<int, int>> routes;  // at each gate's start
  std::vector<sim::TwinLogEntry> switch_log;
  req.twin_log_reader = [&](const sim::TwinLog& log) {
    gates = log.gates("bert");
    for (const auto& g : gates) routes.push_back(log.routes_at("sw", g.start_s));
    switch_log = log.entries("sw");
  };
  const auto b = run_batch(req);
  INFO(b.out);
  REQUIRE(b.code == 0);
  REQUIRE(b.runs.size() == 2);
  // 400 lanes on 4 channels: 100 blocks per gate_bits, twice, for each socket.
  REQUIRE(gates.size() == 400);
  int switches_between_sockets = 0;
  char previous = 0;
  for (std::size_t i = 0; i < gates.size(); ++i) {
    INFO("gate " << i << " from " << gates[i].start_s << " s to " << gates[i].end_s << " s");
    if (i > 0) CHECK(gates[i].start_s >= gates[i - 1].end_s);  // never two gates at once
    // Every output routes one socket's lanes: A's enter at inputs 1-400, B's at 401-800.
    REQUIRE(routes[i].size() == 4);
    std::set<char> sockets;
    for (const auto& [output, input] : routes[i]) sockets.insert(input <= 400 ? 'A' : 'B');
    CHECK(sockets.size() == 1);
    if (previous != 0 && *sockets.begin() != previous) ++switches_between_sockets;
    previous = *sockets.begin();
    // Nobody re-routes the switch while the gate runs.
    for (const auto& e : switch_log)
      if (e.time_s > gates[i].start_s && e.time_s < gates[i].end_s) CHECK_FALSE(e.event.starts_with("ROUTE"));
  }
  CHECK(switches_between_sockets >= 1);  // the sockets did take turns on the one BERT
}

TEST_CASE("a socket whose run ends leaves its own instruments safe and the shared chamber to the others") {
  const auto req = station_batch("batch_socket_safety", "sim_4dut.toml", R"lua(
pg.set_drive(5e-3, 4e-3)
pg.output(true)
chamber.set_setpoint(30)
if batch.socket == "B" then error("DUT B broke") end
sleep(600)
record { quantity = "still_driven", value = 1 }
)lua", {"A", "B"});
  const auto b = run_batch(req);
  INFO(b.out);
  CHECK(b.code == 1);
  REQUIRE(b.runs.size() == 2);
  const auto& b_events = b.events.at("B");
  CHECK(count_containing(b_events, "safe state: the socket's run has ended") >= 2);  // its pattern generator and SMU
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  auto events = reader->events(b.runs[1].id);
  REQUIRE(events);
  std::set<std::string> made_safe_for_b;
  for (const auto& e : *events)
    if (e.message.starts_with("safe state: the socket's run has ended")) made_safe_for_b.insert(e.source);
  CHECK(made_safe_for_b.contains("pg_b"));
  CHECK_FALSE(made_safe_for_b.contains("chamber"));  // A still uses it
  CHECK_FALSE(made_safe_for_b.contains("pg_a"));
  CHECK(b.runs[0].status == db::RunStatus::finished);
}
