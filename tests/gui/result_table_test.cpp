// The Results tab's rows: values with their qualifier, the conditions they were taken at, the
// verdict in `ledlab show`'s words, sorted by any column and filtered by verdict.
#include "gui/core/result_table.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;
using gui::ResultColumn;

namespace {

std::vector<db::ResultRecord> results() {
  return {
      {.name = "l70_h", .lane = 2, .value = 6000.19, .unit = "h", .qualifier = db::Qualifier::at_least},
      {.name = "ber_upper", .lane = 1, .value = 5e-12, .unit = "1", .upper_limit = 1e-12, .extra_json = R"({"temperature_c":85})"},
      {.name = "f3db_hz", .lane = 3, .value = 8.7e8, .unit = "Hz", .extra_json = R"({"drive_current_a":0.005})"},
      {.name = "ber_upper", .lane = 4, .value = 0.5, .unit = "1", .verdict = db::Verdict::dead, .extra_json = R"({"temperature_c":25})"},
      {.name = "array_pass", .value = 1, .unit = "1", .lower_limit = 0.5, .extra_json = R"({"temperature_c":85,"drive_current_a":0.005})"},
      {.name = "ber_upper", .lane = 2, .value = 1e-13, .unit = "1", .upper_limit = 1e-12, .extra_json = R"({"temperature_c":25})"},
  };
}

}  // namespace

TEST_CASE("a capped lifetime reads '>' in the Results tab, an exact value none") {
  const auto r = results();
  CHECK(gui::result_value(r[0]) == "> 6000 h");
  CHECK(gui::result_value(r[2]) == "870 MHz");
}

TEST_CASE("the Results tab names the conditions a result was taken at") {
  const auto r = results();
  CHECK(gui::result_conditions(r[1]) == "85.0 C");
  CHECK(gui::result_conditions(r[4]) == "85.0 C, 5.00 mA");
  CHECK(gui::result_conditions(r[0]).empty());
}

TEST_CASE("the Results tab's verdict column uses the verdict model's four words") {
  const auto r = results();
  CHECK(gui::result_verdict(r[1]) == "FAIL");
  CHECK(gui::result_verdict(r[3]) == "dead");
  CHECK(gui::result_verdict(r[4]) == "pass");
  CHECK(gui::result_verdict(r[2]) == "not judged");
}

TEST_CASE("the Results tab filters by verdict") {
  const auto r = results();
  CHECK(gui::result_rows(r, db::Verdict::fail, ResultColumn::name, false) == std::vector<std::size_t>{1});
  CHECK(gui::result_rows(r, db::Verdict::dead, ResultColumn::name, false) == std::vector<std::size_t>{3});
  CHECK(gui::result_rows(r, db::Verdict::not_judged, ResultColumn::name, false) == std::vector<std::size_t>{2, 0});
  CHECK(gui::result_rows(r, std::nullopt, ResultColumn::name, false).size() == r.size());
}

TEST_CASE("the Results tab sorts by name, lane, value and verdict, either way") {
  const auto r = results();
  // By name, then lane: array_pass, ber_upper lanes 1, 2, 4, f3db_hz, l70_h.
  CHECK(gui::result_rows(r, std::nullopt, ResultColumn::name, false) == std::vector<std::size_t>{4, 1, 5, 3, 2, 0});
  // The array's own results before lane 1.
  CHECK(gui::result_rows(r, std::nullopt, ResultColumn::lane, false) == std::vector<std::size_t>{4, 1, 5, 0, 2, 3});
  CHECK(gui::result_rows(r, std::nullopt, ResultColumn::value, false) == std::vector<std::size_t>{5, 1, 3, 4, 0, 2});
  CHECK(gui::result_rows(r, std::nullopt, ResultColumn::value, true) == std::vector<std::size_t>{2, 0, 4, 3, 1, 5});
  // Failures first, then passes, dead, not judged.
  const auto by_verdict = gui::result_rows(r, std::nullopt, ResultColumn::verdict, false);
  CHECK(by_verdict == std::vector<std::size_t>{1, 4, 5, 3, 2, 0});
}
