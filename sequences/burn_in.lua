-- Power-degradation burn-in (issue 6, issue 15; REFERENCE.md section 6). Hold the stress
-- temperature and a constant drive current for a duration, read every lane's optical power at an
-- interval and judge each lane (analysis/burn_in.hpp):
--  - dead: dark at the first reading; catastrophic: a sudden drop far beyond the lane's own noise
--    (or gone dark) later on. Both are reported apart and left out of the array figures, as LM-80
--    and TM-21-11 leave out units that stop working;
--  - failed (parametric): power more than the failure limit from its first reading (GR-468:
--    > 10 % at fixed current). A flag on the lane only: it stays in the array average, or the
--    array would look better than it is (only the slow decayers left);
--  a failure counts when `confirm_readings` consecutive readings show it, never on one reading.
-- Each lane's decay is fitted TM-21 style, P/P0 = B exp(-alpha t), with alpha's standard error
-- and a "resolved" flag, over the TM-21 window (ledlab's early-look window below 2000 h); L70 /
-- L90 are capped at 6x the test (5.5x for 10-19 units, none under 10) and a capped figure is
-- stored as a lower bound (qualifier ">"). The array figure is the TM-21 average of the units
-- (every live lane without a catastrophic failure) with a confidence interval from the
-- lane-to-lane spread of decay rates. Arrhenius acceleration between runs of the same dut_type
-- and drive current at two or more temperatures is computed by `ledlab report`, against the
-- junction temperature when thermal_resistance_c_per_w is given: DUT + R_th x the array's
-- electrical power, measured by the station's SMU (`smu`, sourcing the drive current of every
-- lane, read at the start and at every reading: series `electrical_power`) or, without one,
-- assumed from forward_voltage_v; the array results say which ("measured" or "assumed").
-- The analysis is accumulated reading by reading (analysis.burn_in_accumulator), so the script's
-- memory does not grow with the readings: a six-week run at one reading a second holds the same
-- as a short one. When the one pass cannot give the exact figures (a lane failed catastrophically
-- after the array average had counted it, or the test ended far from duration_h), the stored
-- readings are streamed through it a second time.
local p = params {
  stress_temperature_c = { type = "number", default = 85, unit = "C", description = "chamber setpoint during the stress" },
  drive_current_a = { type = "number", default = 5e-3, unit = "A", description = "constant drive current per lane (no modulation)" },
  duration_h = { type = "number", default = 1000, unit = "h", description = "stress time from the first reading" },
  interval_h = { type = "number", default = 0.5, unit = "h", description = "time between readings of all lanes" },
  failure_limit = { type = "number", default = 0.10, unit = "1", description = "relative power change that fails a lane" },
  confirm_readings = { type = "number", default = 3, unit = "1", description = "consecutive readings that confirm a failure" },
  dead_below_w = { type = "number", default = 1e-6, unit = "W", description = "first reading under which a lane is dead" },
  max_decay_pct_per_kh = { type = "number", default = 2.0, unit = "%/1000h", description = "a lane passes when its decay rate at stress is at or below this" },
  use_temperature_c = { type = "number", default = 55, unit = "C", description = "use temperature for the Arrhenius projection in the report" },
  dut_type = { type = "string", default = "sim-20x20", description = "runs of the same type and current at other stress temperatures give the Arrhenius fit" },
  thermal_resistance_c_per_w = { type = "number", default = 0, unit = "C/W", description = "array junction-to-case thermal resistance; 0: not known (Arrhenius then uses the DUT temperature)" },
  forward_voltage_v = { type = "number", default = 0, unit = "V", description = "each lane's forward voltage at drive_current_a (from an LIV run), assumed on a station without an SMU; 0: not known" },
  window_c = { type = "number", default = 0.5, unit = "C", description = "chamber stability window (+-)" },
  soak_s = { type = "number", default = 600, unit = "s", description = "time inside the window before the first reading" },
  timeout_s = { type = "number", default = 7200, unit = "s", description = "longest wait for the stress temperature" },
}
-- What this needs of the station, checked before anything is switched on (README "Pre-flight").
-- Without a DUT probe the chamber air stands for the DUT temperature (recorded in provenance).
needs {
  chamber = { dut_probe = true, fallback = "air", range_c = { p.stress_temperature_c, p.stress_temperature_c } },
  opm = { lanes = "all" },
  pg = { current_a = p.drive_current_a },
  smu = { optional = true, lanes = "all" },
}
if not (p.interval_h > 0 and p.duration_h >= 2 * p.interval_h) then
  error(("burn_in: need interval_h > 0 and duration_h >= 2 intervals (got %g h every %g h)"):format(p.duration_h, p.interval_h))
