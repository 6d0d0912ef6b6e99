// [sockets.<name>] in a station file: DUT positions and how their lanes reach the instruments.
#include "engine/bench_settings.hpp"
#include "engine/sim_station.hpp"
#include "engine/station_config.hpp"
#include "instruments/sim/bench.hpp"
#include "instruments/sim/wiring.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>

using namespace ledlab;
using engine::parse_station;

namespace {

// Two chambers' worth of instruments: a 1600-channel meter, two BERTs (one 4-channel behind a
// 1600 x 4 switch), two pattern generators and an SMU.
constexpr const char* kInstruments = R"([instruments.chamber]
kind = "thermal_chamber"
address = "tcp://h:1"
limits = { min_c = -40, max_c = 125 }

[instruments.opm]
kind = "power_meter"
address = "tcp://h:2"

[instruments.bert]
kind = "bert"
address = "tcp://h:3"

[instruments.bert4]
kind = "bert"
address = "tcp://h:4"

[instruments.sw]
kind = "optical_switch"
address = "tcp://h:5"

[instruments.pg]
kind = "pattern_generator"
address = "tcp://h:6"

[instruments.pg2]
kind = "pattern_generator"
address = "tcp://h:7"
)";

std::string station(const std::string& sockets) { return std::string(kInstruments) + "\n" + sockets; }

void check_refused(const std::string& sockets, const std::string& expect) {
  const std::string text = station(sockets);
  auto st = parse_station(text, "s.toml");
  INFO(sockets);
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::config);
  CHECK_THAT(st.error().message, Catch::Contains(expect));
}

constexpr const char* kTwoSockets = R"([sockets.B]
rows = 2
cols = 2
chamber = { instrument = "chamber" }
opm = { instrument = "opm", channels = "5-8" }
bert = { instrument = "bert4", switch = "sw", switch_inputs = [5, 6, 7, 8], switch_outputs = "1-2", channels = [3, 4] }
pg = { instrument = "pg2", channels = "1-4" }

[sockets.A]
rows = 2
cols = 2
chamber = { instrument = "chamber" }
opm = { instrument = "opm" }
bert = { instrument = "bert4", switch = "sw", switch_inputs = "1-4", switch_outputs = [1, 2], channels = [3, 4] }
pg = { instrument = "pg" }
)";

}  // namespace

TEST_CASE("sockets are parsed in file order with their roles, channels and switch wiring") {
  auto st = parse_station(station(kTwoSockets), "s.toml");
  INFO((st ? "" : st.error().message));
  REQUIRE(st);
  REQUIRE(st->sockets.size() == 2);
  const auto& b = st->sockets[0];
  const auto& a = st->sockets[1];
  CHECK(b.name == "B");
  CHECK(b.bench_dut == 0);  // its position in the file
  CHECK(a.bench_dut == 1);
  CHECK(b.lane_count() == 4);
  REQUIRE(b.find("opm"));
  CHECK(b.find("opm")->channels == std::vector<int>{5, 6, 7, 8});
  const auto* bert = b.find("bert");
  REQUIRE(bert);
  CHECK(bert->instrument == "bert4");
  CHECK(bert->optical_switch == "sw");
  CHECK(bert->switch_inputs == std::vector<int>{5, 6, 7, 8});
  CHECK(bert->switch_outputs == std::vector<int>{1, 2});
  CHECK(bert->channels == std::vector<int>{3, 4});
  REQUIRE(b.find("chamber"));
  CHECK(b.find("chamber")->channels.empty());
  // Omitted channels: lane n on channel n for a per-lane role; the generator drives the DUT whole.
  CHECK(a.find("opm")->channels == std::vector<int>{1, 2, 3, 4});
  CHECK(a.find("pg")->channels.empty());
  CHECK_FALSE(a.find("smu"));
}

TEST_CASE("a range string gives single channels and ascending ranges") {
  auto st = parse_station(station("[sockets.A]\nrows = 1\ncols = 8\nopm = { instrument = \"opm\", channels = \"1-4, 9,10-12\" }\n"),
                          "s.toml");
  REQUIRE(st);
  CHECK(st->sockets[0].find("opm")->channels == std::vector<int>{1, 2, 3, 4, 9, 10, 11, 12});
}

