// The Results tab's table: values with their qualifier, one column per condition the results
// were taken at, the verdict in `ledlab show`'s words; sorted by any column, filtered by
// verdict, name, lane and text, and exported to CSV exactly as shown.
#include "../db/temp_db.hpp"
#include "gui/core/result_table.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace ledlab;
using gui::ColumnKind;
using gui::ResultFilter;
using gui::ResultOrder;
using gui::ResultTable;
using Rows = std::vector<std::size_t>;

namespace {

std::vector<db::ResultRecord> results() {
  return {
      {.name = "l70_h", .lane = 2, .value = 6000.19, .unit = "h", .qualifier = db::Qualifier::at_least},
      {.name = "ber_upper", .lane = 1, .value = 5e-12, .unit = "1", .upper_limit = 1e-12, .extra_json = R"({"temperature_c":85,"errors":3})"},
      {.name = "f3db_hz", .lane = 3, .value = 8.7e8, .unit = "Hz", .extra_json = R"({"drive_current_a":0.005,"method":"free_rc"})"},
      {.name = "ber_upper", .lane = 4, .value = 0.5, .unit = "1", .verdict = db::Verdict::dead, .extra_json = R"({"temperature_c":25})"},
      {.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 0.5, .extra_json = R"({"temperature_c":85,"drive_current_a":0.005})"},
      {.name = "ber_upper", .lane = 2, .value = 1e-13, .unit = "1", .upper_limit = 1e-12, .extra_json = R"({"temperature_c":25})"},
  };
}

// The column titles in order.
std::vector<std::string> titles(const ResultTable& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns()) out.push_back(c.title);
  return out;
}

std::size_t column(const ResultTable& t, const std::string& title) {
  for (std::size_t c = 0; c < t.columns().size(); ++c)
    if (t.columns()[c].title == title) return c;
  FAIL("no column " << title);
  return 0;
}

}  // namespace

TEST_CASE("a capped lifetime reads '>' in the Results tab, an exact value none") {
  const auto r = results();
  CHECK(gui::result_value(r[0]) == "> 6000 h");
  CHECK(gui::result_value(r[2]) == "870 MHz");
}

TEST_CASE("the Results tab has one column per condition key the results name, in a fixed order") {
  const ResultTable t(results());
  // errors and method are details of the result, not conditions: no column for them.
  CHECK(titles(t) == std::vector<std::string>{"name", "lane", "temperature_c", "drive_current_a", "value", "verdict"});
  CHECK(t.columns()[2].kind == ColumnKind::condition);
  CHECK(t.columns()[2].unit == "C");
  CHECK(t.cell(1, 2) == "85.0 C");
  CHECK(t.cell(4, 3) == "5.00 mA");
  CHECK(t.cell(0, 2).empty());
  CHECK(t.cell(4, 1) == "array");
  CHECK(t.cell(1, 1) == "1");
  CHECK(t.condition(4, 3) == 0.005);
  CHECK_FALSE(t.condition(0, 2));
  CHECK(t.condition_column("drive_current_a") == 3u);
  CHECK_FALSE(t.condition_column("bias_a"));
  // A table of results without conditions has none of those columns.
  CHECK(titles(ResultTable({results()[0]})) == std::vector<std::string>{"name", "lane", "value", "verdict"});
}

TEST_CASE("the Results tab's verdict column uses the verdict model's four words") {
  const ResultTable t(results());
  const std::size_t v = column(t, "verdict");
  CHECK(t.cell(1, v) == "FAIL");
  CHECK(t.cell(3, v) == "dead");
  CHECK(t.cell(4, v) == "pass");
  CHECK(t.cell(2, v) == "not judged");
}

TEST_CASE("the Results tab filters by verdict, result name, lane and text") {
  const ResultTable t(results());
  CHECK(t.rows({.verdict = db::Verdict::fail}, {}) == Rows{1});
  CHECK(t.rows({.verdict = db::Verdict::dead}, {}) == Rows{3});
  CHECK(t.rows({.verdict = db::Verdict::not_judged}, {}) == Rows{2, 0});
  CHECK(t.rows({}, {}).size() == t.size());
  CHECK(t.rows({.name = "ber_upper"}, {}) == Rows{1, 5, 3});
  CHECK(t.rows({.lane = 0}, {}) == Rows{4});
  CHECK(t.rows({.lane = 2}, {}) == Rows{5, 0});
  // Text is matched against every cell as shown, ignoring case: "85.0 C" and "FAIL".
  CHECK(t.rows({.text = "85.0 c"}, {}) == Rows{4, 1});
  CHECK(t.rows({.text = "fail"}, {}) == Rows{1});
  CHECK(t.rows({.text = "MHz"}, {}) == Rows{2});
  // Filters combine.
  CHECK(t.rows({.verdict = db::Verdict::pass, .name = "ber_upper", .text = "25"}, {}) == Rows{5});
  CHECK(t.rows({.name = "no such result"}, {}).empty());
  CHECK(t.names() == std::vector<std::string>{"array_pass", "ber_upper", "f3db_hz", "l70_h"});
}

