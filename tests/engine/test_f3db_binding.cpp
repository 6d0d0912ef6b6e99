// analysis.f3db as a script sees it: the unbiased estimate (the two-pole fit with the plateau
// level fitted) with its resolved flag and note, the first-points interpolation kept beside it.
#include "support/run_fixture.hpp"

using namespace ledlab;

TEST_CASE("analysis.f3db returns the fitted f3dB of a sweep starting 2x under it, not the biased first-points crossing") {
  test::Twins twins;
  std::string out;
  const int rc = test::run_script(twins, "f3db_binding.lua", R"lua(
-- One pole at 100 MHz, swept from 50 MHz (2x under f3dB) to 2 GHz: the first three points have
-- already rolled off, so the crossing against their mean lands near 129 MHz.
local function sweep(from, to, n)
  local f, a = {}, {}
  for k = 1, n do
    f[k] = from * (to / from) ^ ((k - 1) / (n - 1))
    a[k] = 1 / math.sqrt(1 + (f[k] / 100e6) ^ 2)
  end
  return f, a
end
local f, a = sweep(50e6, 2e9, 31)
local r = analysis.f3db(f, a)
assert(r.resolved and r.ok, "a sweep that sees both sides resolves f3dB: " .. tostring(r.note))
assert(math.abs(r.f3db_hz / 100e6 - 1) < 0.03, ("f3db_hz %g is within 3 %% of 100 MHz"):format(r.f3db_hz))
assert(r.interpolated_hz > 1.2e8, ("the first-points interpolation %g is kept, biased high"):format(r.interpolated_hz))
assert(r.crossing_index and r.plateau and r.interp_f3db_hz and r.tau_s, "the other fields are there")
-- A sweep that ends below f3dB cannot resolve it: flagged with the reason, and no first-points crossing.
f, a = sweep(5e6, 60e6, 12)
r = analysis.f3db(f, a)
assert(not r.resolved and not r.ok and type(r.note) == "string" and #r.note > 0, "an unresolved sweep says why")
assert(r.interpolated_hz == nil, "no -3 dB crossing, no interpolated_hz")
local ok, err = pcall(analysis.f3db, f, a, { model = "triple" })
assert(not ok and tostring(err):find("model 'triple'"), "an unknown model is named: " .. tostring(err))
log("f3db ok")
)lua", out, "f3db_binding.sqlite");
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("f3db ok"));
}
