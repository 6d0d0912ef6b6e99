// The station file's [lab] table: its keys, their defaults and its errors (file, line, key).
#include "engine/station_config.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace ledlab;

namespace {

constexpr const char* kInstrument = "[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\n";

}  // namespace

TEST_CASE("a station file's [lab] table names the lab database and the station the store ships as") {
  auto st = engine::parse_station(std::string(kInstrument) +
                                      "[lab]\nurl = \"postgresql://ledlab_station_a@db/ledlab\"\nstation = \"bench-3\"\n",
                                  "bench.toml");
  REQUIRE(st);
  CHECK(st->lab.url == "postgresql://ledlab_station_a@db/ledlab");
  CHECK(st->lab.url_line == 5);
  CHECK(st->lab.station == "bench-3");
  CHECK(st->lab.enabled);
}

TEST_CASE("without [lab] a station ships as its own name, when a lab database is named elsewhere") {
  auto st = engine::parse_station(std::string("[station]\nname = \"rack-1\"\n") + kInstrument, "rack.toml");
  REQUIRE(st);
  CHECK(st->lab.url.empty());
  CHECK(st->lab.station == "rack-1");
  CHECK(st->lab.enabled);
}

TEST_CASE("[lab] errors name the file, the line and the key") {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"[lab]\nurl = 5\n", "bad.toml:2: lab.url: expected a non-empty string"},
      {"[lab]\nenabled = \"yes\"\n", "bad.toml:2: lab.enabled: expected true or false"},
      {"[lab]\npassword = \"x\"\n", "bad.toml:2: lab.password: unknown key (url, station, enabled)"},
      {"lab = 3\n", "bad.toml:1: lab: expected a table"},
      {"[lab]\nstation = \"\"\n", "bad.toml:2: lab.station: expected a non-empty string"},
  };
  for (const auto& c : cases) {
    auto st = engine::parse_station(std::string(c.text) + kInstrument, "bad.toml");
    INFO(c.text);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::config);
    CHECK_THAT(st.error().message, Catch::Contains(c.expect));
  }
}
