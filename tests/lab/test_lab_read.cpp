// Reading the lab database (issue 19): `ledlab runs|show|export|report --lab URL` against a
// private PostgreSQL cluster that two stations shipped to, as a reader role. show, export and
// report print byte for byte what the same command prints against the station's own file.
#include "db/chunk_codec.hpp"
#include "db/lab/lab_admin.hpp"
#include "db/lab/lab_reader.hpp"
#include "db/lab/pg.hpp"
#include "db/lab/shipper.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "gui/core/data_source.hpp"
#include "support/cli_process.hpp"
#include "support/paths.hpp"
#include "support/pg_cluster.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include <unistd.h>

using namespace ledlab;
using namespace ledlab::db;
using namespace ledlab::db::lab;
using ledlab::test::PgCluster;
using ledlab::test::run_ledlab;

namespace {

PgCluster& cluster() {
  static PgCluster c;
  return c;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// The sequences run on the simulated station, each into a store of its own (built once per
// test program; every TEST_CASE ships them into a database of its own).
struct Recorded {
  std::string store, uuid;
};

Recorded record(const std::string& name, const std::string& args) {
  // Per process: ctest runs each TEST_CASE as a process of its own, several at once.
  const std::string db = test::in_build(fmt::format("lab-read-{}-{}.sqlite", name, ::getpid()));
  auto r = run_ledlab(test::run_args(LEDLAB_SOURCE_DIR "/sequences/" + args, db) + " --virtual-time");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto reader = Reader::open(db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  return {db, runs->front().uuid};
}

const Recorded& station_a_run() {
  static const Recorded r = record("a", "power_vs_temperature.lua --dut ARR-7 -p temps=25,85");
  return r;
}
// B's DUT is of another type: the lab described it after the run (a DUT outlives its runs).
const Recorded& station_b_run() {
  static const Recorded r = [] {
    Recorded b = record("b", "power_vs_temperature.lua --dut ARR-9 -p temps=25");
    auto store = Store::open(b.store);
    REQUIRE(store);
    auto reader = Reader::open(b.store);
    REQUIRE(reader);
    auto dut = reader->dut("ARR-9");
    REQUIRE(dut);
    dut->description = "uLED-9 wafer";
    REQUIRE((*store)->upsert_dut(*dut));
    REQUIRE((*store)->close());
    return b;
  }();
  return r;
}

// A database with stations A and B (each with its own role) and a reader, A's and B's runs shipped.
struct Lab {
  std::string db = cluster().create_database();
  std::string suffix = db;  // roles are cluster-wide: one set per database
  std::string reader_url = cluster().url("reader_" + suffix, "reader pw " + suffix, db);

  Lab() {
    auto admin = PgConnection::connect(cluster().admin_url(db));
    REQUIRE(admin);
    for (const char* station : {"A", "B"}) {
      const std::string role = fmt::format("station_{}_{}", lower(station), suffix);
      REQUIRE(add_station(*admin, station, role, "pw " + role));
    }
    REQUIRE(add_reader(*admin, "reader_" + suffix, "reader pw " + suffix));
    ship("A", station_a_run().store);
    ship("B", station_b_run().store);
  }

  void ship(const std::string& station, const std::string& store, std::int64_t runs = 1) {
    const std::string role = fmt::format("station_{}_{}", lower(station), suffix);
    ShipperOptions options;
    options.url = cluster().url(role, "pw " + role, db);
    options.store = store;
    options.station = station;
    auto conn = PgConnection::connect(options.url);
    REQUIRE(conn);
    auto reader = Reader::open(store);
    REQUIRE(reader);
    auto shipped = ship_pending(*conn, *reader, options);
    INFO((shipped ? "" : shipped.error().describe()));
    REQUIRE(shipped);
    CHECK(shipped->runs == runs);
  }

  // `ledlab ARGS --lab URL`, the URL quoted for the shell.
  test::Ran lab(const std::string& args) const { return run_ledlab(args + " --lab '" + reader_url + "'"); }
};

void same_output(const Lab& lab, const std::string& args, const std::string& store) {
  auto local = run_ledlab(args + " --db " + store);
  auto remote = lab.lab(args);
  INFO(args);
  INFO(remote.out);
  REQUIRE(local.code == 0);
  REQUIRE(remote.code == 0);
  CHECK(remote.out == local.out);
  if (remote.out != local.out) {
    std::ofstream(test::in_build("lab-read-mismatch.local")) << local.out;
    std::ofstream(test::in_build("lab-read-mismatch.lab")) << remote.out;
  }
}

std::vector<std::string> listed_uuids(const std::string& tsv) {
  std::vector<std::string> out;
  std::istringstream lines(tsv);
  for (std::string line; std::getline(lines, line);) out.push_back(line.substr(0, line.find('\t')));
  return out;
}

}  // namespace

TEST_CASE("show, export and report against the lab database print what they print against the station's file") {
  Lab lab;
  const auto& a = station_a_run();
  same_output(lab, "show " + a.uuid, a.store);
  same_output(lab, "show --details " + a.uuid, a.store);
  same_output(lab, "export --format json " + a.uuid, a.store);
  for (const char* table : {"samples", "results", "events"})
    same_output(lab, std::string("export --table ") + table + " " + a.uuid, a.store);
  // A unique prefix names a run across stations as it does in one file.
  same_output(lab, "export --table samples --quantity optical_power --lane 3 " + a.uuid.substr(0, 8), a.store);

  const std::string local_html = test::in_build("lab-read-local.html"), lab_html = test::in_build("lab-read-lab.html");
  auto local = run_ledlab("report " + a.uuid + " --db " + a.store + " --out " + local_html);
  auto remote = lab.lab("report " + a.uuid + " --out " + lab_html);
  INFO(remote.out);
  REQUIRE(local.code == 0);
  REQUIRE(remote.code == 0);
  // The summary lines are the same; the last line names the file written.
  CHECK(remote.out.substr(0, remote.out.rfind("report: ")) == local.out.substr(0, local.out.rfind("report: ")));
  const std::string html = read_file(lab_html);
  CHECK(html.size() > 1000);
  CHECK(html == read_file(local_html));
}

TEST_CASE("a lab copy lists a run's instruments in the station's order after the database rewrote their rows") {
  Lab lab;
  const auto& a = station_a_run();
  // An UPDATE writes a new row version at the end of the table: the physical order changes.
  auto admin = PgConnection::connect(cluster().admin_url(lab.db));
  REQUIRE(admin);
  auto first = admin->query("SELECT name FROM ledlab.instruments WHERE run_uuid = $1::uuid ORDER BY instrument_id LIMIT 1",
                            {a.uuid});
  REQUIRE(first);
  REQUIRE(first->rows() == 1);
  REQUIRE(admin->query("UPDATE ledlab.instruments SET idn = idn WHERE run_uuid = $1::uuid AND name = $2",
                       {a.uuid, std::string(first->text(0, 0))}));
  same_output(lab, "export --format json " + a.uuid, a.store);
}

TEST_CASE("a batch's report and runs against the lab database are those of the station's file") {
  Lab lab;
  const std::string store = test::in_build("lab-read-batch.sqlite");
  const std::string script =
      test::write_script("lab-read-batch.lua", "chamber.set_setpoint(30)\nrecord { quantity = 'x', value = 1 }\n");
  auto r = run_ledlab(test::run_args(script, store) + " --dut A=SN-1 --dut B=SN-2");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto admin = PgConnection::connect(cluster().admin_url(lab.db));
  REQUIRE(admin);
  REQUIRE(add_station(*admin, "C", "station_c_" + lab.suffix, "pw station_c_" + lab.suffix));
  lab.ship("C", store, 2);
  auto reader = Reader::open(store);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 2);
  REQUIRE(runs->front().batch_id);
  auto batch = reader->batch(*runs->front().batch_id);
  REQUIRE(batch);

  auto listed = lab.lab("runs --no-header --batch " + batch->uuid.substr(0, 8));
  auto local = run_ledlab("runs --no-header --db " + store);
  REQUIRE(listed.code == 0);
  // Each line of the station's listing, then the station's name.
  std::string expected;
  std::istringstream lines(local.out);
  for (std::string line; std::getline(lines, line);) expected += line + "\tC\n";
  CHECK(listed.out == expected);

  // The same page name both times: the page links its DUTs' reports by file name.
  const std::string page = test::in_build("lab-read-batch.html");
  const auto pages = [&] {
    std::vector<std::string> out{read_file(page)};
    for (const char* socket : {"A", "B"}) out.push_back(read_file(test::in_build(std::string("lab-read-batch-") + socket + ".html")));
    return out;
  };
  auto local_report = run_ledlab("report " + batch->uuid + " --batch --db " + store + " --out " + page);
  REQUIRE(local_report.code == 0);
  const auto local_pages = pages();
  for (const auto& p : local_pages) CHECK(p.size() > 1000);
  auto lab_report = lab.lab("report " + batch->uuid.substr(0, 8) + " --batch --out " + page);
  INFO(lab_report.out);
  REQUIRE(lab_report.code == 0);
  CHECK(lab_report.out == local_report.out);
  CHECK(pages() == local_pages);
}

TEST_CASE("runs --lab lists every station's runs with a station column, and --station only that station's") {
  Lab lab;
  auto all = lab.lab("runs");
  INFO(all.out);
  REQUIRE(all.code == 0);
  CHECK(all.out.starts_with("uuid\tstatus\tstarted\tended\tsequence\tdut_serial\toperator\tbatch\tsocket\tstation\n"));
  CHECK_THAT(all.out, Catch::Contains(station_a_run().uuid) && Catch::Contains(station_b_run().uuid));
  CHECK_THAT(all.out, Catch::Contains("\tA\n") && Catch::Contains("\tB\n"));

  auto only_a = lab.lab("runs --no-header --station A");
  REQUIRE(only_a.code == 0);
  CHECK(listed_uuids(only_a.out) == std::vector<std::string>{station_a_run().uuid});
  CHECK(only_a.out.ends_with("\tA\n"));
  // The columns before the station column are those of the station's own listing.
  auto local = run_ledlab("runs --no-header --db " + station_a_run().store);
  CHECK(only_a.out == local.out.substr(0, local.out.size() - 1) + "\tA\n");

  auto json = lab.lab("runs --json --station B");
  REQUIRE(json.code == 0);
  CHECK_THAT(json.out, Catch::Contains("\"station\": \"B\"") && Catch::Contains(station_b_run().uuid));
}

TEST_CASE("runs --lab filters by DUT, DUT type, sequence and start time across stations") {
  Lab lab;
  const auto uuids = [&](const std::string& args) {
    auto r = lab.lab("runs --no-header " + args);
    INFO(r.out);
    REQUIRE(r.code == 0);
    return listed_uuids(r.out);
  };
  const std::string a = station_a_run().uuid, b = station_b_run().uuid;
  CHECK(uuids("--dut ARR-9") == std::vector<std::string>{b});
  CHECK(uuids("--dut-type 'uLED-9 wafer'") == std::vector<std::string>{b});
  CHECK(uuids("--dut-type '20 x 20 array'") == std::vector<std::string>{a});
  CHECK(uuids("--sequence power_vs_temperature").size() == 2);
  CHECK(uuids("--sequence bandwidth").empty());
  auto reader = Reader::open(station_b_run().store);
  REQUIRE(reader);
  auto run_b = reader->find_run(b);
  REQUIRE(run_b);
  const double started = run_b->started_s;
  CHECK(uuids(fmt::format("--since {:.17g}", started)).front() == b);
  CHECK(uuids(fmt::format("--since {:.17g}", started + 1)).empty());
  CHECK(uuids(fmt::format("--until {:.17g} --station B", started)) == std::vector<std::string>{b});
  CHECK(uuids(fmt::format("--until {:.17g} --station B", started - 1)).empty());
}

TEST_CASE("a run prefix that is not in the lab database is not found, and one that is not a uuid neither") {
  Lab lab;
  auto missing = lab.lab("show 00000000-0000");
  CHECK(missing.code == 1);
  CHECK_THAT(missing.out, Catch::Contains("no run in the lab database matches '00000000-0000'"));
  auto garbage = lab.lab("show 'x%'");
  CHECK(garbage.code == 1);
}

TEST_CASE("a prefix two stations' runs share is ambiguous, naming their stations") {
  Lab lab;
  // A run of B whose uuid differs from A's run in its last digit only.
  const std::string a = station_a_run().uuid;
  const std::string twin = a.substr(0, 35) + (a.back() == '0' ? '1' : '0');
  auto admin = PgConnection::connect(cluster().admin_url(lab.db));
  REQUIRE(admin);
  REQUIRE(admin->query("INSERT INTO ledlab.runs(run_uuid, station, run_month, local_run_id, started_s, status) "
                       "VALUES ($1::uuid, 'B', '2026-01-01', 99, 1767225600, 'finished')",
                       {twin}));
  auto conn = PgConnection::connect(lab.reader_url);
  REQUIRE(conn);
  auto ambiguous = find_lab_run(*conn, a.substr(0, 35));
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().code == Errc::invalid_argument);
  CHECK_THAT(ambiguous.error().message, Catch::Contains(a + " (station A)") && Catch::Contains(twin + " (station B)"));
  // The full uuid is never ambiguous; upper case names it too.
  auto exact = find_lab_run(*conn, a);
  REQUIRE(exact);
  CHECK(exact->station == "A");
  std::string upper = a;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto by_upper = find_lab_run(*conn, upper);
  REQUIRE(by_upper);
  CHECK(by_upper->run.uuid == a);
  auto cli = lab.lab("show " + a.substr(0, 35));
  CHECK(cli.code == 2);
  CHECK_THAT(cli.out, Catch::Contains("(station B)"));
}

