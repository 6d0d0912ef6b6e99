// Schema 5: every result carries one verdict (pass, fail, dead, not judged) and a qualifier
// ("", ">", "<"); a schema 4 store migrates with its pass column read as the verdict and its
// dead lanes' results (extra.dead) counted dead, no longer failed.
#include "db/reader.hpp"
#include "db/schema.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;
using namespace ledlab::db;

namespace {

Connection open_rw(const std::string& path) {
  auto c = Connection::open(path, Connection::Mode::read_write_create);
  REQUIRE(c);
  return std::move(*c);
}

// The pass column as stored: 1, 0 or -1 for NULL.
std::int64_t stored_pass(Reader& reader, std::int64_t result_id) {
  return reader.connection()
      .query_int("SELECT coalesce(pass, -1) FROM results WHERE result_id = " + std::to_string(result_id))
      .value();
}

}  // namespace

TEST_CASE("a schema 4 store migrates to 5: pass 1/0/NULL become pass/fail/not_judged and dead lanes become dead") {
  test::TempDb tmp;
  {
    auto conn = open_rw(tmp.path().string());
    REQUIRE(migrate(conn, 4));
    REQUIRE(conn.exec(
        "INSERT INTO runs(uuid, sequence, script_text, script_sha256, host, ledlab_version, started_s, ended_s, status) "
        "VALUES ('0ld00000-0000-4000-8000-000000000004', 'burn_in', 'x', 'x', 'bench-pc', '0.4', 100, 200, 'finished')"));
    REQUIRE(conn.exec(
        "INSERT INTO results(run_id, name, lane, value, unit, lower_limit, upper_limit, pass, extra, t_s) VALUES "
        "(1, 'f3db_hz', 1, 1e9, 'Hz', 5e8, NULL, 1, '{}', 150),"
        "(1, 'f3db_hz', 2, 1e8, 'Hz', 5e8, NULL, 0, '{}', 150),"
        "(1, 'f3db_median_hz', NULL, 9e8, 'Hz', NULL, NULL, NULL, '{}', 150),"
        "(1, 'lane_failed', 3, 1, '1', NULL, 0, 0, '{\"dead\":true,\"note\":\"no light\"}', 150),"
        "(1, 'lane_failed', 4, 0, '1', NULL, 0, 1, '{\"dead\":false}', 150),"
        "(1, 'odd', 5, 0, '1', NULL, NULL, 1, 'not json', 150)"));
    REQUIRE(conn.exec("INSERT INTO superseded_results(run_id, name, lane, value, pass, extra, t_s, superseded_s) "
                      "VALUES (1, 'lane_failed', 6, 1, 0, '{\"dead\":true}', 120, 130)"));
  }
  auto store = Store::open(tmp.path());
  REQUIRE(store);
  REQUIRE((*store)->close());

  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  CHECK(schema_version(reader->connection()).value() == kSchemaVersion);  // through 5 to the current one
  const auto results = reader->results(1).value();
  REQUIRE(results.size() == 6);
  CHECK(results[0].verdict == Verdict::pass);
  CHECK(results[1].verdict == Verdict::fail);
  CHECK(results[2].verdict == Verdict::not_judged);
  CHECK(results[3].verdict == Verdict::dead);
  CHECK(stored_pass(*reader, results[3].id) == -1);  // no longer counted failed by a reader of `pass`
  CHECK(results[4].verdict == Verdict::pass);
  CHECK(results[5].verdict == Verdict::pass);  // extra that is not JSON does not stop the migration
  for (const auto& r : results) CHECK(r.qualifier == Qualifier::exact);
  CHECK(reader->totals(1)->results_failed == 1);
  CHECK(reader->connection().query_text("SELECT verdict FROM superseded_results").value() == "dead");
}

TEST_CASE("a result's verdict and qualifier are stored and read back, with pass kept equal to the verdict") {
  test::TempDb tmp;
  auto store = Store::open(tmp.path());
  REQUIRE(store);
  auto run = (*store)->begin_run({.sequence = "burn_in", .script_text = "x"});
  REQUIRE(run);
  // Capped at the projection limit: at least 6000 h, and it passes its lower limit.
  ResultRecord l70{.name = "l70_h", .lane = 1, .value = 6000, .unit = "h", .lower_limit = 1000, .qualifier = Qualifier::at_least};
  // A dead lane fails its limit on value but counts dead, not failed.
  ResultRecord dead{.name = "lane_failed", .lane = 2, .value = 1, .unit = "1", .upper_limit = 0, .verdict = Verdict::dead};
  ResultRecord bound{.name = "ber_upper", .lane = 3, .value = 1e-12, .unit = "1", .qualifier = Qualifier::at_most};
  ResultRecord failed{.name = "ber_upper", .lane = 4, .value = 1e-9, .unit = "1", .upper_limit = 1e-12};
  for (const auto& r : {l70, dead, bound, failed}) REQUIRE((*store)->record_result(run->id, r));
  REQUIRE((*store)->end_run(run->id, RunStatus::finished));
  REQUIRE((*store)->close());

  auto reader = Reader::open(tmp.path());
  REQUIRE(reader);
  const auto results = reader->results(run->id).value();
  REQUIRE(results.size() == 4);
  CHECK(results[0].verdict == Verdict::pass);
  CHECK(results[0].qualifier == Qualifier::at_least);
  CHECK(stored_pass(*reader, results[0].id) == 1);
  CHECK(results[1].verdict == Verdict::dead);
  CHECK(stored_pass(*reader, results[1].id) == -1);
  CHECK(results[2].verdict == Verdict::not_judged);
  CHECK(results[2].qualifier == Qualifier::at_most);
  CHECK(results[3].verdict == Verdict::fail);
  CHECK(stored_pass(*reader, results[3].id) == 0);
  CHECK(reader->totals(run->id)->results_failed == 1);  // the dead lane is not also a failure
}

TEST_CASE("the schema refuses a qualifier or verdict it does not know") {
  auto conn = open_rw(":memory:");
  REQUIRE(migrate(conn));
  REQUIRE(conn.exec("INSERT INTO runs(uuid, sequence, script_text, script_sha256, host, ledlab_version, started_s, status) "
                    "VALUES ('u', 's', 'x', 'x', 'h', 'v', 1, 'running')"));
  CHECK(conn.exec("INSERT INTO results(run_id, name, value, t_s, qualifier) VALUES (1, 'a', 1, 1, '>')"));
  CHECK_FALSE(conn.exec("INSERT INTO results(run_id, name, value, t_s, qualifier) VALUES (1, 'a', 1, 1, '>=')"));
  CHECK_FALSE(conn.exec("INSERT INTO results(run_id, name, value, t_s, verdict) VALUES (1, 'a', 1, 1, 'maybe')"));
}

TEST_CASE("verdict and qualifier names read back as what they were written as") {
  for (auto v : {Verdict::pass, Verdict::fail, Verdict::dead, Verdict::not_judged})
    CHECK(parse_verdict(to_string(v)).value() == v);
  for (auto q : {Qualifier::exact, Qualifier::at_least, Qualifier::at_most})
    CHECK(parse_qualifier(to_string(q)).value() == q);
  CHECK(to_string(Qualifier::at_least) == ">");
  CHECK_FALSE(parse_verdict("FAIL"));
  CHECK(judge(1.0, std::nullopt, std::nullopt) == Verdict::not_judged);
  CHECK(judge(std::nan(""), 0.0, std::nullopt) == Verdict::fail);  // NaN never passes a limit
}
