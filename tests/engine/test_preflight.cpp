// The pre-flight check on its own: needs{} tables parsed with errors that name role and key,
// and what a socket's drivers declare compared with what a sequence needs (the issue's three
// cases: a BERT that cannot gate by bits, a chamber without a DUT probe, a one-channel meter).
#include "engine/needs.hpp"
#include "engine/preflight.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;
using engine::PreflightReport;
using engine::RoleView;
using engine::SocketView;
using instruments::Capabilities;
using nlohmann::json;

namespace {

engine::SequenceNeeds needs_of(const json& table) {
  auto needs = engine::parse_needs(table);
  INFO((needs ? std::string() : needs.error().message));
  REQUIRE(needs);
  return *needs;
}

std::string error_of(const json& table) {
  auto needs = engine::parse_needs(table);
  REQUIRE_FALSE(needs);
  return needs.error().message;
}

Capabilities bert(std::string driver, int lanes, bool bits) {
  Capabilities c{.kind = "bert", .driver = std::move(driver), .channels = lanes};
  c.gate_by_bits = bits;
  c.gate_by_time = true;
  c.bit_rate_hz = instruments::Range{0, 4e9};
  return c;
}

Capabilities chamber(std::string driver, bool probe) {
  Capabilities c{.kind = "thermal_chamber", .driver = std::move(driver)};
  c.dut_probe = probe;
  c.setpoint_c = instruments::Range{-40, 125};
  return c;
}

Capabilities meter(std::string driver, int channels) {
  return Capabilities{.kind = "power_meter", .driver = std::move(driver), .channels = channels};
}

// A 400-lane socket, every instrument under its own name, lane n on channel n.
SocketView socket_of(std::vector<Capabilities> caps) {
  SocketView s{"A", 400, {}};
  const std::map<std::string, std::string> role_of{{"bert", "bert"}, {"thermal_chamber", "chamber"}, {"power_meter", "opm"}};
  for (auto& c : caps) {
    const std::string role = role_of.at(c.kind);
    const int reach = std::min(c.channels, s.lanes);
    s.roles.push_back(RoleView{role, role, std::move(c), reach, ""});
  }
  return s;
}

const json kBerNeeds = json::parse(R"({
  "bert": {"gate": "bits", "fallback": "time", "lanes": "all", "bit_rate_hz": 2e9},
  "chamber": {"dut_probe": true, "fallback": "air", "range_c": [0, 25, 105]},
  "opm": {"lanes": "all"},
  "smu": "optional"
})");

}  // namespace

TEST_CASE("needs{} tables parse into per-role needs, kinds from the role names, lists of setpoints as their range") {
  const auto needs = needs_of(kBerNeeds);
  REQUIRE(needs.roles.size() == 4);
  const auto* b = needs.find("bert");
  REQUIRE(b);
  CHECK(b->kind == "bert");
  CHECK(b->gate == "bits");
  CHECK(b->fallback == "time");
  CHECK(b->lanes == engine::kAllLanes);
  CHECK(b->bit_rate_hz->lo == 2e9);
  const auto* c = needs.find("chamber");
  CHECK(c->kind == "thermal_chamber");
  CHECK(c->range_c->lo == 0);
  CHECK(c->range_c->hi == 105);
  CHECK(needs.find("smu")->optional);
  CHECK(needs.find("opm")->kind == "power_meter");
  CHECK(needs_of(json::object()).roles.empty());
}

TEST_CASE("needs{} refuses unknown keys, bad values and a fallback for something not asked for, naming role and key") {
  CHECK_THAT(error_of(json{{"bert", {{"gates", "bits"}}}}), Catch::StartsWith("needs{}: bert.gates: unknown key"));
  CHECK(error_of(json{{"bert", {{"gate", "bit"}}}}) == "needs{}: bert.gate: \"bit\" is not one of bits, time");
  CHECK_THAT(error_of(json{{"opm", {{"lanes", 0}}}}), Catch::Contains("opm.lanes: 0 is not \"all\" or a number of lanes"));
  CHECK_THAT(error_of(json{{"chamber", {{"range_c", {{"lo", 90}, {"hi", 10}}}}}}), Catch::Contains("chamber.range_c"));
  CHECK_THAT(error_of(json{{"pg", {{"current_a", -1}}}}), Catch::Contains("pg.current_a: -1 is not a current >= 0 A"));
  CHECK_THAT(error_of(json{{"bert", {{"fallback", "time"}}}}),
             Catch::Contains("bert.fallback: \"time\" stands in for gate = \"bits\""));
  CHECK_THAT(error_of(json{{"chamber", {{"gate", "bits"}, {"fallback", "air"}}}}),
             Catch::Contains("chamber.fallback: \"air\" stands in for dut_probe = true"));
  CHECK_THAT(error_of(json{{"smu", "maybe"}}), Catch::Contains("smu: \"maybe\" is not \"optional\""));
}

