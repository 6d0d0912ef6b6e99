// SIGKILL of `ledlab run` mid-run, then `ledlab resume`: the same run record completes from
// its last checkpoint with every sample exactly once (none lost, none duplicated), and what
// the killed process recorded after its checkpoint is kept aside, not mixed in.
#include "db/reader.hpp"
#include "support/checkpointed_steps.hpp"
#include "support/cli_process.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <fstream>
#include <map>

using namespace ledlab;
using namespace ledlab::test;

namespace {


// Waits (bounded) until the store holds `count` samples of `quantity`: the writer commits in
// batches, the kill must come after the batch.
void wait_until_committed(const std::string& db, const std::string& quantity, std::int64_t count) {
  std::int64_t have = 0;
  for (int i = 0; i < 400 && have < count; ++i, usleep(25000)) {
    auto reader = db::Reader::open(db);
    if (!reader) continue;
    auto runs = reader->list_runs();
    if (!runs || runs->empty()) continue;
    auto series = reader->series(runs->front().id);
    if (!series) continue;
    have = 0;
    for (const auto& s : *series)
      if (s.spec.quantity == quantity) have += s.sample_count;
  }
  REQUIRE(have == count);
}

// Two temperatures from a list whose default the script writes as integers. The first run
// waits after recording them (at any time scale) until it is killed; the resumed one records
// them again from its checkpoint and ends.
constexpr const char* kIntegerTemperatures = R"lua(
local p = params { temps = { type = "list", default = { 25, 85 }, unit = "C" } }
local resumed = resume_point() ~= nil
checkpoint("start", {})
pg.set_drive(5e-3, 4e-3)
pg.output(true)
for _, t in ipairs(p.temps) do
  record { quantity = "optical_power", unit = "W", values = opm.read_all(), conditions = { temperature_c = t } }
  log("recorded " .. math.type(t) .. " " .. tostring(t))
end
while not resumed do sleep(3600) end
)lua";

}  // namespace

TEST_CASE("a resumed run gets its integer parameters back as integers and records into the same series") {
  const std::string db = in_build("resume-integers.sqlite");
  HeadlessRun run(run_args(write_script("resume_integers.lua", kIntegerTemperatures), db), in_build("resume-integers.log"));
  REQUIRE(run.wait_for("recorded integer 85"));
  kill(run.pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(run.pid, &status, 0) == run.pid);
  const std::string uuid = run.text().substr(4, 36);  // "run <uuid> started: ..."

  auto resumed = run_ledlab("resume " + uuid + " --db " + db);
  INFO(run.text() << "\n--- resume ---\n" << resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("recorded integer 25") && Catch::Contains("recorded integer 85"));

  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto series = reader->series(reader->find_run(uuid).value().id);
  REQUIRE(series);
  // One series per lane and temperature, as the first process declared them; each holds the
  // resumed run's one reading (the killed run's readings were recorded after the checkpoint).
  std::map<std::string, int> per_conditions;
  for (const auto& s : *series) {
    if (s.spec.quantity != "optical_power") continue;  // the engine's environment log has its own
    ++per_conditions[s.spec.conditions_json];
    CHECK(s.sample_count == 1);
  }
  CHECK(per_conditions == std::map<std::string, int>{{R"({"temperature_c":25})", 400}, {R"({"temperature_c":85})", 400}});
}

TEST_CASE("ledlab resume completes a SIGKILLed run from its last checkpoint with no sample lost or duplicated") {
  const std::string db = in_build("resume.sqlite");
  // On virtual time step 4 records its lanes at 3 h, then sleeps an hour. 100 s after its
  // readings the power meter loses power for a minute of wall time: the heartbeat finds the
  // lost link and the run waits, simulated time standing still, until the meter is back. The
  // kill lands in that wait, whatever the machine's load: after step 4's readings, before its
  // checkpoint.
  HeadlessRun run(run_args(write_script("resume_steps.lua", test::kCheckpointedSteps), db) +
                      " --virtual-time --sim-fault '10900 opm SIM:FAULT:OUTAGE 60'",
                  in_build("resume-run.log"));
  REQUIRE(run.wait_for("lost link to opm", 120));
  REQUIRE(run.text().find("step 3 done") != std::string::npos);
  REQUIRE(run.text().find("step 4 done") == std::string::npos);
  wait_until_committed(db, "optical_power", 4 * 400);
  kill(run.pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(run.pid, &status, 0) == run.pid);
  REQUIRE(WIFSIGNALED(status));
  const std::string uuid = run.text().substr(4, 36);  // "run <uuid> started: ..."

  auto resumed = run_ledlab("resume " + uuid.substr(0, 8) + " --db " + db);
  INFO(run.text() << "\n--- resume ---\n" << resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("resumed after interrupted from checkpoint 'step'"));
  CHECK_THAT(resumed.out, Catch::Contains("finished"));

  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);  // the same run record, not a new one
  CHECK(runs->front().uuid == uuid);
  CHECK(runs->front().status == db::RunStatus::finished);

  // Every lane of every step exactly once; every step's marker exactly once.
  auto series = reader->series(runs->front().id);
  REQUIRE(series);
  std::map<int, std::int64_t> lanes_per_step, done_per_step;
  for (const auto& s : *series) {
    if (s.spec.quantity.starts_with("env_")) continue;  // the engine's environment log
    const int step = nlohmann::json::parse(s.spec.conditions_json).at("step").get<int>();
    if (s.spec.quantity == "optical_power") {
      CHECK(s.sample_count == 1);
      lanes_per_step[step] += s.sample_count;
    } else if (s.spec.quantity == "step_done") {
      done_per_step[step] += s.sample_count;
    }
  }
  for (int step = 1; step <= 8; ++step) {
    INFO("step " << step);
    CHECK(lanes_per_step[step] == 400);
    CHECK(done_per_step[step] == 1);
  }
  auto results = reader->results(runs->front().id);
  REQUIRE(results);
  CHECK(results->size() == 8);

  // The killed process's partial step is kept aside, with nothing before the checkpoint in it.
  auto& conn = reader->connection();
  auto aside = conn.query_int(
      "SELECT count(*) FROM superseded_samples JOIN series USING (series_id) WHERE quantity NOT LIKE 'env\\_%' ESCAPE '\\'");
  REQUIRE(aside);
  CHECK(*aside == 400);  // step 4's read_all, recorded by the killed process, redone by the resumed one
  auto shown = run_ledlab("show " + uuid + " --db " + db);
  CHECK_THAT(shown.out, Catch::Contains(" samples, 0 results (recorded after the last checkpoint, set aside on resume"));
  auto events = reader->events(runs->front().id);
  REQUIRE(events);
  bool resumed_event = false;
  for (const auto& e : *events) resumed_event = resumed_event || e.message.starts_with("resumed after interrupted");
  CHECK(resumed_event);
}

