// The burn-in part of the analysis bindings (analysis.burn_in, analysis.burn_in_accumulator,
// analysis.decay_fit) as a script sees them: the fields the README lists and the options refused
// by name.
#include "support/run_fixture.hpp"

using namespace ledlab;

TEST_CASE("a script sees catastrophic lanes, standard errors and the array interval of a burn-in") {
  test::Twins twins;
  std::string out;
  const int rc = test::run_script(twins, "burn_in_bindings.lua", R"lua(
-- 12 lanes decaying at 1e-4 .. 2.1e-4 per hour, lane 3 drops to 40 % at 50 h, read every hour.
local t, rows = {}, {}
for k = 0, 100 do
  t[#t + 1] = k
  local row = {}
  for i = 1, 12 do
    local p = 80e-6 * math.exp(-1e-4 * (1 + (i - 1) / 10) * k)
    if i == 3 and k >= 50 then p = p * 0.4 end
    row[i] = p
  end
  rows[#rows + 1] = row
end
local a = analysis.burn_in(t, rows, { confirm_readings = 3 })
assert(a.catastrophic == 1 and a.units == 11, "one catastrophic lane, 11 units")
assert(a.lanes[3].catastrophic and a.lanes[3].catastrophic_at_h == 50, "lane 3 dropped at 50 h")
assert(a.lanes[1].resolved and a.lanes[1].alpha_se_per_h >= 0, "a resolved rate with its standard error")
local ci = a.array.interval
assert(ci and ci.lanes == 11 and ci.alpha_lo_per_h < a.array.l70.alpha_per_h and ci.alpha_hi_per_h > a.array.l70.alpha_per_h,
       "the array interval brackets the array's rate")
local acc = analysis.burn_in_accumulator { duration_h = 100, confirm_readings = 3 }
local events = {}
for k = 1, #t do
  for _, f in ipairs(acc:add(t[k], rows[k])) do events[#events + 1] = f end
end
assert(#events == 2 and events[1].lane == 3 and events[1].at_h == 50, "lane 3's failures, dated from 50 h")
local ok, err = pcall(analysis.burn_in, t, rows, { confirm = 3 })
assert(not ok and tostring(err):find("unknown option 'confirm'"), "an unknown option is named: " .. tostring(err))
ok, err = pcall(analysis.burn_in, t, rows, { confirm_readings = 0 })
assert(not ok and tostring(err):find("confirm_readings"), "confirm_readings 0 is refused: " .. tostring(err))
local fit = analysis.decay_fit({ 0, 1, 2, 3 }, { 1, math.exp(-1.1), math.exp(-1.9), math.exp(-3.0) })
assert(math.abs(fit.alpha_se_per_h - 0.0424264) < 1e-6 and fit.resolved, "decay_fit's standard error")
log("bindings ok")
)lua", out, "burn_in_bindings.sqlite");
  INFO(out);
  CHECK(rc == 0);
  CHECK_THAT(out, Catch::Contains("bindings ok"));
}
