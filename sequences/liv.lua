-- Light-current-voltage of every lane (issue 15): the source-measure unit sweeps the current of
-- all lanes together, the power meter reads their light and the SMU their forward voltage at
-- each step; then every lane is reverse biased and its leakage read. Per lane: EQE against
-- current density (EQE = (P / h nu) / (I / q), with the emitter area from the parameters), the
-- droop peak (current density of maximum EQE), the forward voltage at the operating current,
-- the series resistance and the leakage at reverse bias. Needs `smu` and `opm`; a `chamber`,
-- when the station has one, is brought to temperature_c first.
local p = params {
  currents = { type = "list", unit = "A", description = "current sweep, increasing (logarithmic steps resolve the droop peak)",
               default = { 1e-6, 2e-6, 3e-6, 5e-6, 7e-6, 1e-5, 1.5e-5, 2e-5, 3e-5, 5e-5, 7e-5, 1e-4, 2e-4, 5e-4,
                           1e-3, 2e-3, 5e-3, 1e-2 } },
  operating_current_a = { type = "number", default = 5e-3, unit = "A", description = "current of the forward-voltage result (a sweep point)" },
  diameter_um = { type = "number", default = 8, unit = "um", description = "emitter diameter: J = I / (pi d^2 / 4)" },
  wavelength_nm = { type = "number", default = 450, unit = "nm", description = "emission wavelength, for the photon energy" },
  reverse_v = { type = "number", default = -5, unit = "V", description = "reverse bias of the leakage reading" },
  max_leakage_a = { type = "number", default = 1e-7, unit = "A", description = "a lane passes when |leakage| is at or below this" },
  temperature_c = { type = "number", default = 25, unit = "C", description = "chamber setpoint (stations with a chamber)" },
  timeout_s = { type = "number", default = 7200, unit = "s", description = "longest wait for the chamber" },
  dead_below_w = { type = "number", default = 1e-6, unit = "W", description = "light at the highest current under which a lane is dead" },
}
-- What this needs of the station, checked before anything is switched on (README "Pre-flight").
needs {
  smu = { lanes = "all" },
  opm = { lanes = "all" },
  chamber = { optional = true, range_c = { p.temperature_c, p.temperature_c } },
  pg = "optional",
}

if not smu or not opm then error("liv.lua needs an SMU named 'smu' and a power meter named 'opm' in the station") end
for k = 2, #p.currents do
  if not (p.currents[k] > p.currents[k - 1]) then error(("currents must increase: %g after %g"):format(p.currents[k], p.currents[k - 1])) end
end
local op_index
for k, i in ipairs(p.currents) do
  if i == p.operating_current_a then op_index = k end
end
if not op_index then error(("operating_current_a %g is not one of the currents"):format(p.operating_current_a)) end

-- The SMU is the only drive: the pattern generator's current would add to it.
if pg then pg.output(false) end
smu.output_all(false)
if chamber then
  chamber.set_setpoint(p.temperature_c)
  wait_until(chamber.at_temperature, { poll = 10, timeout = p.timeout_s, what = ("chamber at %g C"):format(p.temperature_c) })
end

local volts, amps, watts = {}, {}, {}  -- [lane][k]
local lanes = smu.channels()
for lane = 1, lanes do volts[lane], amps[lane], watts[lane] = {}, {}, {} end