TEST_CASE("ledlab resume refuses a run that is not interrupted, naming its state") {
  const std::string db = in_build("resume-finished.sqlite");
  auto done = run_ledlab(run_args(write_script("resume_short.lua", "log('short')\n"), db));
  REQUIRE(done.code == 0);
  const std::string uuid = done.out.substr(4, 36);
  auto again = run_ledlab("resume " + uuid + " --db " + db);
  CHECK(again.code == 2);
  CHECK_THAT(again.out, Catch::Contains("is finished, only an interrupted run can resume"));
}

// A simulated burn-in killed and resumed goes on with the same array: its power keeps decaying
// from where it was, instead of a fresh array starting over after the resume.
constexpr const char* kAgeingSteps = R"lua(
local first = 1
local from = resume_point()
if from then first = from.state.next end
pg.set_drive(5e-3, 0)
pg.output(true)
chamber.set_setpoint(85)
wait_until(chamber.at_temperature, { poll = 60, timeout = 7200, what = "chamber at 85 C" })
sleep(2 * 3600)  -- the DUT follows the air more slowly: read it settled, after a resume too
for i = first, 6 do
  local sum, n = 0, 0
  for _, v in ipairs(opm.read_all()) do
    if v > 1e-6 then sum, n = sum + v, n + 1 end
  end
  record { quantity = "mean_power", unit = "W", value = sum / n, conditions = { step = i } }
  sleep(100 * 3600)
  checkpoint("step", { next = i + 1 })
  log(("step %d done"):format(i))
end
)lua";

TEST_CASE("a resumed simulated burn-in continues the same array's ageing instead of a fresh one") {
  const std::string db = in_build("resume-ageing.sqlite");
  // The simulated station with its heartbeat and interlock polls every 10 simulated minutes
  // rather than 30 s: 600 simulated hours of 30 s polls are 200,000 exchanges.
  std::ifstream in(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  std::string station((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at; (at = station.find("poll_s = 30")) != std::string::npos;) station.replace(at, 11, "poll_s = 600");
  station.replace(station.find("[station]\n"), 10, "[station]\nheartbeat_s = 600\n");
  const std::string station_file = write_script("resume_ageing_station.toml", station);
  // Step 4 reads at about 300 h and sleeps 100 h; 50 h into that sleep the meter loses power,
  // and the kill lands while the run waits for it.
  remove_db(db);
  HeadlessRun run("run " + write_script("resume_ageing.lua", kAgeingSteps) + " --station " + station_file + " --sim --db " +
                      db + " --virtual-time --sim-fault '1260000 opm SIM:FAULT:OUTAGE 60'",
                  in_build("resume-ageing.log"));
  REQUIRE(run.wait_for("lost link to opm", 120));
  REQUIRE(run.text().find("step 3 done") != std::string::npos);
  wait_until_committed(db, "mean_power", 4);
  kill(run.pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(run.pid, &status, 0) == run.pid);
  const std::string uuid = run.text().substr(4, 36);

  auto resumed = run_ledlab("resume " + uuid.substr(0, 8) + " --db " + db);
  INFO(run.text() << "\n--- resume ---\n" << resumed.out);
  REQUIRE(resumed.code == 0);
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  const auto id = reader->find_run(uuid).value().id;
  auto events = reader->events(id);
  REQUIRE(events);
  bool continued = false;
  for (const auto& e : *events) continued = continued || e.message.starts_with("the simulated array continues from checkpoint 'step'");
  CHECK(continued);
  auto series = reader->series(id);
  REQUIRE(series);
  std::map<int, double> mean_at_step;
  for (const auto& s : *series) {
    if (s.spec.quantity != "mean_power") continue;
    auto samples = reader->samples(s.id);
    REQUIRE(samples);
    REQUIRE(samples->size() == 1);
    mean_at_step[nlohmann::json::parse(s.spec.conditions_json).at("step").get<int>()] = samples->front().value;
  }
  REQUIRE(mean_at_step.size() == 6);
  for (int step = 2; step <= 6; ++step) {
    INFO("step " << step << ": " << mean_at_step[step] << " W after " << mean_at_step[step - 1] << " W");
    CHECK(mean_at_step[step] < mean_at_step[step - 1]);  // 100 h at 85 C: about 0.15 % less light each step
  }
}