TEST_CASE("the Results tab sorts by any column either way, missing conditions last") {
  const ResultTable t(results());
  // By name, then lane: array_pass, ber_upper lanes 1, 2, 4, f3db_hz, l70_h.
  CHECK(t.rows({}, {.column = column(t, "name")}) == Rows{4, 1, 5, 3, 2, 0});
  // Descending reverses the column, not the ties: lanes still ascend within a name.
  CHECK(t.rows({}, {.column = column(t, "name"), .descending = true}) == Rows{0, 2, 1, 5, 3, 4});
  // The array's own results before lane 1.
  CHECK(t.rows({}, {.column = column(t, "lane")}) == Rows{4, 1, 5, 0, 2, 3});
  CHECK(t.rows({}, {.column = column(t, "value")}) == Rows{5, 1, 3, 4, 0, 2});
  CHECK(t.rows({}, {.column = column(t, "value"), .descending = true}) == Rows{2, 0, 4, 3, 1, 5});
  // Failures first, then passes, dead, not judged.
  CHECK(t.rows({}, {.column = column(t, "verdict")}) == Rows{1, 4, 5, 3, 2, 0});
  // By temperature, either way; results without one stay at the end (ties by name, lane).
  const std::size_t temperature = column(t, "temperature_c");
  CHECK(t.rows({}, {.column = temperature}) == Rows{5, 3, 4, 1, 2, 0});
  CHECK(t.rows({}, {.column = temperature, .descending = true}) == Rows{4, 1, 5, 3, 2, 0});
  CHECK(t.rows({}, {.column = column(t, "drive_current_a"), .descending = true}) == Rows{4, 2, 1, 5, 3, 0});
}

TEST_CASE("a NaN value sorts last whichever the direction") {
  auto r = results();
  r[3].value = std::nan("");
  const ResultTable t(r);
  const std::size_t value = column(t, "value");
  CHECK(t.rows({}, {.column = value}).back() == 3);
  CHECK(t.rows({}, {.column = value, .descending = true}).back() == 3);
}

TEST_CASE("the Results export holds exactly the rows shown, in the order shown, as numbers") {
  const ResultTable t(results());
  const Rows shown = t.rows({.text = "ber"}, {.column = column(t, "temperature_c"), .descending = true});
  REQUIRE(shown == Rows{1, 5, 3});
  CHECK(t.csv(shown) ==
        "name,lane,temperature_c,drive_current_a,value,qualifier,unit,verdict\r\n"
        "ber_upper,1,85,,5e-12,,1,fail\r\n"
        "ber_upper,2,25,,1e-13,,1,pass\r\n"
        "ber_upper,4,25,,0.5,,1,dead\r\n");
  // The array's own result has no lane; a capped lifetime keeps its qualifier; a NaN is "nan".
  auto r = results();
  r[0].value = 6000.19;
  r[2].value = std::nan("");
  r[2].unit = "Hz, \"fitted\"";  // RFC 4180: quoted, inner quotes doubled
  const ResultTable u(r);
  CHECK(u.csv(Rows{4, 0, 2}) ==
        "name,lane,temperature_c,drive_current_a,value,qualifier,unit,verdict\r\n"
        "array_pass,,85,0.005,1,,1,pass\r\n"
        "l70_h,2,,,6000.19,>,h,not_judged\r\n"
        "f3db_hz,3,,0.005,nan,,\"Hz, \"\"fitted\"\"\",not_judged\r\n");
  CHECK(u.csv(Rows{}) == "name,lane,temperature_c,drive_current_a,value,qualifier,unit,verdict\r\n");
}

TEST_CASE("the Results export writes the file named, or says which file it could not write") {
  db::test::TempDb tmp;
  const ResultTable t(results());
  const Rows shown = t.rows({.verdict = db::Verdict::fail}, {});
  const auto path = tmp.dir() / "results.csv";
  REQUIRE(t.write_csv(path, shown));
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == t.csv(shown));

  const auto bad = tmp.dir() / "no such folder" / "results.csv";
  const auto failed = t.write_csv(bad, shown);
  REQUIRE_FALSE(failed);
  CHECK_THAT(failed.error().describe(), Catch::Contains(bad.string()));
  const auto unnamed = t.write_csv("", shown);
  REQUIRE_FALSE(unnamed);
  CHECK_THAT(unnamed.error().describe(), Catch::Contains("no file name"));
}
