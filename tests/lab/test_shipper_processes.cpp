// The shipper as users run it: `ledlab run` on two simulated stations at once into one lab
// database, `ledlab lab ship --follow` killed with SIGKILL mid-shipment and restarted, a run
// killed and resumed, and `ledlab lab status` after a refusal.
#include "db/store.hpp"
#include "lab/shipper_fixture.hpp"
#include "support/checkpointed_steps.hpp"
#include "support/cli_process.hpp"

#include <cstdlib>
#include <csignal>
#include <fstream>
#include <random>

using namespace ledlab;
using namespace ledlab::test;

namespace {


// The simulated station under another name (the name it ships as).
std::string station_file(const std::string& name) {
  std::ifstream in(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("name = \"sim-bench\""), 18, "name = \"" + name + "\"");
  return write_script(name + ".toml", text);
}

// A store path with no store and no sidecar left from an earlier run of the tests.
std::string fresh_store(const std::string& name) {
  const std::string path = in_build(name);
  remove_db(path);
  for (const char* suffix : {".lab", ".lab-wal", ".lab-shm"}) std::remove((path + suffix).c_str());
  return path;
}

std::string uuid_of(const std::string& db) {
  auto reader = db::Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  return runs->front().uuid;
}

void require_store_in_lab(const std::string& dbname, const std::string& store) {
  auto admin = lab_admin(dbname);
  auto reader = db::Reader::open(store);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  for (const auto& r : *runs) require_lab_copy_equals_store(admin, *reader, r.uuid);
}

}  // namespace