TEST_CASE("a copy from the lab keeps the station's ids and removes its directory afterwards") {
  Lab lab;
  auto copy = copy_from_lab(lab.reader_url, station_a_run().uuid, false);
  REQUIRE(copy);
  const auto dir = copy->store.parent_path();
  {
    auto local = Reader::open(station_a_run().store);
    auto copied = Reader::open(copy->store);
    REQUIRE(local);
    REQUIRE(copied);
    auto lr = local->find_run(station_a_run().uuid);
    auto cr = copied->find_run(station_a_run().uuid);
    REQUIRE(lr);
    REQUIRE(cr);
    CHECK(cr->id == lr->id);
    auto ls = local->series(lr->id);
    auto cs = copied->series(cr->id);
    REQUIRE(ls);
    REQUIRE(cs);
    REQUIRE(cs->size() == ls->size());
    for (std::size_t i = 0; i < ls->size(); ++i) {
      CHECK((*cs)[i].id == (*ls)[i].id);
      CHECK((*cs)[i].sample_count == (*ls)[i].sample_count);
    }
    auto lres = local->results(lr->id);
    auto cres = copied->results(cr->id);
    REQUIRE(lres);
    REQUIRE(cres);
    REQUIRE(cres->size() == lres->size());
    for (std::size_t i = 0; i < lres->size(); ++i) CHECK((*cres)[i].id == (*lres)[i].id);
  }
  CHECK(std::filesystem::exists(dir));
  copy = std::unexpected(Error{});
  CHECK_FALSE(std::filesystem::exists(dir));
}

