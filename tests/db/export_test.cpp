#include "db/cli.hpp"
#include "db/export.hpp"
#include "db/store.hpp"
#include "cli_support.hpp"
#include "temp_db.hpp"

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace ledlab;
using namespace ledlab::db;
using ledlab::db::test::parse_csv;
using ledlab::db::test::run_cli;

namespace {

struct Fixture {
  test::TempDb tmp;
  RunRecord run;
  SeriesId power = 0, chamber = 0;

  Fixture() {
    auto store = Store::open(tmp.path()).value();
    RunProvenance p;
    p.sequence = "ber_vs_temperature";
    p.script_text = "ber()";
    p.dut_serial = "MLA-7";
    p.started_s = 1700000000.0;
    run = store->begin_run(p).value();
    power = store->declare_series(run.id, {.lane = 5, .quantity = "optical_power", .unit = "W",
                                           .conditions_json = R"({"temperature_c":85,"note":"a, \"b\""})"})
                .value();
    chamber = store->declare_series(run.id, {.lane = std::nullopt, .quantity = "chamber_temperature", .unit = "degC",
                                             .conditions_json = "{}"})
                  .value();
    REQUIRE(store->append(power, 1700000001.5, 0.1));
    REQUIRE(store->append(chamber, 1700000001.0, 85.25));
    REQUIRE(store->append(power, 1700000002.5, 1e-7));
    ResultRecord ber;
    ber.name = "ber_upper_95";
    ber.lane = 5;
    ber.value = 2.5e-13;
    ber.unit = "1";
    ber.upper_limit = 1e-12;
    ber.extra_json = R"({"confidence":0.95})";
    ber.t_s = 1700000003.0;
    REQUIRE(store->record_result(run.id, ber));
    REQUIRE(store->log_event(run.id, {.id = 0, .t_s = 1700000004.0, .kind = EventKind::operator_action,
                                      .source = "operator", .message = "paused, then\nresumed", .data_json = "{}"}));
    REQUIRE(store->end_run(run.id, RunStatus::finished, 1700000005.0));
  }
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE_METHOD(Fixture, "CSV export of samples has stable columns, checked one by one") {
  auto reader = Reader::open(tmp.path()).value();
  std::ostringstream out;
  REQUIRE(export_csv(reader, run, CsvTable::samples, out));
  auto rows = parse_csv(out.str());
  REQUIRE(rows.size() == 4);
  CHECK(rows[0] == std::vector<std::string>{"run_uuid", "series_id", "lane", "quantity", "unit", "conditions", "t_s",
                                            "value"});
  // Grouped by series (declaration order), then in recorded order.
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == 8);
    CHECK(rows[i][0] == run.uuid);
  }
  CHECK(rows[1][1] == std::to_string(power));
  CHECK(rows[1][2] == "5");
  CHECK(rows[1][3] == "optical_power");
  CHECK(rows[1][4] == "W");
  CHECK(rows[1][5] == R"({"temperature_c":85,"note":"a, \"b\""})");  // quoted and unquoted intact
  CHECK(rows[1][6] == "1700000001.5");
  CHECK(rows[1][7] == "0.1");
  CHECK(rows[2][6] == "1700000002.5");
  CHECK(std::stod(rows[2][7]) == 1e-7);  // shortest form reads back exactly
  CHECK(rows[3][1] == std::to_string(chamber));
  CHECK(rows[3][2] == "");  // no lane
  CHECK(rows[3][3] == "chamber_temperature");
  CHECK(rows[3][4] == "degC");
  CHECK(rows[3][5] == "{}");
  CHECK(rows[3][6] == "1700000001");
  CHECK(rows[3][7] == "85.25");
}

TEST_CASE_METHOD(Fixture, "CSV export of results and events, column by column") {
  auto reader = Reader::open(tmp.path()).value();
  std::ostringstream results;
  REQUIRE(export_csv(reader, run, CsvTable::results, results));
  auto r = parse_csv(results.str());
  REQUIRE(r.size() == 2);
  CHECK(r[0] == std::vector<std::string>{"run_uuid", "result_id", "name", "lane", "value", "unit", "lower_limit",
                                         "upper_limit", "pass", "extra", "t_s", "qualifier", "verdict"});
  CHECK(r[1] == std::vector<std::string>{run.uuid, "1", "ber_upper_95", "5", "2.5e-13", "1", "", "1e-12", "pass",
                                         R"({"confidence":0.95})", "1700000003", "", "pass"});
  std::ostringstream events;
  REQUIRE(export_csv(reader, run, CsvTable::events, events));
  auto e = parse_csv(events.str());
  REQUIRE(e.size() == 4);  // running, operator action, finished
  CHECK(e[0] == std::vector<std::string>{"run_uuid", "event_id", "t_s", "kind", "source", "message", "data"});
  CHECK(e[2][2] == "1700000004");
  CHECK(e[2][3] == "operator");
  CHECK(e[2][4] == "operator");
  CHECK(e[2][5] == "paused, then\nresumed");
  CHECK(e[3][5] == "finished");
}