end

chamber.set_window(p.window_c)
chamber.set_soak(p.soak_s)
chamber.set_setpoint(p.stress_temperature_c)
pg.set_drive(p.drive_current_a, 0)
pg.output(true)
-- With an SMU the drive current of every lane is sourced by it, so that its V x I is the power
-- the array draws at the stress current.
if smu then
  smu.source_current_all(p.drive_current_a)
  smu.output_all(true)
end
wait_until(chamber.at_temperature, { poll = 10, timeout = p.timeout_s,
                                     what = ("chamber settled at %g C"):format(p.stress_temperature_c) })

local stress = { stress_temperature_c = p.stress_temperature_c, drive_current_a = p.drive_current_a }
local acc = analysis.burn_in_accumulator { duration_h = p.duration_h, failure_limit = p.failure_limit,
                                           dead_below_w = p.dead_below_w, confirm_readings = p.confirm_readings }
local start_s = now()  -- readings are fitted against when they were taken, not when they were meant to be
local k, skipped = 0, 0

local function take(t_h, powers)
  local failures, sudden = acc:add(t_h, powers), {}
  for _, f in ipairs(failures) do if f.catastrophic then sudden[f.lane] = true end end
  for _, f in ipairs(failures) do
    if f.catastrophic or not sudden[f.lane] then  -- a sudden drop is usually beyond the limit too: said once
      log(("lane %d %s at %.1f h (confirmed at %.1f h): %.1f %% of its first reading"):format(
        f.lane, f.catastrophic and "failed catastrophically (sudden drop)" or "failed (beyond the limit)", f.at_h, t_h,
        100 * f.of_first))
    end
  end
end
local dut_sum, dut_n = 0, 0  -- the mean DUT temperature of the readings taken by this process
-- The array's electrical power by the SMU: sum over every driven lane of V x I (dead lanes
-- draw current too and heat the junction all the same). Recorded as a series; the mean over
-- the readings of this process sets the junction temperature. Bounded: two numbers, however
-- long the run.
local power_sum, power_n = 0, 0
local function measure_power()
  if not smu then return end
  local m = smu.measure_all()
  local watts = 0
  for lane, v in ipairs(m.voltage_v) do watts = watts + v * m.current_a[lane] end
  if watts ~= watts or watts == math.huge or watts == -math.huge then
    log(("electrical power not usable (%s W): the SMU read a non-finite voltage or current"):format(tostring(watts)))
    return
  end
  record { quantity = "electrical_power", unit = "W", value = watts, conditions = stress }
  power_sum, power_n = power_sum + watts, power_n + 1
end

-- Every reading of this run stored so far, in time order, streamed to feed(t_h, powers).
local function stored(feed)
  return recorded { quantity = "optical_power", conditions = stress,
                    each = function(t, powers) feed((t - start_s) / 3600, powers) end }
end

-- The schedule: reading n is due at start + n * interval; the last one at duration_h. Slots are
-- counted, not derived from the clock alone, so that a reading whose time rounds to just before
-- its slot is not taken again at once.
local last_slot = math.ceil(p.duration_h / p.interval_h - 1e-9)
local slot = 0  -- the slot of the reading about to be taken

-- After `ledlab resume`: the readings taken before the crash come back from the store; the
-- time the bench was down counts as elapsed time (the fit uses when readings were taken).
measure_power()  -- at the start of the stress (after a resume: at the restart)
local from = resume_point()
if from then
  start_s = from.state.start_s
  local last_h = 0
  k = stored(function(t_h, powers)
    take(t_h, powers)
    last_h = t_h
  end)
  log(("resumed with %d readings up to %.1f h"):format(k, last_h))
  slot = math.min(math.floor((now() - start_s) / 3600 / p.interval_h), last_slot)  -- late for this one
end