TEST_CASE("what a resume set aside in the lab database counts in show --lab as it does in the station's file") {
  Lab lab;
  const auto& a = station_a_run();
  // As the shipper moves them when a resumed run redoes a step: a chunk of three samples of
  // series 1 and one result.
  const std::vector<double> t{1.0, 2.0, 3.0}, v{0.5, 0.25, 0.125};
  std::vector<std::uint8_t> blob;
  encode_chunk(t, v, blob);
  std::string hex = "\\x";
  for (std::uint8_t b : blob) hex += fmt::format("{:02x}", b);
  auto admin = PgConnection::connect(cluster().admin_url(lab.db));
  REQUIRE(admin);
  REQUIRE(admin->query("INSERT INTO ledlab.superseded_chunks(run_month, run_uuid, station, series_id, first_seq, n, "
                       "t_min, t_max, data) SELECT run_month, run_uuid, station, 1, 0, 3, 1, 3, $2::bytea "
                       "FROM ledlab.runs WHERE run_uuid = $1::uuid",
                       {a.uuid, hex}));
  REQUIRE(admin->query("INSERT INTO ledlab.superseded_results(run_month, run_uuid, station, result_id, name, value, "
                       "extra, t_s, qualifier, verdict) SELECT run_month, run_uuid, station, 1000, 'x', 1, '{}', 1, '', "
                       "'not_judged' FROM ledlab.runs WHERE run_uuid = $1::uuid",
                       {a.uuid}));
  auto show = lab.lab("show " + a.uuid);
  INFO(show.out);
  REQUIRE(show.code == 0);
  CHECK_THAT(show.out, Catch::Contains("3 samples, 1 results (recorded after the last checkpoint"));
}

