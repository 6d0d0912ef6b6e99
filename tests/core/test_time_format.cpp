// Times as the CLI takes them (--from / --to): unix seconds or ISO 8601 UTC, nothing guessed.
#include "core/time_format.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;

TEST_CASE("a time is unix seconds or UTC as ledlab prints it, and reads back what iso_utc wrote") {
  CHECK(parse_utc("1700000000.25").value() == 1700000000.25);
  CHECK(parse_utc("2023-11-14T22:13:20Z").value() == 1700000000.0);
  CHECK(parse_utc("2023-11-14T22:13:20.25Z").value() == 1700000000.25);
  CHECK(parse_utc("2023-11-14T22:13Z").value() == 1700000000.0 - 20);
  CHECK(parse_utc("2023-11-14").value() == 1700000000.0 - (22 * 3600 + 13 * 60 + 20));
  CHECK(parse_utc("2024-02-29").value() == 1709164800.0);
  CHECK(parse_utc(iso_utc(1700000000.0)).value() == 1700000000.0);
}

TEST_CASE("a time that is not UTC, not a date or not finite is refused, naming the text") {
  for (const char* bad : {"", "yesterday", "2023-11-14T22:13:20", "2023-11-14T22:13:20+01:00", "2023-02-29",
                          "2023-13-01", "2023-11-14T25:00Z", "2023-11-14 22:13:20Z", "2023-11-14T22:13:20.Z", "inf",
                          "nan", "1e400"}) {
    auto t = parse_utc(bad);
    INFO(bad);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == Errc::invalid_argument);
    CHECK_THAT(t.error().message, Catch::Contains(std::string("time '") + bad + "'"));
  }
}