TEST_CASE("the station's own 400-lane bench passes BER vs temperature without a fallback") {
  const auto r = engine::preflight(needs_of(kBerNeeds),
                                   socket_of({bert("ledlab-bert", 400, true), chamber("thermostream", true),
                                              meter("ledlab-opm", 400)}));
  INFO(r.describe());
  CHECK(r.ok());
  CHECK(r.fallbacks.empty());
  CHECK_FALSE(r.use.any());
  REQUIRE(r.notes.size() == 1);  // smu: optional, not there
  CHECK(r.notes[0].role == "smu");
}

TEST_CASE("an n4903b BERT gates by time for BER vs temperature, and is refused where the sequence allows no fallback") {
  auto caps = socket_of({bert("n4903b", 400, false), chamber("thermostream", true), meter("ledlab-opm", 400)});
  const auto r = engine::preflight(needs_of(kBerNeeds), caps);
  INFO(r.describe());
  CHECK(r.ok());
  CHECK(r.use.gate_by_time);
  REQUIRE(r.fallbacks.size() == 1);
  CHECK(r.fallbacks[0].describe() ==
        "bert (instrument bert, driver n4903b): cannot gate by bits: gates by time instead, for bits / bit rate seconds");

  auto strict = kBerNeeds;
  strict["bert"].erase("fallback");
  const auto refused = engine::preflight(needs_of(strict), caps);
  CHECK_FALSE(refused.ok());
  REQUIRE(refused.missing.size() == 1);
  CHECK(refused.missing[0].describe() ==
        "bert (instrument bert, driver n4903b): cannot gate by bits (the sequence allows no fallback)");
  CHECK_FALSE(refused.use.gate_by_time);  // never substituted without the sequence's leave
}

TEST_CASE("a one-lane n4903b on a 400-lane DUT is refused for the lanes it cannot reach, listing every missing item") {
  const auto r = engine::preflight(needs_of(kBerNeeds), socket_of({bert("n4903b", 1, false), chamber("thermostream", true),
                                                                     meter("pm100", 1)}));
  INFO(r.describe());
  CHECK_FALSE(r.ok());
  REQUIRE(r.missing.size() == 2);
  CHECK(r.missing[0].describe() ==
        "bert (instrument bert, driver n4903b): reaches 1 of the 400 lanes the sequence needs (1 channel; map the lanes "
        "through an optical switch in [sockets])");
  CHECK(r.missing[1].role == "opm");
  CHECK(r.missing[1].driver == "pm100");
  CHECK_THAT(r.describe(), Catch::StartsWith("pre-flight, socket A: REFUSED, 2 missing"));
}

TEST_CASE("a watlow-f4t without a DUT probe lets the chamber air stand for the DUT temperature") {
  const auto r = engine::preflight(needs_of(kBerNeeds), socket_of({bert("ledlab-bert", 400, true), chamber("watlow-f4t", false),
                                                                     meter("ledlab-opm", 400)}));
  INFO(r.describe());
  CHECK(r.ok());
  CHECK(r.use.dut_temperature_from_air);
  REQUIRE(r.fallbacks.size() == 1);
  CHECK(r.fallbacks[0].describe() == "chamber (instrument chamber, driver watlow-f4t): has no DUT temperature probe: the "
                                     "chamber air stands for the DUT temperature");
}