TEST_CASE("a wrong password for --lab fails with a clear error that does not print the password") {
  Lab lab;
  const std::string secret = "not-the-Password-" + lab.suffix;
  const std::string url = cluster().url("reader_" + lab.suffix, secret, lab.db);
  auto r = run_ledlab("runs --lab '" + url + "'");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("lab database"));
  CHECK_THAT(r.out, !Catch::Contains(secret));
  auto show = run_ledlab("show " + station_a_run().uuid + " --lab '" + url + "'");
  CHECK(show.code == 1);
  CHECK_THAT(show.out, !Catch::Contains(secret));
  auto report = run_ledlab("report " + station_a_run().uuid + " --lab '" + url + "'");
  CHECK(report.code == 1);
  CHECK_THAT(report.out, !Catch::Contains(secret));
}

TEST_CASE("runs refuses --lab and --db together as a usage error") {
  auto r = run_ledlab("runs --db x.sqlite --lab postgresql://reader@127.0.0.1/lab");
  CHECK(r.code == 2);
}

namespace {

// Polls the published model until `ready` holds; the deadline is only a safety net.
std::shared_ptr<const gui::Model> wait_for(const gui::DataSource& source,
                                           const std::function<bool(const gui::Model&)>& ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    auto model = source.model();
    if (ready(*model) || std::chrono::steady_clock::now() > deadline) return model;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

TEST_CASE("the dashboard's run browser lists the lab's runs by station and opens one as the station's file shows it") {
  Lab lab;
  const auto& a = station_a_run();
  gui::SourceOptions options;
  options.lab = lab.reader_url;
  options.lab_access = lab_access();
  options.sequences_dir = test::in_build("no-sequences-here");
  options.poll_hz = 100;
  gui::DataSource source(std::move(options));

  auto model = wait_for(source, [](const gui::Model& m) { return m.runs.size() == 2; });
  INFO(model->store_error);
  REQUIRE(model->runs.size() == 2);
  CHECK(model->run_stations.size() == 2);
  CHECK(model->lab.find("***") != std::string::npos);  // the password is never on screen
  CHECK(model->lab.find("reader pw") == std::string::npos);

  db::RunFilter only_a;
  only_a.station = "A";
  source.push(gui::FilterRuns{only_a});
  model = wait_for(source, [](const gui::Model& m) { return m.runs.size() == 1 && m.lab_filter.station; });
  REQUIRE(model->runs.size() == 1);
  CHECK(model->runs.front().uuid == a.uuid);
  CHECK(model->run_stations == std::vector<std::string>{"A"});

  source.push(gui::OpenRun{a.uuid});
  model = wait_for(source, [&](const gui::Model& m) { return m.run && m.run->uuid == a.uuid && !m.results.empty(); });
  REQUIRE(model->run);
  auto local = Reader::open(a.store);
  REQUIRE(local);
  auto run = local->find_run(a.uuid);
  REQUIRE(run);
  auto results = local->results(run->id);
  REQUIRE(results);
  REQUIRE(model->results.size() == results->size());
  for (std::size_t i = 0; i < results->size(); ++i) {
    CHECK(model->results[i].id == (*results)[i].id);
    CHECK(model->results[i].name == (*results)[i].name);
  }
  auto totals = local->totals(run->id);
  REQUIRE(totals);
  model = wait_for(source, [&](const gui::Model& m) { return m.samples == totals->samples; });
  CHECK(model->samples == totals->samples);
  CHECK(model->run->status == RunStatus::finished);

  // Read only: nothing is started from the lab's browser.
  source.push(gui::Steer{"abort"});
  model = wait_for(source, [](const gui::Model& m) { return m.notice.find("read only") != std::string::npos; });
  CHECK_THAT(model->notice, Catch::Contains("read only"));
}
