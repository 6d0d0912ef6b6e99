#include "engine/bench_settings.hpp"
#include "engine/station_config.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
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

TEST_CASE("a serial instrument's session takes its terminators from the address, and a bad serial option names the line") {
  auto st = parse_station("[instruments.chamber]\nkind = \"thermal_chamber\"\ndriver = \"espec\"\n"
                          "address = \"serial:///dev/ttyUSB0?baud=9600&wterm=crlf&rterm=cr\"\n",
                          "serial.toml");
  REQUIRE(st);
  REQUIRE(st->instruments.size() == 1);
  CHECK(st->instruments[0].session.write_terminator == "\r\n");
  CHECK(st->instruments[0].session.read_terminator == '\r');
  auto bad = parse_station("[instruments.chamber]\nkind = \"thermal_chamber\"\n"
                           "address = \"serial:///dev/ttyUSB0?baud=9601\"\n",
                           "serial.toml");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message, Catch::Contains("serial.toml:3: instruments.chamber.address"));
  CHECK_THAT(bad.error().message, Catch::Contains("baud='9601'"));
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

namespace {

// A station with each kind of instrument, and `extra` lines appended to the table they follow.
std::string station_with(const std::string& station_keys, const std::string& chamber_keys = {},
                         const std::string& pg_keys = {}, const std::string& tail = {}) {
  return "[station]\nname = \"s\"\n" + station_keys +
         "\n[instruments.chamber]\nkind = \"thermal_chamber\"\naddress = \"tcp://h:1\"\nlimits = { min_c = -40, max_c = 125 }\n" +
         chamber_keys + "\n[instruments.pg]\nkind = \"pattern_generator\"\naddress = \"tcp://h:2\"\n" + pg_keys + "\n" + tail;
}

void check_refused(const std::string& text, const std::string& expect) {
  auto st = parse_station(text, "s.toml");
  INFO(text);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::config);
  CHECK_THAT(st.error().message, Catch::Contains(expect));
}

}  // namespace

TEST_CASE("a NaN or infinity anywhere in a station file is refused with the file, line and key") {
  // Each of these once switched a safety check off: NaN compares false with every limit.
  check_refused(station_with("", "", "limits = { max_current_a = nan }"), "s.toml:12: instruments.pg.limits.max_current_a");
  check_refused(station_with("", "", "limits = { max_current_a = nan }"), "must be a finite number, not nan");
  check_refused(station_with("safe_temperature_c = nan"), "s.toml:3: station.safe_temperature_c: must be a finite number");
  check_refused(station_with("time_scale = nan"), "s.toml:3: station.time_scale: must be a finite number");
  check_refused(station_with("time_scale = inf"), "s.toml:3: station.time_scale");
  check_refused(station_with("", "", "", "[interlocks.hot]\nkind = \"over_temperature\"\ninstrument = \"chamber\"\nmax_c = nan\n"),
                "s.toml:16: interlocks.hot.max_c: must be a finite number");
  check_refused(station_with("", "", "", "[bench.chamber]\ntime_constant_s = -inf\n"),
                "s.toml:14: bench.chamber.time_constant_s: must be a finite number");
  check_refused(station_with("", "options = { window_c = nan }"), "s.toml:8: instruments.chamber.options.window_c");
}

TEST_CASE("a safe temperature outside the chamber's range is refused, not clamped") {
  // From [station]: the error names the station key and the chamber whose range it misses.
  check_refused(station_with("safe_temperature_c = 1000"), "s.toml:3: station.safe_temperature_c: for instruments.chamber:");
  check_refused(station_with("safe_temperature_c = 1000"), "1000 C is outside the chamber's range [-40, 125]");
  check_refused(station_with("safe_temperature_c = -50"), "outside the chamber's range [-40, 125]");
  // The chamber's own option, against its limits and, without limits, the thermostream's -99.9 .. 225 C.
  check_refused(station_with("", "options = { safe_temperature_c = 130 }"),
                "s.toml:8: instruments.chamber.options.safe_temperature_c: 130 C is outside the chamber's range");
  check_refused("[instruments.c]\nkind = \"thermal_chamber\"\naddress = \"tcp://h:1\"\noptions = { safe_temperature_c = 300 }\n",
                "[-99.9, 225]");
  CHECK(parse_station(station_with("safe_temperature_c = 125"), "s.toml"));
}

