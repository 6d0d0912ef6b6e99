// sequences/burn_in.lua killed and resumed: the resumed run rebuilds its analysis by streaming
// back what the killed one stored (recorded{..., each=}), keeps no reading in the script, and
// reports what analyse_burn_in gives on every stored reading.
#include "db/reader.hpp"
#include "support/burn_in_check.hpp"
#include "support/cli_process.hpp"

#include <csignal>
#include <fstream>
#include <iterator>

using namespace ledlab;
using namespace ledlab::test;

namespace {
constexpr const char* kLaneFault = " --sim-fault '108000 opm SIM:FAULT:LANE 200,0.5'";
}  // namespace

TEST_CASE("a killed and resumed burn-in rebuilds its analysis from the store and reports what the whole table gives") {
  const std::string db = in_build("burn-in-resume.sqlite");
  // The simulated station with its heartbeat and interlock polls every 10 simulated minutes.
  std::ifstream in(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  std::string station((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at; (at = station.find("poll_s = 30")) != std::string::npos;) station.replace(at, 11, "poll_s = 600");
  station.replace(station.find("[station]\n"), 10, "[station]\nheartbeat_s = 600\n");
  const std::string station_file = write_script("burn_in_resume_station.toml", station);
  // 20 simulated hours after the start the meter loses power and the run waits for it, the
  // clock standing still: the kill lands there. Lane 200 loses half its light at 30 h, in the
  // resumed process (the resume is given the schedule of faults again), after the array average
  // has counted it: a second pass.
  remove_db(db);
  HeadlessRun run("run " LEDLAB_SOURCE_DIR "/sequences/burn_in.lua --station " + station_file + " --sim --db " + db +
                      " --virtual-time -p duration_h=40 -p interval_h=0.25 --sim-fault '72000 opm SIM:FAULT:OUTAGE 60'" +
                      kLaneFault,
                  in_build("burn-in-resume.log"));
  REQUIRE(run.wait_for("lost link to opm", 120));
  kill(run.pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(run.pid, &status, 0) == run.pid);
  const std::string uuid = run.text().substr(4, 36);

  auto resumed = run_ledlab("resume " + uuid.substr(0, 8) + " --db " + db + " --sim" + kLaneFault);
  INFO(run.text() << "\n--- resume ---\n" << resumed.out);
  REQUIRE(resumed.code == 0);
  CHECK_THAT(resumed.out, Catch::Contains("resumed with "));
  CHECK_THAT(resumed.out, Catch::Contains("lane 200 failed catastrophically (sudden drop) at"));
  CHECK_THAT(resumed.out, Catch::Contains("a second pass over the stored readings"));

  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  const auto id = reader->find_run(uuid).value().id;
  const auto table = stored_burn_in(*reader, id);
  CHECK(table.time_h.size() > 140);  // 161 slots less those the outage and the restart took
  CHECK(table.time_h.back() == Approx(40).margin(1e-6));  // the last slot, on the hour of the plan
  auto results = reader->results(id);
  REQUIRE(results);
  check_burn_in_results(*results, table);
}