smu.source_current_all(p.currents[1])
smu.output_all(true)
for k, current in ipairs(p.currents) do
  progress((k - 1) / (#p.currents + 1), ("%g A on every lane"):format(current))
  smu.source_current_all(current)
  local m = smu.measure_all()
  local light = opm.read_all()
  local at = { current_a = current }
  record { quantity = "forward_voltage", unit = "V", values = m.voltage_v, conditions = at }
  record { quantity = "lane_current", unit = "A", values = m.current_a, conditions = at }
  record { quantity = "optical_power", unit = "W", values = light, conditions = at }
  for lane = 1, lanes do
    volts[lane][k], amps[lane][k], watts[lane][k] = m.voltage_v[lane], m.current_a[lane], light[lane]
  end
end

progress(#p.currents / (#p.currents + 1), ("leakage at %g V"):format(p.reverse_v))
smu.source_voltage_all(p.reverse_v)
local reverse = smu.measure_all()
smu.output_all(false)
record { quantity = "reverse_current", unit = "A", values = reverse.current_a, conditions = { voltage_v = p.reverse_v } }

-- Dead: no light at the highest current (the one place this sequence decides it).
local function is_dead(lane) return watts[lane][#p.currents] < p.dead_below_w end

local peaks, densities, dead = {}, {}, 0
for lane = 1, lanes do
  local extra = { diameter_um = p.diameter_um, wavelength_nm = p.wavelength_nm }
  local leak = math.abs(reverse.current_a[lane])
  result { name = "reverse_leakage_a", lane = lane, value = leak, unit = "A", upper = p.max_leakage_a,
           extra = { voltage_v = p.reverse_v } }
  result { name = "forward_voltage_v", lane = lane, value = volts[lane][op_index], unit = "V",
           extra = { current_a = p.operating_current_a } }
  if is_dead(lane) then
    dead = dead + 1
    extra.dead = true
    result { name = "peak_eqe", lane = lane, value = 0, unit = "1", dead = true, extra = extra }
  else
    -- Points where the SMU held the current it was asked for (not in compliance).
    local i, v, w = {}, {}, {}
    for k, set in ipairs(p.currents) do
      if math.abs(amps[lane][k] - set) <= 0.01 * set then
        i[#i + 1], v[#v + 1], w[#w + 1] = set, volts[lane][k], watts[lane][k]
      end
    end
    extra.points = #i
    if #i >= 3 then
      local r = analysis.liv(i, v, w, { diameter_um = p.diameter_um, wavelength_nm = p.wavelength_nm })
      extra.peak_at_edge = r.peak_at_edge
      extra.peak_current_a = r.peak_current_a
      extra.droop_at_max_current = r.droop_at_max_current
      extra.peak_current_density_a_per_cm2 = r.peak_current_density_a_per_cm2
      -- A peak at the sweep's edge is a bound: the true peak EQE is at least the largest seen,
      -- and lies above the last current (or below the first).
      local eqe_q, j_q
      if r.peak_at_edge then
        eqe_q = ">"
        j_q = r.peak_index == 1 and "<" or ">"
      end
      result { name = "peak_eqe", lane = lane, value = r.peak_eqe, unit = "1", qualifier = eqe_q, extra = extra }
      result { name = "droop_peak_j_a_per_cm2", lane = lane, value = r.peak_current_density_a_per_cm2, unit = "A/cm2",
               qualifier = j_q, extra = { peak_at_edge = r.peak_at_edge, peak_current_a = r.peak_current_a } }
      result { name = "series_resistance_ohm", lane = lane, value = r.series_resistance_ohm, unit = "ohm" }
      peaks[#peaks + 1] = r.peak_eqe
      if not r.peak_at_edge then densities[#densities + 1] = r.peak_current_density_a_per_cm2 end
    else
      extra.not_judged = "fewer than 3 points inside compliance"
      result { name = "peak_eqe", lane = lane, value = 0, unit = "1", extra = extra }
    end
  end
end

local at = { diameter_um = p.diameter_um, temperature_c = p.temperature_c }
if #peaks > 0 then
  result { name = "peak_eqe_median", value = analysis.median(peaks), unit = "1", extra = at }
end
if #densities > 0 then
  result { name = "droop_peak_j_median_a_per_cm2", value = analysis.median(densities), unit = "A/cm2",
           extra = { diameter_um = p.diameter_um, lanes = #densities } }
end
result { name = "dead_lanes", value = dead, unit = "lanes", extra = { lanes = lanes, dead_below_w = p.dead_below_w } }
log(("LIV of %d lanes: median peak EQE %.3g at %.3g A/cm2, %d dead"):format(lanes, #peaks > 0 and analysis.median(peaks) or 0,
  #densities > 0 and analysis.median(densities) or 0, dead))
progress(1, "done")
