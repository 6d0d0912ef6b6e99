// The pre-flight check in whole runs against the simulated station's twins: a station that
// cannot run a sequence is refused before any instrument is changed, a fallback is recorded
// in the run's provenance, and every shipped sequence declares needs the bench meets.
#include "db/reader.hpp"
#include "engine/preflight.hpp"
#include "engine/run/run_inputs.hpp"
#include "support/run_fixture.hpp"

#include <filesystem>
#include <sstream>

using namespace ledlab;
using nlohmann::json;

namespace {

const std::string kSequences = LEDLAB_SOURCE_DIR "/sequences";

instruments::InstrumentConfig& instrument(engine::StationConfig& s, const std::string& name) {
  for (auto& i : s.instruments)
    if (i.name == name) return i;
  throw std::logic_error("no instrument " + name);
}

engine::SequenceNeeds needs_of(const std::string& path, const lua::Overrides& overrides = {}) {
  auto script = lua::SequenceScript::load_file(path);
  REQUIRE(script);
  auto needs = engine::sequence_needs(*script, overrides);
  INFO((needs ? std::string() : needs.error().describe()));
  REQUIRE(needs);
  return *needs;
}

std::vector<db::EventRecord> preflight_events(db::Reader& reader, db::RunId run) {
  std::vector<db::EventRecord> out;
  auto events = reader.events(run);
  REQUIRE(events);
  for (auto& e : *events)
    if (e.source == "preflight") out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("pre-flight refuses BER vs temperature on a one-lane n4903b and a pm100 before any instrument is changed") {
  test::Twins twins([](engine::StationConfig& s) {
    instrument(s, "bert").driver = "n4903b";
    // What initialize() would send first if the run got that far.
    instrument(s, "bert").options["bit_rate_hz"] = 1e9;
    instrument(s, "bert").options["prbs_order"] = 7;
    instrument(s, "opm").driver = "pm100";
    instrument(s, "chamber").options["safe_temperature_c"] = 30;
  });
  const auto bench = twins.sim->bench();
  const double setpoint_before = bench->chamber_setpoint_c();
  const double window_before = bench->chamber_status().window_c;

  engine::RunRequest req;
  req.script = kSequences + "/ber_vs_temperature.lua";
  req.station = twins.sim->config();
  req.db = test::in_build("preflight_refused.sqlite");
  test::remove_db(req.db.string());
  std::ostringstream out;
  const int code = engine::run_sequence(req, out);
  INFO(out.str());
  CHECK(code == 2);
  CHECK_THAT(out.str(), Catch::Contains("pre-flight, socket A: REFUSED, 2 missing"));
  CHECK_THAT(out.str(), Catch::Contains("missing   bert (instrument bert, driver n4903b): reaches 1 of the 400 lanes"));
  CHECK_THAT(out.str(), Catch::Contains("missing   opm (instrument opm, driver pm100): reaches 1 of the 400 lanes"));
  CHECK_THAT(out.str(), Catch::Contains("fallback  bert (instrument bert, driver n4903b): cannot gate by bits"));

  // The twins saw no setting: bit rate, pattern, setpoint, window and drive are as they were,
  // and no safe state was forced on instruments the run never touched.
  CHECK(bench->bert().bit_rate_hz == 2e9);
  CHECK(bench->bert().prbs_order == 31);
  CHECK(bench->chamber_setpoint_c() == setpoint_before);
  CHECK(bench->chamber_status().window_c == window_before);
  CHECK(bench->drive().bias_current_a == 0);

  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  const auto run = reader->list_runs()->front();
  CHECK(run.status == db::RunStatus::failed);
  CHECK(reader->instruments(run.id)->empty());
  const auto events = preflight_events(*reader, run.id);
  REQUIRE(events.size() == 1);
  CHECK(events[0].kind == db::EventKind::fault);
  const json data = json::parse(events[0].data_json);
  CHECK(data["reports"][0]["missing"].size() == 2);
  CHECK(data["needs"]["bert"]["gate"] == "bits");
}

TEST_CASE("a chamber without a DUT probe runs with the chamber air as DUT temperature, recorded in the run's provenance") {
  test::Twins twins([](engine::StationConfig& s) { instrument(s, "chamber").driver = "watlow-f4t"; });
  const std::string script =
      "local p = params { t = { type = 'number', default = 30, unit = 'C' } }\n"
      "needs { chamber = { dut_probe = true, fallback = 'air', range_c = p.t } }\n"
      "log(('air %.1f C'):format(chamber.temperature()))\n";
  std::string out;
  const int code = test::run_script(twins, "preflight_air.lua", script, out);
  INFO(out);
  REQUIRE(code == 0);
  CHECK_THAT(out, Catch::Contains("pre-flight, socket A: runs with 1 fallback"));
  CHECK_THAT(out, Catch::Contains("fallback  chamber (instrument chamber, driver watlow-f4t): has no DUT temperature "
                                  "probe: the chamber air stands for the DUT temperature"));

  auto reader = db::Reader::open(test::in_build("preflight_air.lua.sqlite"));
  REQUIRE(reader);
  const auto run = reader->list_runs()->front();
  const auto instruments = reader->instruments(run.id).value();
  const auto chamber = std::find_if(instruments.begin(), instruments.end(), [](const auto& i) { return i.name == "chamber"; });
  REQUIRE(chamber != instruments.end());
  const json settings = json::parse(chamber->settings_json);
  CHECK(settings["capabilities"]["driver"] == "watlow-f4t");
  CHECK(settings["capabilities"]["dut_probe"] == false);
  REQUIRE(settings["fallbacks"].size() == 1);
  CHECK_THAT(settings["fallbacks"][0].get<std::string>(), Catch::Contains("the chamber air stands for the DUT temperature"));
  const auto events = preflight_events(*reader, run.id);
  REQUIRE(events.size() == 1);
  CHECK(json::parse(events[0].data_json)["fallbacks"]["dut_temperature_from_air"] == true);
}

TEST_CASE("ledlab check --sequence: an n4903b with 400 lanes gates by time, a pm100 is refused for a 400-lane read") {
  test::Twins twins([](engine::StationConfig& s) {
    instrument(s, "bert").driver = "n4903b";
    instrument(s, "bert").options["lanes"] = 400;
  });
  const auto needs = needs_of(kSequences + "/ber_vs_temperature.lua");
  auto check = engine::check_station_for(twins.sim->config(), needs);
  REQUIRE(check);
  const std::string text = engine::describe(*check);
  INFO(text);
  CHECK(engine::all_ok(check->reports));
  CHECK(check->reports[0].use.gate_by_time);
  CHECK_FALSE(check->reports[0].use.dut_temperature_from_air);
  CHECK_THAT(text, Catch::Contains("bert         bert               n4903b         400 channels, gate by time"));

  auto station = twins.sim->config();
  instrument(station, "opm").driver = "pm100";
  // The twin still answers as ledlab's array meter: a pm100 driver takes it only when told to.
  instrument(station, "opm").identity = instruments::IdentityPolicy::warn;
  check = engine::check_station_for(station, needs_of(kSequences + "/power_vs_temperature.lua"));
  REQUIRE(check);
  INFO(engine::describe(*check));
  CHECK_THAT(engine::describe(*check),
             Catch::Contains("identity MISMATCH: *IDN? 'Thorlabs,PM-ARRAY-SIM,SIM-opm,1.0 (ledlab twin)' is not a model "
                             "dialect pm100 serves; it would fit: power_meter/ledlab-opm"));
  CHECK_FALSE(engine::all_ok(check->reports));
  REQUIRE(check->reports[0].missing.size() == 1);
  CHECK(check->reports[0].missing[0].describe() ==
        "opm (instrument opm, driver pm100): reaches 1 of the 400 lanes the sequence needs (1 channel; map the lanes "
        "through an optical switch in [sockets])");
}

TEST_CASE("every shipped sequence declares its needs and the simulated bench meets them without a fallback") {
  auto station = engine::load_station(kSequences + "/stations/sim.toml");
  REQUIRE(station);
  int sequences = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kSequences)) {
    if (entry.path().extension() != ".lua") continue;
    ++sequences;
    const auto needs = needs_of(entry.path().string());
    INFO(entry.path().filename().string());
    CHECK(needs.declared);
    auto check = engine::check_station_for(*station, needs, /*simulate=*/true);
    REQUIRE(check);
    INFO(engine::describe(*check));
    CHECK(engine::all_ok(check->reports));
    CHECK_FALSE(check->reports[0].use.any());
  }
  CHECK(sequences >= 6);
}
