// Every end of a run leaves the instruments safe, checked on the twins themselves.
#include "support/run_fixture.hpp"

using namespace ledlab;

namespace {

using test::Twins;
using test::run_script;

void check_safe(Twins& twins) {
  const auto bench = twins.sim->bench();
  CHECK_FALSE(bench->drive().output_on);
  CHECK(bench->drive().bias_current_a == 0);
  CHECK(bench->chamber_setpoint_c() == 25);  // the station's safe temperature
}

constexpr const char* kHeatAndDrive = "chamber.set_setpoint(85)\npg.set_drive(8e-3, 4e-3)\npg.output(true)\n";

}  // namespace

TEST_CASE("a finished run leaves the drive off and the chamber at its safe temperature") {
  Twins twins;
  std::string out;
  CHECK(run_script(twins, "safe_finish.lua", kHeatAndDrive, out) == 0);
  INFO(out);
  check_safe(twins);
}

TEST_CASE("a failed run leaves the instruments safe too") {
  Twins twins;
  std::string out;
  CHECK(run_script(twins, "safe_fail.lua", std::string(kHeatAndDrive) + "error('lost the DUT')\n", out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("safe_fail.lua:4: lost the DUT"));
  check_safe(twins);
}

TEST_CASE("a run whose instrument call is refused by a safety limit ends failed and safe") {
  Twins twins;
  std::string out;
  CHECK(run_script(twins, "safe_limit.lua", std::string(kHeatAndDrive) + "chamber.set_setpoint(200)\n", out) == 1);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("chamber"));
  check_safe(twins);
}