TEST_CASE("the time scale of a station file is a number above 0 and at most 1e7") {
  check_refused(station_with("time_scale = 1e20"), "s.toml:3: station.time_scale: must be > 0 and <= 1e+07, not 1e+20");
  check_refused(station_with("time_scale = 0"), "station.time_scale: must be > 0");
  auto fastest = parse_station(station_with("time_scale = 1e7"), "s.toml");
  REQUIRE(fastest);
  CHECK(fastest->time_scale == 1e7);
  CHECK(engine::time_scale_problem(1e7).empty());
  CHECK_THAT(engine::time_scale_problem(std::nan("")), Catch::Contains("must be > 0 and <= 1e+07"));
  CHECK_FALSE(engine::time_scale_problem(1e20).empty());
}

TEST_CASE("a misspelt limit, option or station key is refused by name instead of ignored") {
  check_refused(station_with("", "", "limits = { max_curent_a = 0.02 }"),
                "s.toml:12: instruments.pg.limits.max_curent_a: unknown key for a pattern_generator (known: max_current_a");
  check_refused(station_with("safe_temprature_c = 25"), "s.toml:3: station.safe_temprature_c: unknown key");
  check_refused(station_with("", "options = { soak = 10 }"), "instruments.chamber.options.soak: unknown key");
}

TEST_CASE("limits and options outside their kind's range are refused with the range") {
  check_refused(station_with("", "", "limits = { max_current_a = -0.02 }"),
                "instruments.pg.limits.max_current_a: must be > 0 and <= 10, not -0.02");
  check_refused(station_with("", "", "options = { drive_resistance_ohm = 0 }"), "pg.options.drive_resistance_ohm: must be > 0");
  check_refused(station_with("", "", "limits = { max_frequency_hz = 1e9 }\noptions = { frequency_hz = 2e9 }"),
                "pg.options.frequency_hz: 2000000000 Hz is above limits.max_frequency_hz");
  check_refused("[instruments.c]\nkind = \"thermal_chamber\"\naddress = \"tcp://h:1\"\nlimits = { min_c = 50, max_c = 40 }\n",
                "s.toml:4: instruments.c.limits.min_c: 50 is above max_c = 40");
  check_refused("[instruments.b]\nkind = \"bert\"\naddress = \"tcp://h:1\"\noptions = { lanes = 2.5 }\n",
                "s.toml:4: instruments.b.options.lanes: must be a whole number >= 1 and <= 100000, not 2.5");
  check_refused("[instruments.b]\nkind = \"bert\"\naddress = \"tcp://h:1\"\noptions = { prbs_order = 9 }\n",
                "instruments.b.options.prbs_order: PRBS9 is not one of 7, 15, 23, 31");
  check_refused("[instruments.b]\nkind = \"bert\"\naddress = \"tcp://h:1\"\nreconnect_attempts = 10000000000\n",
                "s.toml:4: instruments.b.reconnect_attempts: expected an integer from 0 to 1000");
  check_refused("[instruments.b]\nkind = \"bert\"\naddress = \"tcp://h:1\"\ntimeout_ms = 1e3\n",
                "instruments.b.timeout_ms: expected a positive integer");
  check_refused(station_with("heartbeat_s = -1"), "station.heartbeat_s: must be >= 0");
  check_refused(station_with("environment_log_s = 0.5"), "station.environment_log_s: 0.5 s: 0 (off) or 1 to 86400 s");
  check_refused(station_with("environment_log_s = nan"), "station.environment_log_s");
  check_refused(station_with("link_recovery_s = 1e9"), "station.link_recovery_s: must be >= 0 and <= 604800");
}

TEST_CASE("an interlock's numbers outside their ranges are refused with the interlock's name") {
  const std::string lock = "[interlocks.band]\nkind = \"chamber_band\"\ninstrument = \"chamber\"\n";
  check_refused(station_with("", "", "", lock + "band_c = 0\n"), "interlock 'band': band_c must be > 0 and <= 100, not 0");
  check_refused(station_with("", "", "", lock + "poll_s = 1e9\n"), "interlock 'band': poll_s must be > 0 and <= 86400");
  check_refused(station_with("", "", "", lock + "soak_s = -1\n"), "interlock 'band': soak_s must be >= 0");
  // From a script's interlock{...}: NaN arrives as a JSON number.
  nlohmann::json hot{{"name", "hot"}, {"kind", "over_temperature"}, {"instrument", "chamber"}, {"max_c", std::nan("")}};
  auto spec = engine::interlock_from_json(hot, "script");
  REQUIRE_FALSE(spec);
  CHECK_THAT(spec.error().message, Catch::Contains("script: interlock 'hot': max_c must be >= -273.15 and <= 1000, not nan"));
}

