#include "engine/bench_settings.hpp"
#include "engine/station_config.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace ledlab;
using engine::parse_station;

namespace {
constexpr const char* kGood = R"(
[station]
name = "bench-3"
time_scale = 60

[bench]
seed = 9
[bench.array]
rows = 4
cols = 8

[instruments.chamber]
kind = "thermal_chamber"
driver = "thermostream"
address = "TCPIP0::127.0.0.1::5025::SOCKET"
timeout_ms = 1500
limits = { min_c = -40, max_c = 125 }
sim_setup = ["SIM:FAULT:RAND 0.001,0,0"]
)";
}

TEST_CASE("a station file gives instruments with their limits, timeouts and sim setup") {
  auto st = parse_station(kGood, "bench-3.toml");
  REQUIRE(st);
  CHECK(st->name == "bench-3");
  CHECK(st->time_scale == 60);
  REQUIRE(st->instruments.size() == 1);
  const auto& c = st->instruments[0];
  CHECK(c.name == "chamber");
  CHECK(c.kind == "thermal_chamber");
  CHECK(c.session.timeout.count() == 1500);
  CHECK(c.limit("max_c") == 125);
  CHECK(c.option("safe_temperature_c", -1) == 25);  // inherited from the station
  CHECK(st->twin_setup["chamber"].size() == 1);
  auto bench = engine::bench_config_from_json(st->bench, st->source);
  REQUIRE(bench);
  CHECK(bench->seed == 9);
  CHECK(bench->array.rows == 4);
  CHECK(bench->array.cols == 8);
}

TEST_CASE("station file errors name the file, the line and the key") {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h\"\n", "bad.toml:3: instruments.x.address"},
      {"[instruments.x]\nkind = \"oscilloscope\"\naddress = \"tcp://h:1\"\n", "bad.toml:2: instruments.x.kind"},
      {"[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\ntimeout_ms = \"fast\"\n",
       "bad.toml:4: instruments.x.timeout_ms"},
      {"[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\nlimits = { max_c = \"hot\" }\n",
       "bad.toml:4: instruments.x.limits.max_c"},
      {"[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\ncolour = 3\n", "bad.toml:4: instruments.x.colour: unknown key"},
      {"[station]\nname = \"a\"\n", "instruments: no [instruments.<name>] tables"},
      {"[instruments.x\nkind = 1\n", "bad.toml:1:"},
      {"[stations]\n", "bad.toml:1: stations: unknown table"},
  };
  for (const auto& c : cases) {
    auto st = parse_station(c.text, "bad.toml");
    INFO(c.text);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::config);
    CHECK_THAT(st.error().message, Catch::Contains(c.expect));
  }
}

TEST_CASE("unknown bench parameters are refused by name") {
  auto st = parse_station("[bench.array]\nrowz = 3\n[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\n", "b.toml");
  REQUIRE(st);
  auto bench = engine::bench_config_from_json(st->bench, st->source);
  REQUIRE_FALSE(bench);
  CHECK_THAT(bench.error().message, Catch::Contains("bench.array.rowz: unknown parameter"));
}

TEST_CASE("the station files shipped in sequences/stations parse") {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LEDLAB_SOURCE_DIR "/sequences/stations")) {
    if (entry.path().extension() != ".toml") continue;
    auto st = engine::load_station(entry.path());
    INFO(entry.path());
    REQUIRE(st);
    CHECK(engine::bench_config_from_json(st->bench, st->source));
    ++n;
  }
  CHECK(n >= 1);
}

TEST_CASE("station interlocks are parsed with their settings and defaults") {
  const std::string text = std::string(kGood) + R"(
[interlocks.band]
kind = "chamber_band"
instrument = "chamber"
band_c = 1.5
soak_s = 300

[interlocks.overtemp]
kind = "over_temperature"
instrument = "chamber"
max_c = 130
)";
  auto st = parse_station(text, "lab.toml");
  REQUIRE(st);
  REQUIRE(st->interlocks.size() == 2);
  const auto& band = st->interlocks[0].name == "band" ? st->interlocks[0] : st->interlocks[1];
  const auto& over = st->interlocks[0].name == "band" ? st->interlocks[1] : st->interlocks[0];
  CHECK(band.kind == "chamber_band");
  CHECK(band.band_c == 1.5);
  CHECK(band.soak_s == 300);
  CHECK(band.effective_action() == "suspend");
  CHECK(over.max_c == 130);
  CHECK(over.effective_action() == "abort");
  CHECK_THAT(band.where, Catch::StartsWith("lab.toml:"));
}

TEST_CASE("a bad interlock names the file, line and what is wrong") {
  auto unknown_kind = parse_station(std::string(kGood) + "\n[interlocks.x]\nkind = \"humidity\"\ninstrument = \"chamber\"\n",
                                    "lab.toml");
  REQUIRE_FALSE(unknown_kind);
  CHECK_THAT(unknown_kind.error().message, Catch::Contains("interlock 'x': kind 'humidity' is not one of chamber_band"));
  CHECK_THAT(unknown_kind.error().message, Catch::StartsWith("lab.toml:"));
  auto no_such = parse_station(std::string(kGood) + "\n[interlocks.y]\nkind = \"chamber_band\"\ninstrument = \"oven\"\n",
                               "lab.toml");
  REQUIRE_FALSE(no_such);
  CHECK_THAT(no_such.error().message, Catch::Contains("interlocks.y.instrument: no instrument 'oven'"));
  auto typo = parse_station(std::string(kGood) + "\n[interlocks.z]\nkind = \"chamber_band\"\ninstrument = \"chamber\"\nband = 2\n",
                            "lab.toml");
  REQUIRE_FALSE(typo);
  CHECK_THAT(typo.error().message, Catch::Contains("unknown key 'band'"));
}
