-- Optical power of every lane across chamber temperatures: set the chamber, wait until it is
-- at temperature (window + soak), read all lanes, record them, and report the array mean and
-- the fraction of the first temperature's output at each temperature.
local p = params {
  temps = { type = "list", default = { 25, 55, 85 }, unit = "C", description = "chamber setpoints" },
  bias_a = { type = "number", default = 5e-3, unit = "A", description = "drive bias per lane" },
  modulation_a = { type = "number", default = 4e-3, unit = "A", description = "modulation, peak to peak" },
  soak_s = { type = "number", default = 300, unit = "s", description = "soak once inside the window" },
  timeout_s = { type = "number", default = 7200, unit = "s", description = "longest wait for a temperature" },
  band_c = { type = "number", default = 2, unit = "C", description = "chamber excursion that suspends the run" },
  dead_below_w = { type = "number", default = 1e-6, unit = "W", description = "power at the first temperature under which a lane is dead" },
}
-- What this needs of the station, checked before anything is switched on (README "Pre-flight").
needs {
  chamber = { range_c = p.temps },
  opm = { lanes = "all" },
  pg = { current_a = p.bias_a + p.modulation_a / 2 },
}

-- Dead lanes: dark at the first temperature (the one place this sequence decides it, with the
-- threshold the other sequences and the dashboard use); never averaged in, whatever their noise.
local dead
local function mean(values)
  if not dead then
    dead = {}
    for lane, v in ipairs(values) do dead[lane] = not (v >= p.dead_below_w) end
  end
  local sum, n = 0, 0
  for lane, v in ipairs(values) do
    if not dead[lane] then sum, n = sum + v, n + 1 end
  end
  return n > 0 and sum / n or 0, n
end

-- After `ledlab resume`: go on after the last temperature done, with its reference power.
local start, first = 1, nil
local from = resume_point()
if from then start, first = from.state.index + 1, from.state.first end

chamber.set_soak(p.soak_s)
pg.set_drive(p.bias_a, p.modulation_a)
pg.output(true)

for i = start, #p.temps do
  local t = p.temps[i]
  progress((i - 1) / #p.temps, ("setting the chamber to %g C"):format(t))
  chamber.set_setpoint(t)
  wait_until(chamber.at_temperature, { poll = 10, timeout = p.timeout_s, what = ("chamber settled at %g C"):format(t) })
  -- Once settled, an excursion of the chamber suspends the run until it is back (and soaked).
  interlock { name = "band", kind = "chamber_band", instrument = "chamber", band_c = p.band_c, soak_s = p.soak_s }
  local powers = opm.read_all()
  local conditions = { temperature_c = t, bias_a = p.bias_a }
  record { quantity = "optical_power", unit = "W", values = powers, conditions = conditions }
  record { quantity = "chamber_temperature", unit = "C", value = chamber.temperature(), conditions = conditions }
  local m, lit = mean(powers)
  first = first or m
  result { name = "mean_optical_power_w", value = m, unit = "W", extra = { temperature_c = t, live_lanes = lit, dead_below_w = p.dead_below_w } }
  result { name = "fraction_of_first_temperature", value = m / first, unit = "1", lower = 0.85,
           extra = { temperature_c = t } }
  log(("%g C: mean %.2f uW over %d live lanes"):format(t, m * 1e6, lit))
  checkpoint("temperature_done", { index = i, first = first })
end
progress(1, "done")