TEST_CASE("setpoints, bit rates and drive currents beyond what the station allows are refused before the run") {
  auto needs = kBerNeeds;
  needs["chamber"]["range_c"] = json::array({-60, 150});
  needs["bert"]["bit_rate_hz"] = 5e9;
  needs["pg"] = {{"current_a", 0.03}};
  auto socket = socket_of({bert("ledlab-bert", 400, true), chamber("thermostream", true), meter("ledlab-opm", 400)});
  Capabilities pg{.kind = "pattern_generator", .driver = "ledlab-pg"};
  pg.max_current_a = 0.02;
  socket.roles.push_back({"pg", "pg", pg, 0, ""});
  const auto r = engine::preflight(needs_of(needs), socket);
  INFO(r.describe());
  REQUIRE(r.missing.size() == 3);
  CHECK(r.missing[0].what == "bit rates [5e+09, 5e+09] Hz are outside the station limits [0, 4e+09] Hz");
  CHECK(r.missing[1].what == "setpoints [-60, 150] C are outside what the station limits and the model allow, [-40, 125] C");
  CHECK(r.missing[2].what == "the sequence drives 0.03 A per lane, above the station limit max_current_a = 0.02 A");
}

TEST_CASE("a role served by an instrument of another kind, or by none, is missing") {
  SocketView socket{"A", 400, {RoleView{"opm", "opm", bert("ledlab-bert", 400, true), 400, ""}}};
  const auto r = engine::preflight(needs_of(json{{"opm", {{"lanes", "all"}}}, {"chamber", true}}), socket);
  REQUIRE(r.missing.size() == 2);
  CHECK(r.missing[0].describe() == "chamber: no instrument serves this role (the sequence needs a thermal_chamber)");
  CHECK(r.missing[1].describe() == "opm (instrument opm, driver ledlab-bert): is a bert, the sequence needs a power_meter");
}

TEST_CASE("a one-channel meter reaches every lane through an optical switch, and only the lanes its inputs exist for") {
  engine::RoleMap map{.role = "opm", .instrument = "opm", .channels = {1}, .optical_switch = "sw"};
  for (int lane = 1; lane <= 400; ++lane) map.switch_inputs.push_back(lane);
  map.switch_outputs = {1};
  Capabilities sw{.kind = "optical_switch", .driver = "ledlab-switch"};
  sw.inputs = 400;
  sw.outputs = 4;
  CHECK(engine::reachable_lanes(map, meter("pm100", 1), 400, &sw) == 400);
  sw.inputs = 100;
  CHECK(engine::reachable_lanes(map, meter("pm100", 1), 400, &sw) == 100);
  map.channels = {2};  // output 1 wired to a channel the meter does not have
  CHECK(engine::reachable_lanes(map, meter("pm100", 1), 400, &sw) == 0);
  // Directly wired: lanes whose channel exists.
  engine::RoleMap direct{.role = "opm", .instrument = "opm", .channels = {1, 2, 3, 4}};
  CHECK(engine::reachable_lanes(direct, meter("ledlab-opm", 2), 4, nullptr) == 2);
  CHECK(engine::reachable_lanes(engine::RoleMap{.role = "opm", .instrument = "opm"}, meter("ledlab-opm", 400), 16, nullptr) == 16);

  SocketView socket{"B", 400, {RoleView{"opm", "opm", meter("pm100", 1), 400, "sw"}}};
  CHECK(engine::preflight(needs_of(json{{"opm", {{"lanes", "all"}}}}), socket).ok());
}

TEST_CASE("a station of several sockets: each run finds its socket's report, a refusal names the socket of each item") {
  const auto needs = needs_of(kBerNeeds);
  auto good = socket_of({bert("ledlab-bert", 400, true), chamber("thermostream", true), meter("ledlab-opm", 400)});
  auto bad = socket_of({bert("ledlab-bert", 400, true), chamber("watlow-f4t", false), meter("pm100", 1)});
  bad.socket = "B";
  const std::vector<PreflightReport> reports{engine::preflight(needs, good), engine::preflight(needs, bad)};
  CHECK(engine::report_for(reports, "B") == &reports[1]);
  CHECK(engine::report_for(reports, "C") == nullptr);
  CHECK(engine::report_for(reports, "") == nullptr);  // ambiguous with two
  CHECK(engine::combined(reports).dut_temperature_from_air);
  CHECK(engine::refusal_message("ber_vs_temperature", reports) ==
        "pre-flight refused the station: it cannot run ber_vs_temperature:\n  socket B: opm (instrument opm, driver "
        "pm100): reaches 1 of the 400 lanes the sequence needs (1 channel; map the lanes through an optical switch in "
        "[sockets])");
}