TEST_CASE("a station without sockets has one implicit socket with every instrument but the switches") {
  auto st = parse_station(kInstruments, "s.toml");
  REQUIRE(st);
  CHECK(st->sockets.empty());
  const auto sockets = engine::station_sockets(*st);
  REQUIRE(sockets.size() == 1);
  CHECK(sockets[0].name == "A");
  CHECK(sockets[0].lane_count() == 0);
  CHECK(sockets[0].roles.size() == 6);
  CHECK_FALSE(sockets[0].find("sw"));
  REQUIRE(sockets[0].find("bert4"));
  CHECK(sockets[0].find("bert4")->instrument == "bert4");
  CHECK(sockets[0].find("bert4")->channels.empty());
}

TEST_CASE("a lane list that does not match rows x cols is refused with the file, line and key") {
  check_refused("[sockets.A]\nrows = 2\ncols = 2\nopm = { instrument = \"opm\", channels = \"1-5\" }\n",
                "s.toml:33: sockets.A.opm.channels: names 5 channels for 4 lanes");
  check_refused("[sockets.A]\nrows = 2\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"1-3\", "
                "switch_outputs = [1] }\n",
                "sockets.A.bert.switch_inputs: names 3 inputs for 4 lanes");
  check_refused("[sockets.A]\nrows = 2\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"1-4\", "
                "switch_outputs = [1, 2], channels = [1] }\n",
                "sockets.A.bert.channels: names 1 channels for 2 switch outputs");
}

TEST_CASE("a channel claimed by two sockets on one instrument is refused naming both") {
  check_refused("[sockets.A]\nrows = 1\ncols = 4\nopm = { instrument = \"opm\", channels = \"1-4\" }\n"
                "[sockets.B]\nrows = 1\ncols = 4\nopm = { instrument = \"opm\", channels = \"4-7\" }\n",
                "sockets.B.opm: channel 4 of 'opm' is already socket A lane 4");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"1-2\", "
                "switch_outputs = [1] }\n"
                "[sockets.B]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"2-3\", "
                "switch_outputs = [1] }\n",
                "sockets.B.bert: input 2 of 'sw' is already socket A lane 2");
  // One switch output cannot be wired to two channels, nor a channel behind a switch be a lane's own.
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"1-2\", "
                "switch_outputs = [1], channels = [1] }\n"
                "[sockets.B]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"3-4\", "
                "switch_outputs = [1], channels = [2] }\n",
                "switch output 1 of 'sw' is wired to bert4 channel 1 in another socket, not bert4 channel 2");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_inputs = \"1-2\", "
                "switch_outputs = [1] }\n"
                "[sockets.B]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", channels = [1, 2] }\n",
                "bert4 channel 1 is behind switch 'sw' output 1 and also socket B lane 1");
}

TEST_CASE("a socket's switch must be an optical switch of the station") {
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"bert\", switch_inputs = \"1-2\", "
                "switch_outputs = [1] }\n",
                "sockets.A.bert.switch: 'bert' is a bert, not an optical_switch");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw9\", switch_inputs = \"1-2\", "
                "switch_outputs = [1] }\n",
                "sockets.A.bert.switch: no instrument 'sw9' in this station");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\npg = { instrument = \"pg\", switch = \"sw\" }\n",
                "sockets.A.pg.switch: the pg is wired electrically: no optical switch");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nbert = { instrument = \"bert4\", switch = \"sw\", switch_outputs = [1] }\n",
                "sockets.A.bert.switch_inputs: missing");
}

