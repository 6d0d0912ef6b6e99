// The SMU and the LIV / energy analysis from a script: bad input is an error at the script's
// line naming what was wrong, and the station's limits refuse what is beyond them.
#include "support/run_fixture.hpp"

using namespace ledlab;
using test::Twins;

namespace {
std::string run_failing(Twins& twins, const std::string& call) {
  std::string out;
  const int code = test::run_script(twins, "smu_bad.lua", "local x = 1\n" + call + "\n", out);
  INFO(out);
  CHECK(code == 1);
  return out;
}
}  // namespace

TEST_CASE("smu methods and the LIV and energy analysis refuse bad arguments at the script's line, naming them") {
  Twins twins;
  struct Case {
    const char* call;
    const char* expect;
  };
  const Case cases[] = {
      {"smu.source_current(1, 0/0)", "smu.source_current: argument 2 (amperes) must be a finite number"},
      {"smu.source_current(401, 1e-3)", "smu.source_current: argument 1 (lane) must be a whole number from 1 to 400"},
      {"smu.source_current_all(0.05)", "current 0.05 A is beyond the station limit max_current_a = 0.02 A"},
      {"smu.source_voltage(3, -6)", "voltage -6 V is beyond the compliance voltage 5 V"},
      {"smu.set_compliance_v(9)", "compliance voltage 9 V is above the station limit max_compliance_v = 8 V"},
      {"smu.output(1)", "smu.output: expected two arguments, a lane and true or false"},
      {"analysis.energy_per_bit_measured({3.2}, {5e-3}, 2e9, {driver_power_w = 'a lot'})",
       "analysis.energy_per_bit_measured: option driver_power_w= must be a finite number"},
      {"analysis.energy_per_bit_measured({3.2}, {5e-3}, 2e9, {good_lanes = 2})", "2 good lanes but only 1 driven"},
      {"analysis.liv({1e-3, 2e-3, 3e-3}, {3, 3.1, 3.2}, {1e-4, 2e-4, 2.5e-4}, {diameter_um = 8})", "wavelength_nm is required"},
      {"analysis.liv({1e-3, 2e-3, 3e-3}, {3, 3.1, 3.2}, {1e-4, 2e-4, 2.5e-4}, {wavelength_nm = 450})",
       "give the emitter's area_cm2 or its diameter_um"},
  };
  for (const auto& c : cases) {
    INFO(c.call);
    CHECK_THAT(run_failing(twins, c.call), Catch::Contains("smu_bad.lua:2:") && Catch::Contains(c.expect));
  }
  // The limits refused before anything was sent: no lane is driven.
  CHECK_FALSE(twins.sim->bench()->drive().output_on);
}

TEST_CASE("a script measures every lane's forward voltage with the SMU and the energy per bit from it") {
  Twins twins;
  std::string out;
  const int code = test::run_script(twins, "smu_ok.lua", R"(
smu.source_current_all(5e-3)
smu.output_all(true)
local m = smu.measure_all()
assert(#m.voltage_v == 400 and #m.current_a == 400)
local e = analysis.energy_per_bit_measured(m.voltage_v, m.current_a, 2e9, { good_lanes = 390 })
assert(e.driven_lanes == 400 and e.pj_per_bit > 7 and e.pj_per_bit < 9, e.pj_per_bit)
assert(e.scope == "LED drive only")
assert(smu.driver_power_per_lane() == nil)
local one = smu.measure(17)
assert(math.abs(one.voltage_v - m.voltage_v[17]) < 0.01)  -- each reading its own noise
result { name = "energy_per_bit_pj", value = e.pj_per_bit, unit = "pJ/bit" }
)",
                                    out);
  INFO(out);
  CHECK(code == 0);
  // The run's safe state switched every output off, and the bench's drive with it.
  CHECK_FALSE(twins.sim->bench()->drive().output_on);
}

TEST_CASE("with the driver's power declared in the station, energy per bit counts driver and LED and says so") {
  Twins twins([](engine::StationConfig& s) {
    for (auto& i : s.instruments)
      if (i.name == "smu") i.options["driver_power_per_lane_w"] = 2e-3;
  });
  std::string out;
  const int code = test::run_script(twins, "smu_driver.lua", R"(
smu.source_current_all(5e-3)
smu.output_all(true)
local m = smu.measure_all()
local led = analysis.energy_per_bit_measured(m.voltage_v, m.current_a, 2e9)
local w = smu.driver_power_per_lane()
assert(w == 2e-3, tostring(w))
local e = analysis.energy_per_bit_measured(m.voltage_v, m.current_a, 2e9, { driver_power_w = w })
assert(e.scope == "driver + LED", e.scope)
-- 2 mW per lane over 2 Gb/s per lane adds 1 pJ/bit.
assert(math.abs(e.pj_per_bit - led.pj_per_bit - 1) < 1e-9, e.pj_per_bit - led.pj_per_bit)
assert(e.counted:find("declared driver power"), e.counted)
)",
                                    out);
  INFO(out);
  CHECK(code == 0);
}