while true do
  local powers = opm.read_all()
  local t_h = (now() - start_s) / 3600
  k = k + 1
  record { quantity = "optical_power", unit = "W", values = powers, conditions = stress }
  record { quantity = "chamber_temperature", unit = "C", value = chamber.temperature(), conditions = stress }
  local dut_c = chamber.dut_temperature()
  record { quantity = "dut_temperature", unit = "C", value = dut_c, conditions = stress }
  dut_sum, dut_n = dut_sum + dut_c, dut_n + 1
  measure_power()
  take(t_h, powers)
  progress(math.min(t_h / p.duration_h, 1), ("%.0f of %g h at %g C"):format(t_h, p.duration_h, p.stress_temperature_c))
  checkpoint("reading", { index = k, start_s = start_s })
  if slot >= last_slot or t_h >= p.duration_h then break end
  -- Readings keep to the schedule rather than drifting by the time each reading takes; a slot
  -- already past (a reading longer than the interval) is skipped.
  local elapsed_h = (now() - start_s) / 3600
  local next_slot = math.min(math.max(slot + 1, math.floor(elapsed_h / p.interval_h) + 1), last_slot)
  skipped = skipped + next_slot - slot - 1
  slot = next_slot
  local wait_h = math.min(slot * p.interval_h, p.duration_h) - elapsed_h
  if wait_h > 0 then sleep(wait_h * 3600) end
end
if skipped > 0 then
  log(("%d scheduled readings were skipped: reading all lanes took longer than interval_h = %g h"):format(
    skipped, p.interval_h))
end

local why = acc:replay_needed()
if why then
  log("burn-in analysis: a second pass over the stored readings: " .. why)
  acc:replay()
  stored(function(t_h, powers) acc:add(t_h, powers) end)
end
local a = acc:result()
local window = { start_h = a.window.start_h, end_h = a.window.end_h, tm21 = a.window.tm21,
                 rule = a.window.tm21 and "TM-21" or "early look: from 10 % of the test (< 2000 h)" }
-- A lifetime past the TM-21 cap is a lower bound: stored as the cap with qualifier ">".
local function lifetime(t, capped)
  if capped then t.qualifier = ">" end
  result(t)
end
local function hours(h, capped) return ("%s%.0f h"):format(capped and "> " or "", h) end