TEST_CASE("a role names an instrument of the station, of the kind the role needs") {
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"meter\" }\n",
                "sockets.A.opm.instrument: no instrument 'meter' in this station");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"bert\" }\n",
                "sockets.A.opm.instrument: 'bert' is a bert; the opm role needs a power_meter");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nscope = { instrument = \"bert\" }\n",
                "sockets.A.scope: unknown key (rows, cols, sim_dut, or a role: bert, opm, smu, pg, chamber)");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nchamber = { instrument = \"chamber\", channels = [1, 2] }\n",
                "sockets.A.chamber.channels: the chamber serves the DUT as a whole: no channels");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", chanels = [1, 2] }\n",
                "sockets.A.opm.chanels: unknown key");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\n", "sockets.A: no roles");
}

TEST_CASE("bad numbers in a socket are refused, not clamped or wrapped") {
  check_refused("[sockets.A]\nrows = 0\ncols = 2\nopm = { instrument = \"opm\" }\n", "sockets.A.rows: expected an integer from 1");
  check_refused("[sockets.A]\nrows = 1\ncols = 2.5\nopm = { instrument = \"opm\" }\n", "sockets.A.cols: expected an integer");
  check_refused("[sockets.A]\nrows = 1000\ncols = 1000\nopm = { instrument = \"opm\" }\n", "rows x cols is over 65536 lanes");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = \"2-1\" }\n", "range '2-1' runs backwards");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = \"1-99999999999\" }\n",
                "is not a channel or a range a-b of channels 1 to 1000000");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = \"0,1\" }\n", "'0' is not a channel");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = [1, -2] }\n",
                "sockets.A.opm.channels[1]: expected an integer from 1 to 1000000");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = [3, 3] }\n", "names 3 twice");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = \"1-1000000\" }\n",
                "more than 65536 entries");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nsim_dut = -1\nopm = { instrument = \"opm\" }\n",
                "sockets.A.sim_dut: expected an integer from 0 to 63");
  check_refused("[sockets.A]\nrows = 1\ncols = 2\nsim_dut = 1\nopm = { instrument = \"opm\" }\n"
                "[sockets.B]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\", channels = [3, 4] }\n",
                "sockets.B.sim_dut: bench DUT 1 already sits in socket A");
  check_refused("[sockets.\"A B\"]\nrows = 1\ncols = 2\nopm = { instrument = \"opm\" }\n",
                "a socket's name is 1 to 32 letters, digits");
  check_refused("[sockets]\nA = 3\n", "sockets.A: expected a table");
}

TEST_CASE("the shipped multi-DUT stations give four sockets on the bench's four DUTs, sharing what they say they share") {
  for (const char* file : {"sim_4dut.toml", "sim_4dut_shared.toml"}) {
    INFO(file);
    auto st = engine::load_station(std::string(LEDLAB_SOURCE_DIR) + "/sequences/stations/" + file);
    REQUIRE(st);
    REQUIRE(st->sockets.size() == 4);
    auto config = engine::bench_config_from_json(st->bench, st->source);
    REQUIRE(config);
    sim::Bench bench(*config, Clock::manual());
    auto wiring = engine::wiring_from_sockets(*st, bench);
    REQUIRE(wiring);
    for (int d = 0; d < 4; ++d) {
      const auto& socket = st->sockets[static_cast<std::size_t>(d)];
      CHECK(socket.bench_dut == d);
      CHECK(socket.lane_count() == 400);
      // Lane 1 of the socket is the first lane of its DUT on the shared meter ...
      CHECK((*wiring)->resolve("opm", socket.find("opm")->channels.front()) == static_cast<std::size_t>(400 * d));
      const auto* bert = socket.find("bert");
      REQUIRE(bert);
      if (bert->optical_switch.empty()) {
        // ... and on its own BERT,
        CHECK(bert->instrument == fmt::format("bert_{}", static_cast<char>('a' + d)));
        CHECK((*wiring)->resolve(bert->instrument, 1) == static_cast<std::size_t>(400 * d));
      } else {
        // ... or on the shared BERT once the switch routes its input there.
        CHECK(bert->instrument == "bert");
        (*wiring)->route("sw", bert->switch_inputs.front(), 1);
        CHECK((*wiring)->resolve("bert", 1) == static_cast<std::size_t>(400 * d));
      }
    }
  }
}