TEST_CASE_METHOD(Fixture, "JSON export holds provenance, series with samples, results and events") {
  auto reader = Reader::open(tmp.path()).value();
  std::ostringstream out;
  REQUIRE(export_json(reader, reader.run(run.id).value(), out));
  auto doc = nlohmann::json::parse(out.str());
  CHECK(doc["format"] == "ledlab-run");
  CHECK(doc["format_version"] == 1);
  CHECK(doc["run"]["uuid"] == run.uuid);
  CHECK(doc["run"]["status"] == "finished");
  CHECK(doc["run"]["script_sha256"] == run.script_sha256);
  CHECK(doc["run"]["ended_s"] == 1700000005.0);
  REQUIRE(doc["series"].size() == 2);
  CHECK(doc["series"][0]["lane"] == 5);
  CHECK(doc["series"][0]["conditions"]["temperature_c"] == 85);
  CHECK(doc["series"][0]["samples"] == nlohmann::json::parse("[[1700000001.5,0.1],[1700000002.5,1e-7]]"));
  CHECK(doc["series"][1]["lane"].is_null());
  CHECK(doc["results"][0]["pass"] == true);
  CHECK(doc["results"][0]["lower_limit"].is_null());
  CHECK(doc["results"][0]["extra"]["confidence"] == 0.95);
  CHECK(doc["events"].size() == 3);
  CHECK(doc["dut"].is_null());  // never registered
}

TEST_CASE_METHOD(Fixture, "the CLI lists, shows and exports runs with script-friendly exit codes") {
  std::string out, err;
  const std::string db = tmp.path().string();

  CHECK(run_cli({"runs", "--db", db}, out, err) == 0);
  CHECK(out.starts_with("uuid\tstatus\tstarted\tended\tsequence\tdut_serial\toperator\tbatch\tsocket\n"));
  // Outside a batch: no batch, no socket.
  CHECK_THAT(out, Catch::Contains(run.uuid + "\tfinished\t2023-11-14T22:13:20Z\t2023-11-14T22:13:25Z\t"
                                             "ber_vs_temperature\tMLA-7\t-\t-\t-\n"));
  CHECK(run_cli({"runs", "--db", db, "--dut", "OTHER", "--no-header"}, out, err) == 0);
  CHECK(out.empty());
  CHECK(run_cli({"runs", "--db", db, "--status", "finished", "--json"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)[0]["uuid"] == run.uuid);
  CHECK(run_cli({"runs", "--db", db, "--status", "sleeping"}, out, err) == 2);
  CHECK(run_cli({"runs", "--db", (tmp.dir() / "nope.sqlite").string()}, out, err) == 1);

  CHECK(run_cli({"show", run.uuid.substr(0, 8), "--db", db}, out, err) == 0);
  CHECK_THAT(out, Catch::Contains("run         " + run.uuid));
  CHECK_THAT(out, Catch::Contains("sha256 " + run.script_sha256));
  CHECK_THAT(out, Catch::Contains("ber_upper_95"));
  CHECK(run_cli({"show", "ffffffff-0000", "--db", db}, out, err) == 1);
  CHECK_THAT(err, Catch::Contains("no run matches"));
  CHECK(run_cli({"show", "--db", db}, out, err) == 2);  // RUN missing

  auto file = tmp.dir() / "export.csv";
  CHECK(run_cli({"export", run.uuid, "--db", db, "--format", "csv", "--out", file.string()}, out, err) == 0);
  auto rows = parse_csv(slurp(file));
  CHECK(rows.size() == 4);
  CHECK_FALSE(std::filesystem::exists(file.string() + ".partial"));
  CHECK(run_cli({"export", run.uuid, "--db", db, "--format", "json"}, out, err) == 0);
  CHECK(nlohmann::json::parse(out)["run"]["uuid"] == run.uuid);
  CHECK(run_cli({"export", run.uuid, "--db", db, "--format", "xml"}, out, err) == 2);
  CHECK(run_cli({"export", run.uuid, "--db", db, "--table", "results"}, out, err) == 0);
  CHECK(parse_csv(out).size() == 2);
}

TEST_CASE("JSON export and runs --json replace bytes that are not UTF-8 instead of aborting") {
  // Stored by an older ledlab, or by a script that logged raw instrument bytes.
  test::TempDb tmp;
  {
    auto store = Store::open(tmp.path()).value();
    auto run = store->begin_run({.sequence = "burn_in", .script_text = "soak()", .operator_name = "J\xf6rg"}).value();
    REQUIRE(store->log_event(run.id, {.kind = EventKind::info, .source = "script", .message = "raw \xff byte"}));
    REQUIRE(store->end_run(run.id, RunStatus::finished));
  }
  auto reader = Reader::open(tmp.path()).value();
  std::ostringstream out;
  REQUIRE(export_json(reader, reader.list_runs().value().at(0), out));
  CHECK_THAT(out.str(), Catch::Contains("\"operator\":\"J\xef\xbf\xbdrg\"") && Catch::Contains("raw \xef\xbf\xbd byte"));

  std::string listed, err;
  CHECK(run_cli({"runs", "--db", tmp.path().string(), "--json"}, listed, err) == 0);
  CHECK_THAT(listed, Catch::Contains("J\xef\xbf\xbdrg"));
}
