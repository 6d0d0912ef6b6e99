// Interlocks and lost links during a run, acted out on the twins while the run goes on:
// a chamber excursion suspends the run and it resumes after the soak; an over-temperature
// alarm aborts it to the safe state; an instrument that loses power is reconnected, its
// settings re-applied, and the run completes.
#include "db/reader.hpp"
#include "engine/run/control_endpoint.hpp"
#include "engine/run/run_snapshot.hpp"
#include "scpi/server/device.hpp"
#include "support/run_fixture.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <future>
#include <sstream>

using namespace ledlab;
using test::Twins;

namespace {

// Runs the request on its own thread so the test can act on the bench meanwhile.
struct RunInBackground {
  std::ostringstream out;
  std::future<int> rc;
  explicit RunInBackground(engine::RunRequest request)
      : rc(std::async(std::launch::async, [this, request] { return engine::run_sequence(request, out); })) {}
  int wait() {
    REQUIRE(rc.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
    return rc.get();
  }
};

// The run's events so far (the store commits each event before the engine goes on).
std::vector<db::EventRecord> events_of(const std::filesystem::path& db) {
  auto reader = db::Reader::open(db);
  if (!reader) return {};
  auto runs = reader->list_runs();
  if (!runs || runs->empty()) return {};
  auto events = reader->events(runs->front().id);
  return events ? *events : std::vector<db::EventRecord>{};
}

bool has_event(const std::filesystem::path& db, const std::string& text) {
  for (const auto& e : events_of(db))
    if (e.message.find(text) != std::string::npos) return true;
  return false;
}

// Waits (up to 20 s of wall time) until an event containing `text` is in the store.
bool wait_for_event(const std::filesystem::path& db, const std::string& text) {
  for (int i = 0; i < 400; ++i) {
    if (has_event(db, text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::vector<double> samples_of(const std::filesystem::path& db, const std::string& quantity) {
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  auto series = reader->series(runs->front().id);
  REQUIRE(series);
  std::vector<double> values;
  for (const auto& s : *series) {
    if (s.spec.quantity != quantity) continue;
    auto samples = reader->samples(s.id);
    REQUIRE(samples);
    for (const auto& x : *samples) values.push_back(x.value);
  }
  return values;
}

std::string event_log(const std::filesystem::path& db) {
  std::string text;
  for (const auto& e : events_of(db)) text += std::string(db::to_string(e.kind)) + " " + e.source + ": " + e.message + "\n";
  return text;
}

}  // namespace

// The chamber excursion is acted out on virtual time in test_virtual_time.cpp.

TEST_CASE("an over-temperature alarm aborts the run to the safe state") {
  Twins twins([](engine::StationConfig& s) {
    s.time_scale = 600;
    s.interlocks.push_back({.name = "overtemp", .kind = "over_temperature", .instrument = "chamber", .poll_s = 5,
                            .where = "test"});
  });
  auto req = test::request_for(twins, "overtemp.lua", R"lua(
chamber.set_setpoint(85)
pg.set_drive(8e-3, 4e-3)
pg.output(true)
log("heating")
for i = 1, 600 do sleep(60) end
)lua", "overtemp.sqlite");
  RunInBackground run(req);
  REQUIRE(wait_for_event(req.db, "heating"));
  twins.sim->bench()->trip_over_temperature_alarm();
  CHECK(run.wait() == 4);
  INFO(run.out.str() << event_log(req.db));
  CHECK(has_event(req.db, "interlock 'overtemp' tripped: chamber reports an over-temperature alarm"));
  CHECK_FALSE(twins.sim->bench()->drive().output_on);
  CHECK(twins.sim->bench()->chamber_setpoint_c() == 25);
}

namespace {

// The pattern generator loses power for 1.5 s (wall) mid-run and comes back at its defaults;
// over TCP or VXI-11 its connection drops, over USB it leaves the bus. Either way the run must
// carry on. On virtual time, with the outage scheduled at a simulated moment between two readings.
enum class PgLink { tcp, usb, vxi11 };
void pattern_generator_outage_is_recovered(PgLink link) {
  const bool pg_on_usb = link == PgLink::usb;
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  station->heartbeat_s = 5;
  if (pg_on_usb)
    for (auto& inst : station->instruments)
      if (inst.name == "pg" || inst.name == "opm")
        inst.address = inst.name == "pg" ? "usbtmc://0957:2807/PG0001" : "USB0::0x1313::0x8078::P0012345::INSTR";
  if (link == PgLink::vxi11)
    for (auto& inst : station->instruments)
      if (inst.name == "pg" || inst.name == "opm") inst.address = "TCPIP0::127.0.0.1::" + inst.name + "::INSTR";
  const std::string name = pg_on_usb ? "outage-usb" : link == PgLink::vxi11 ? "outage-vxi11" : "outage";
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
  const auto values = samples_of(req.db, "mean_power");
  REQUIRE(values.size() == 25);
  // The heartbeat notices within 5 simulated seconds, and the power cycle switched the drive
  // off: a reading taken before the settings were re-applied would be dark.
  int dark = 0;
  for (double v : values) dark += v < 0.5 * values.front() ? 1 : 0;
  CHECK(dark == 0);
  // Provenance names the address each instrument was reached at.
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  const auto runs = reader->list_runs({});
  REQUIRE(runs);
  REQUIRE_FALSE(runs->empty());
  const auto instruments = reader->instruments(runs->back().id);
  REQUIRE(instruments);
  for (const auto& inst : *instruments)
    if (inst.name == "pg") {
      CHECK((inst.resource.rfind("usbtmc://", 0) == 0) == pg_on_usb);
      CHECK((inst.resource.rfind("vxi11://", 0) == 0) == (link == PgLink::vxi11));
    }
}

}  // namespace

TEST_CASE("an instrument that loses power mid-run is reconnected, its settings re-applied, and the run completes") {
  pattern_generator_outage_is_recovered(PgLink::tcp);
}

TEST_CASE("the same run with the pattern generator and power meter on the simulated USB bus survives its outage") {
  pattern_generator_outage_is_recovered(PgLink::usb);
}

TEST_CASE("the same run with the pattern generator and power meter on VXI-11 survives its outage") {
  pattern_generator_outage_is_recovered(PgLink::vxi11);
}

TEST_CASE("the control endpoint publishes the run's live snapshot") {
  Twins twins([](engine::StationConfig& s) { s.time_scale = 600; });
  const std::string dir = test::in_build("snapshot-runs");
  setenv("LEDLAB_RUN_DIR", dir.c_str(), 1);
  auto req = test::request_for(twins, "snapshot.lua", R"lua(
pg.set_drive(5e-3, 4e-3)
progress(0.25, "quarter way")
local p = opm.read(3)
log("read")
for i = 1, 600 do sleep(60) end
)lua", "snapshot.sqlite");
  RunInBackground run(req);
  REQUIRE(wait_for_event(req.db, "read"));
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  const std::string uuid = reader->list_runs()->front().uuid;
  auto reply = engine::send_control(uuid, "snapshot");
  REQUIRE(reply);
  auto snap = engine::snapshot_from_json(nlohmann::json::parse(*reply));
  REQUIRE(snap);
  CHECK(snap->run_uuid == uuid);
  CHECK(snap->state == "running");
  CHECK(snap->step == "quarter way");
  CHECK(snap->progress == Approx(0.25));
  REQUIRE(snap->instruments.size() == 5);  // sim.toml: opm, chamber, bert, pg, smu
  bool saw_opm = false;
  for (const auto& i : snap->instruments) {
    if (i.name != "opm") continue;
    saw_opm = true;
    CHECK_THAT(i.idn, Catch::Contains(","));
    CHECK_THAT(i.last_reading, Catch::StartsWith("opm.read = "));
    CHECK(i.link == "connected");
  }
  CHECK(saw_opm);
  REQUIRE(engine::send_control(uuid, "abort"));
  CHECK(run.wait() == 4);
  unsetenv("LEDLAB_RUN_DIR");
}

TEST_CASE("recorded{} gives a script back what its run recorded, per reading and per lane") {
  Twins twins([](engine::StationConfig& s) { s.time_scale = 3600; });
  std::string out;
  const int rc = test::run_script(twins, "recorded.lua", R"lua(
for i = 1, 3 do
  record { quantity = "p", unit = "W", values = { i, 10 * i, 100 * i }, conditions = { step = "a" } }
  record { quantity = "t", unit = "C", value = 20 + i }
  sleep(60)
end
record { quantity = "p", unit = "W", values = { 7, 7, 7 }, conditions = { step = "b" } }
local a = recorded { quantity = "p", conditions = { step = "a" } }
assert(#a.t == 3 and a.t[1] < a.t[2], "three readings in time order")
assert(#a.values[2] == 3 and a.values[2][1] == 2 and a.values[2][3] == 200, "lane values of reading 2")
local t = recorded { quantity = "t" }
assert(#t.values == 3 and t.values[3] == 23, "a lane-less quantity gives numbers")
assert(#recorded { quantity = "nothing" }.t == 0, "nothing recorded: empty")
log("recorded ok")
)lua", out, "recorded.sqlite");
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("recorded ok"));
}

TEST_CASE("recorded{each=} streams every reading in time order and aggregates and max_points summarise them") {
  Twins twins([](engine::StationConfig& s) { s.time_scale = 36000; });
  std::string out;
  // 2500 readings: more than one window of the store's read-back and many batches of the helper.
  // The function does enough per reading that the whole stream, without the helper's yield to
  // the engine after each batch, would exceed the runaway guard's 10 million instructions.
  const int rc = test::run_script(twins, "recorded_stream.lua", R"lua(
local n = 2500
for i = 1, n do
  record { quantity = "p", unit = "W", values = { i, 2 * i, 3 * i }, conditions = { step = "a" } }
  if i % 10 == 0 then record { quantity = "q", unit = "1", value = i } end
  sleep(1)
end
local seen, last_t, in_order, work = 0, -math.huge, true, 0
local count = recorded { quantity = "p", conditions = { step = "a" }, each = function(t, v)
  seen = seen + 1
  in_order = in_order and t > last_t and #v == 3 and v[1] == seen and v[3] == 3 * seen
  last_t = t
  for j = 1, 1500 do work = work + j end
end }
assert(in_order, "every reading once, in time order")
assert(seen == n and count == n, ("%d readings streamed, %d counted"):format(seen, count))
local sum = 0
recorded { quantity = "q", each = function(t, v)
  sum = sum + v
  sleep(0)  -- the function may itself yield to the engine
end }
assert(sum == 10 * 250 * 251 / 2, "a lane-less quantity streams numbers: " .. sum)
assert(recorded { quantity = "p", aggregate = "count" } == n, "count")
local first, latest = recorded { quantity = "p", aggregate = "first" }, recorded { quantity = "p", aggregate = "latest" }
assert(first.values[2] == 2 and latest.values[3] == 3 * n and latest.t == last_t, "first and latest")
assert(recorded { quantity = "nothing", aggregate = "latest" } == nil, "nothing recorded: nil")
assert(recorded { quantity = "nothing", each = function() error("called") end } == 0, "nothing recorded: no call")
local d = recorded { quantity = "p", max_points = 10 }
-- At most 10 rows (a bucket a stalled machine left empty is left out), the first reading in
-- the first, the last in the last.
assert(#d.t >= 2 and #d.t <= 10 and d.min[1][1] == 1 and d.max[#d.t][1] == n, "decimated to 10 rows: " .. #d.t)
-- Buckets are of equal time; on a loaded machine readings are not evenly spread in time, so
-- only what holds whatever their spacing: each mean lies within its bucket, and they rise.
for k = 1, #d.t do
  assert(d.min[k][1] <= d.values[k][1] and d.values[k][1] <= d.max[k][1], "bucket mean within its bucket")
  assert(k == 1 or (d.t[k - 1] < d.t[k] and d.values[k - 1][1] < d.values[k][1]), "bucket means rise")
end
-- Errors name the script's line, not the helper's.
local function refused(query)
  local ok, e = pcall(function() local r = recorded(query) end)
  assert(not ok)
  return e
end
local e = refused { quantity = "p", aggregate = "median" }
assert(e:find("^recorded_stream.lua:%d+: .*aggregate= must be"), e)
e = refused { quantity = "p", each = 5 }
assert(e:find("^recorded_stream.lua:%d+: recorded{}: each= must be a function"), e)
e = refused { quantity = "p", max_points = 5, each = function() end }
assert(e:find("^recorded_stream.lua:%d+: .*without aggregate= or max_points="), e)
log("recorded stream ok")
)lua", out, "recorded_stream.sqlite");
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("recorded stream ok"));
}