local decay, dead_n, failed_n, catastrophic = {}, 0, 0, {}
for lane, l in ipairs(a.lanes) do
  if l.dead then
    dead_n = dead_n + 1
    result { name = "lane_failed", lane = lane, value = 1, unit = "1", upper = 0, dead = true, extra = { dead = true, note = l.note } }
  else
    if l.catastrophic then catastrophic[#catastrophic + 1] = lane
    elseif l.failed then failed_n = failed_n + 1 end
    result { name = "lane_failed", lane = lane, value = (l.failed or l.catastrophic) and 1 or 0, unit = "1", upper = 0,
             extra = { change = l.change, failure_limit = p.failure_limit, confirm_readings = p.confirm_readings,
                       parametric = l.failed, failed_at_h = l.failed and l.failed_at_h or nil,
                       catastrophic = l.catastrophic, catastrophic_at_h = l.catastrophic and l.catastrophic_at_h or nil,
                       of_level = l.catastrophic and l.catastrophic_of_level or nil,
                       note = l.note ~= "" and l.note or nil } }
    if l.fitted then
      local fit = { b = l.b, alpha_per_h = l.alpha_per_h, alpha_se_per_h = l.alpha_se_per_h == l.alpha_se_per_h and l.alpha_se_per_h or nil,
                    resolved = l.resolved, residual_ln = l.residual_ln, points = l.points }
      local extra = { fit = fit, window = window, failed = l.failed, catastrophic = l.catastrophic, resolved = l.resolved }
      -- A catastrophic lane's fit runs across its drop: not a decay rate, so not judged against
      -- the limit (its failure is judged once, by lane_failed).
      result { name = "decay_rate_pct_per_kh", lane = lane, value = l.decay_pct_per_kh, unit = "%/1000h",
               upper = not l.catastrophic and p.max_decay_pct_per_kh or nil, extra = extra }
      if l.l70_h == l.l70_h then  -- NaN when too few units for a TM-21 cap
        lifetime({ name = "l70_h", lane = lane, value = l.l70_h, unit = "h",
                   extra = { fit = fit, window = window, capped = l.l70_capped, raw_h = l.l70_raw_h, cap_h = a.cap_h } }, l.l70_capped)
        lifetime({ name = "l90_h", lane = lane, value = l.l90_h, unit = "h",
                   extra = { fit = fit, window = window, capped = l.l90_capped, raw_h = l.l90_raw_h, cap_h = a.cap_h } }, l.l90_capped)
      end
      if not l.catastrophic then decay[#decay + 1] = l.decay_pct_per_kh end
    end
  end
end

-- The stress temperature the Arrhenius fit across runs uses: the junction (DUT case plus
-- self-heating, R_th x the array's electrical power) when the thermal resistance is given and
-- the power is known, measured by the SMU (mean of the series) or else assumed (live lanes x
-- drive current x forward_voltage_v); otherwise the measured DUT temperature.
local live = #a.lanes - dead_n
local temperature = { stress_temperature_c = p.stress_temperature_c, drive_current_a = p.drive_current_a, dut_type = p.dut_type }
if dut_n > 0 then temperature.dut_temperature_c = dut_sum / dut_n end
if power_n > 0 then
  temperature.electrical_power_w = power_sum / power_n
  temperature.electrical_power_basis = "measured"
  temperature.electrical_power_samples = power_n
elseif p.forward_voltage_v > 0 then
  temperature.electrical_power_w = live * p.drive_current_a * p.forward_voltage_v
  temperature.electrical_power_basis = "assumed"
  temperature.electrical_power_rule = ("ASSUMED, not measured (no SMU): %d live lanes x %g A x forward_voltage_v %g V"):format(
    live, p.drive_current_a, p.forward_voltage_v)
end
if temperature.dut_temperature_c and temperature.electrical_power_w and p.thermal_resistance_c_per_w > 0 then
  temperature.thermal_resistance_c_per_w = p.thermal_resistance_c_per_w
  temperature.junction_temperature_c = temperature.dut_temperature_c + p.thermal_resistance_c_per_w * temperature.electrical_power_w
end

result { name = "failed_lanes", value = failed_n, unit = "lanes",
         extra = { live_lanes = live, dead_lanes = dead_n, catastrophic_lanes = #catastrophic,
                   rule = "parametric failures without a catastrophic one; they stay in the array average" } }
result { name = "catastrophic_lanes", value = #catastrophic, unit = "lanes",
         extra = { lanes = catastrophic, rule = "sudden drop or gone dark, confirmed; left out of the array average" } }
result { name = "dead_lanes", value = dead_n, unit = "lanes" }
if #decay > 0 then
  result { name = "decay_rate_median_pct_per_kh", value = analysis.median(decay), unit = "%/1000h",
           upper = p.max_decay_pct_per_kh, extra = { lanes = #decay, iqr = analysis.iqr(decay) } }
end
if a.array then
  local l70, l90, ci = a.array.l70, a.array.l90, a.array.interval
  local common = { units = a.units, catastrophic_lanes = #catastrophic, window = window, cap_h = a.cap_h,
                   compliant = l70.compliant, notes = l70.notes }
  for key, v in pairs(temperature) do common[key] = v end
  local function with(t) for key, v in pairs(common) do t[key] = v end return t end
  local interval = ci and { confidence = ci.confidence, lanes = ci.lanes, alpha_sd_per_h = ci.alpha_sd_per_h,
                            rule = "Student t over the units' decay rates (lane-to-lane spread)" } or nil
  result { name = "decay_rate_pct_per_kh", value = l70.decay_pct_per_kh, unit = "%/1000h", upper = p.max_decay_pct_per_kh,
           extra = with { alpha_per_h = l70.alpha_per_h, b = l70.b, interval = interval,
                          alpha_lo_per_h = ci and ci.alpha_lo_per_h, alpha_hi_per_h = ci and ci.alpha_hi_per_h,
                          fit = "TM-21 average of every live lane without a catastrophic failure (parametric failures included)" } }
  if l70.reported_h == l70.reported_h then
    lifetime({ name = "l70_h", value = l70.reported_h, unit = "h",
               extra = with { capped = l70.capped, raw_h = l70.raw_h, interval = interval,
                              lo_h = ci and ci.l70_lo_h, hi_h = ci and ci.l70_hi_h } }, l70.capped)
    lifetime({ name = "l90_h", value = l90.reported_h, unit = "h",
               extra = with { capped = l90.capped, raw_h = l90.raw_h, interval = interval,
                              lo_h = ci and ci.l90_lo_h, hi_h = ci and ci.l90_hi_h } }, l90.capped)
  end
  local span = ci and (" (%g %% CI %.3g-%.3g)"):format(100 * ci.confidence,
                                                       100 * (1 - math.exp(-1000 * ci.alpha_lo_per_h)),
                                                       100 * (1 - math.exp(-1000 * ci.alpha_hi_per_h))) or ""
  local l70_text = l70.reported_h == l70.reported_h and hours(l70.reported_h, l70.capped) or "not reported (< 10 units)"
  log(("array: %.3g %%/1000h%s, L70 %s (%d units, %d catastrophic, %d failed, %d dead)"):format(
    l70.decay_pct_per_kh, span, l70_text, a.units, #catastrophic, failed_n, dead_n))
else
  log("array: no projection: " .. a.note)
end
progress(1, "done")