TEST_CASE("two simulated stations running at once into one database each arrive exactly once") {
  const auto dbname = lab_cluster().create_database();
  const auto a = add_lab_station(dbname, "station_a");
  const auto b = add_lab_station(dbname, "station_b");
  const std::string script = write_script("lab_steps.lua", test::kCheckpointedSteps);
  const std::string db_a = fresh_store("lab-two-a.sqlite"), db_b = fresh_store("lab-two-b.sqlite");
  // The password comes from the environment, as a station's would ($LEDLAB_LAB_DB).
  ::setenv("LEDLAB_LAB_DB", a.url.c_str(), 1);
  HeadlessRun run_a("run " + script + " --station " + station_file("station_a") + " --sim --virtual-time --db " + db_a +
                        " -p steps=6 --lab-grace 120",
                    in_build("lab-two-a.log"));
  ::setenv("LEDLAB_LAB_DB", b.url.c_str(), 1);
  HeadlessRun run_b("run " + script + " --station " + station_file("station_b") + " --sim --virtual-time --db " + db_b +
                        " -p steps=6 --lab-grace 120",
                    in_build("lab-two-b.log"));
  ::unsetenv("LEDLAB_LAB_DB");
  INFO(run_a.text() << "\n--- b ---\n" << run_b.text());
  REQUIRE(run_a.exit_code() == 0);
  REQUIRE(run_b.exit_code() == 0);
  require_store_in_lab(dbname, db_a);
  require_store_in_lab(dbname, db_b);
  auto admin = lab_admin(dbname);
  CHECK(lab_count(admin, "SELECT count(DISTINCT station) FROM ledlab.runs") == 2);
  CHECK(lab_count(admin, fmt::format("SELECT count(*) FROM ledlab.runs WHERE station = 'station_a' AND run_uuid = '{}'",
                                     uuid_of(db_a))) == 1);
  // Nothing secret in what the runs stored (runs.station holds the station file).
  for (const auto& [store, st] : {std::pair{db_a, a}, std::pair{db_b, b}}) {
    std::ifstream in(store, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(bytes.find(st.password) == std::string::npos);
  }
}

TEST_CASE("a run whose lab database is stopped in the middle and started again later ships every sample exactly once") {
  const auto dbname = lab_cluster().create_database();
  const auto st = add_lab_station(dbname, "outage_run");
  const std::string db = fresh_store("lab-outage-run.sqlite");
  ::setenv("LEDLAB_LAB_DB", st.url.c_str(), 1);
  // Real time at 3600x: a step a wall second, eight of them.
  HeadlessRun run("run " + write_script("lab_outage_steps.lua", test::kCheckpointedSteps) + " --station " + station_file("outage_run") +
                      " --sim --db " + db + " -p steps=8 --lab-grace 120",
                  in_build("lab-outage-run.log"));
  ::unsetenv("LEDLAB_LAB_DB");
  REQUIRE(run.wait_for("step 2 done", 120));
  lab_cluster().stop();
  REQUIRE(run.wait_for("step 5 done", 120));
  lab_cluster().start();
  INFO(run.text());
  REQUIRE(run.exit_code() == 0);
  require_store_in_lab(dbname, db);
}

TEST_CASE("ledlab lab ship --follow killed with SIGKILL mid-shipment and restarted ships every sample exactly once") {
  const auto dbname = lab_cluster().create_database();
  const auto st = add_lab_station(dbname, "killed");
  const std::string store = fresh_store("lab-killed.sqlite");
  std::int64_t total = 0;
  {
    auto s = db::Store::open(store);
    REQUIRE(s);
    auto run = (*s)->begin_run({.sequence = "big", .script_text = "-- test"});
    REQUIRE(run);
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(1e-3, 1e-5);
    for (int lane = 1; lane <= 400; ++lane) {
      auto series = (*s)->declare_series(run->id, {.lane = lane, .quantity = "optical_power", .unit = "W"});
      REQUIRE(series);
      for (int i = 0; i < 20000; ++i) REQUIRE((*s)->append(*series, 1.7e9 + i, noise(rng)));
      total += 20000;
    }
    REQUIRE((*s)->end_run(run->id, db::RunStatus::finished));
  }
  ::setenv("LEDLAB_LAB_DB", st.url.c_str(), 1);
  HeadlessRun follow("lab ship --follow --db " + store + " --station killed", in_build("lab-killed.log"));
  ::unsetenv("LEDLAB_LAB_DB");
  auto shipped = [&] {
    auto admin = db::lab::PgConnection::connect(lab_cluster().admin_url(dbname));
    if (!admin) return std::int64_t{0};
    auto r = admin->query("SELECT coalesce(sum(n), 0) FROM ledlab.chunks");
    return r ? r->int64(0, 0).value_or(0) : 0;
  };
  REQUIRE(wait_until([&] { return shipped() > 0; }));
  kill(follow.pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(follow.pid, &status, 0) == follow.pid);
  follow.pid = -1;
  INFO("shipped before the kill: " << shipped() << " of " << total);
  auto again = run_ledlab("lab ship --once --db " + store + " --station killed --lab '" + st.url + "'");
  INFO(follow.text() << "\n--- again ---\n" << again.out);
  REQUIRE(again.code == 0);
  CHECK(shipped() == total);
  require_store_in_lab(dbname, store);
}

TEST_CASE("a run killed and resumed ends with the lab copy equal to the local one") {
  const auto dbname = lab_cluster().create_database();
  const auto st = add_lab_station(dbname, "resumed");
  const std::string db = fresh_store("lab-resume.sqlite");
  ::setenv("LEDLAB_LAB_DB", st.url.c_str(), 1);
  // As tests/engine/test_resume.cpp: the meter loses power 100 s after step 4's readings; the
  // kill lands while the run waits for it, after the readings, before the checkpoint.
  HeadlessRun run("run " + write_script("lab_resume_steps.lua", test::kCheckpointedSteps) + " --station " + station_file("resumed") +
                      " --sim --db " + db + " --virtual-time -p steps=8 --sim-fault '10900 opm SIM:FAULT:OUTAGE 60'",
                  in_build("lab-resume.log"));
  REQUIRE(run.wait_for("lost link to opm", 120));
  // What the killed process recorded after its checkpoint has reached the lab database.
  auto admin = lab_admin(dbname);
  REQUIRE(wait_until([&] {
    return lab_count(admin, "SELECT coalesce(sum(n), 0) FROM ledlab.chunks c JOIN ledlab.series s USING (run_month, "
                            "run_uuid, series_id) WHERE s.quantity = 'optical_power'") >= 4 * 400;
  }));
  kill(run.pid, SIGKILL);
  int status = 0;
  REQUIRE(waitpid(run.pid, &status, 0) == run.pid);
  run.pid = -1;
  const std::string log = run.text();
  const auto at = log.starts_with("run ") ? 0 : log.find("\nrun ");  // "run <uuid> started: ..."
  REQUIRE(at != std::string::npos);
  const std::string uuid = log.substr(at == 0 ? 4 : at + 5, 36);
  // Without --station: the stored station file names the station the run ships as.
  auto resumed = run_ledlab("resume " + uuid.substr(0, 8) + " --db " + db + " --lab-grace 120");
  ::unsetenv("LEDLAB_LAB_DB");
  INFO(run.text() << "\n--- resume ---\n" << resumed.out);
  REQUIRE(resumed.code == 0);
  require_store_in_lab(dbname, db);
  CHECK(lab_count(admin, "SELECT coalesce(sum(n), 0) FROM ledlab.superseded_chunks") >= 400);
}

TEST_CASE("ledlab lab status shows why a store shipped under another station's name was refused") {
  const auto dbname = lab_cluster().create_database();
  const auto a = add_lab_station(dbname, "owner_a");
  add_lab_station(dbname, "owner_b");
  const std::string store = fresh_store("lab-refused.sqlite");
  {
    auto s = db::Store::open(store);
    REQUIRE(s);
    auto run = (*s)->begin_run({.sequence = "x", .script_text = "-- test"});
    REQUIRE(run);
    REQUIRE((*s)->end_run(run->id, db::RunStatus::finished));
  }
  auto ship = run_ledlab("lab ship --once --db " + store + " --station owner_b --lab '" + a.url + "'");
  INFO(ship.out);
  CHECK(ship.code == 1);
  CHECK_THAT(ship.out, Catch::Contains("writes as station 'owner_a', not 'owner_b'"));
  CHECK(ship.out.find(a.password) == std::string::npos);
  auto status = run_ledlab("lab status --db " + store);
  INFO(status.out);
  CHECK(status.code == 0);
  CHECK_THAT(status.out, Catch::Contains("last error (") && Catch::Contains("not 'owner_b'"));
  CHECK_THAT(status.out, Catch::Contains(uuid_of(store)));
  auto live = run_ledlab("lab status --db " + store + " --station owner_a --lab '" + a.url + "'");
  INFO(live.out);
  CHECK_THAT(live.out, Catch::Contains("connected, TLS yes"));
  CHECK(live.out.find(a.password) == std::string::npos);
}

TEST_CASE("ledlab lab status shows an error that a later successful pass got past as recovered, not as current") {
  const auto dbname = lab_cluster().create_database();
  const auto a = add_lab_station(dbname, "mend_a");
  const std::string store = fresh_store("lab-recovered.sqlite");
  {
    auto s = db::Store::open(store);
    REQUIRE(s);
    auto run = (*s)->begin_run({.sequence = "x", .script_text = "-- test"});
    REQUIRE(run);
    REQUIRE((*s)->end_run(run->id, db::RunStatus::finished));
  }
  auto refused = run_ledlab("lab ship --once --db " + store + " --station mend_b --lab '" + a.url + "'");
  REQUIRE(refused.code == 1);
  auto failing = run_ledlab("lab status --db " + store);
  INFO(failing.out);
  CHECK_THAT(failing.out, Catch::Contains("last error (") && Catch::Contains("not recovered since") &&
                              !Catch::Contains("recovered at"));
  auto shipped = run_ledlab("lab ship --once --db " + store + " --station mend_a --lab '" + a.url + "'");
  INFO(shipped.out);
  REQUIRE(shipped.code == 0);
  auto recovered = run_ledlab("lab status --db " + store);
  INFO(recovered.out);
  CHECK_THAT(recovered.out, Catch::Contains("last error (at ") && Catch::Contains(", recovered at ") &&
                                Catch::Contains("not 'mend_b'") && !Catch::Contains("not recovered since"));
}

TEST_CASE("a password in the station file's [lab] url is refused naming the file, the line and the key") {
  std::ifstream in(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text += "\n[lab]\nurl = \"postgresql://st:hunter2@127.0.0.1:5/lab\"\n";
  const std::string station = write_script("lab_password_station.toml", text);
  const std::string db = fresh_store("lab-password.sqlite");
  auto ran = run_ledlab("run " + write_script("lab_noop.lua", "log('x')") + " --station " + station + " --sim --db " + db);
  INFO(ran.out);
  CHECK(ran.code == 2);
  CHECK_THAT(ran.out, Catch::Contains("lab_password_station.toml:") && Catch::Contains(": lab.url: a password may not be"));
  CHECK(ran.out.find("hunter2") == std::string::npos);
}