TEST_CASE("bench parameters outside their ranges are refused before they reach the model") {
  auto bench = [](const std::string& table) {
    auto st = parse_station(table + "\n[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\n", "b.toml");
    REQUIRE(st);
    return engine::bench_config_from_json(st->bench, st->source);
  };
  auto huge_rows = bench("[bench.array]\nrows = 1e300\n");  // was cast to int: undefined behaviour
  REQUIRE_FALSE(huge_rows);
  CHECK_THAT(huge_rows.error().message, Catch::Contains("bench.array.rows: must be a whole number >= 1 and <= 100000"));
  auto no_time_constant = bench("[bench.chamber]\ntime_constant_s = 0\n");  // divides by zero in the thermal model
  REQUIRE_FALSE(no_time_constant);
  CHECK_THAT(no_time_constant.error().message, Catch::Contains("bench.chamber.time_constant_s: must be >= 0.001"));
  auto swapped = bench("[bench.array]\nweak_power_min = 0.8\nweak_power_max = 0.5\n");
  REQUIRE_FALSE(swapped);
  CHECK_THAT(swapped.error().message, Catch::Contains("bench.array.weak_power_min: 0.8 is above array.weak_power_max"));
  CHECK(bench("[bench.chamber]\ntime_constant_s = 60\n"));
}

TEST_CASE("a source-measure unit without its current and compliance limits is refused with the file, line and key") {
  const std::string smu = "[instruments.smu]\nkind = \"smu\"\naddress = \"tcp://h:3\"\n";
  check_refused(smu + "limits = { max_current_a = 0.02, max_compliance_v = 8 }\n",
                "s.toml:1: instruments.smu.limits.max_compliance_a: required for a source-measure unit");
  check_refused(smu + "limits = { max_current_a = 0.02, max_compliance_v = 8, max_compliance_a = 0.01 }\n"
                      "options = { compliance_v = 9 }\n",
                "instruments.smu.options.compliance_v: 9 is above limits.max_compliance_v = 8");
  check_refused(smu + "limits = { max_current_a = nan, max_compliance_v = 8, max_compliance_a = 0.01 }\n",
                "instruments.smu.limits.max_current_a");
  CHECK(parse_station(smu + "limits = { max_current_a = 0.02, max_compliance_v = 8, max_compliance_a = 0.01 }\n", "s.toml"));
}

TEST_CASE("the BERT's amplitude noise and the recombination temperature laws are set from the station's [bench]") {
  auto bench = [](const std::string& table) {
    auto st = parse_station(table + "\n[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\n", "b.toml");
    REQUIRE(st);
    return engine::bench_config_from_json(st->bench, st->source);
  };
  auto set = bench("[bench.bert]\namplitude_relative_noise = 0.03\namplitude_absolute_noise_w = 2e-11\n"
                   "[bench.array]\na_temperature_exponent = 1.5\nb_temperature_exponent = -1\nc_temperature_exponent = 0\n"
                   "[bench.meter]\nrelative_noise = 0.003\n");
  REQUIRE(set);
  CHECK(set->bert.amplitude_relative_noise == 0.03);
  CHECK(set->bert.amplitude_absolute_noise_w == 2e-11);
  CHECK(set->array.a_temperature_exponent == 1.5);
  CHECK(set->array.b_temperature_exponent == -1);
  CHECK(set->array.c_temperature_exponent == 0);
  CHECK(set->meter.relative_noise == 0.003);
  auto negative = bench("[bench.bert]\namplitude_relative_noise = -0.01\n");
  REQUIRE_FALSE(negative);
  CHECK_THAT(negative.error().message, Catch::Contains("bench.bert.amplitude_relative_noise: must be >= 0"));
  auto unknown = bench("[bench.bert]\nnoise = 0.01\n");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("bench.bert.noise: unknown parameter"));
}

TEST_CASE("the retired straight-line forward voltage keys are refused with the diode key that replaces them") {
  for (const auto& [key, replacement] : {std::pair{"forward_voltage_v", "bench.diode.junction_voltage_at_1ma_v"},
                                         {"series_resistance_ohm", "bench.diode.series_resistance_ohm"}}) {
    auto st = parse_station(fmt::format("[bench.array]\n{} = 3\n[instruments.x]\nkind = \"bert\"\naddress = \"tcp://h:1\"\n", key),
                            "b.toml");
    REQUIRE(st);
    auto bench = engine::bench_config_from_json(st->bench, st->source);
    REQUIRE_FALSE(bench);
    CHECK(bench.error().code == Errc::config);
    CHECK_THAT(bench.error().message, Catch::Contains(fmt::format("bench.array.{}: no longer a parameter", key)));
    CHECK_THAT(bench.error().message, Catch::Contains(replacement));
  }
}
