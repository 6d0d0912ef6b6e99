-- The lowest-energy bias (issue 15): per chamber temperature, the smallest drive bias at which
-- the array still meets its BER limit at the line rate, found by bisection over the bias with
-- the BERT gating every lane, and the energy per bit there measured with the SMU (V x I of every
-- driven lane, failing lanes included). With the LED's power rising with its current, the
-- lowest passing bias is the lowest-energy one. The modulation follows the bias
-- (modulation_ratio x bias, peak to peak), so the zero level never goes below zero current.
-- Needs `smu`, `bert`, `pg`, `opm` and `chamber`.
local p = params {
  temps = { type = "list", default = { 25, 85 }, unit = "C", description = "chamber setpoints, in order" },
  bit_rate_hz = { type = "number", default = 2e9, unit = "Hz", description = "line rate of every lane" },
  prbs = { type = "integer", default = 31, description = "PRBS order of generator and detector" },
  ber_limit = { type = "number", default = 1e-12, unit = "1", description = "a lane passes when its upper bound is at or below this" },
  confidence = { type = "number", default = 0.95, unit = "1", description = "confidence level of the BER bounds" },
  min_good_fraction = { type = "number", default = 0.95, unit = "1", description = "fraction of the live lanes that must meet the limit for the array to pass" },
  bias_min_a = { type = "number", default = 0.5e-3, unit = "A", description = "lowest bias tried" },
  bias_max_a = { type = "number", default = 10e-3, unit = "A", description = "highest bias tried (must pass, else the limit is not met)" },
  modulation_ratio = { type = "number", default = 0.8, unit = "1", description = "modulation peak to peak / bias (0 < r <= 2)" },
  resolution_a = { type = "number", default = 0.1e-3, unit = "A", description = "bisection stops when the bracket is this narrow" },
  soak_s = { type = "number", default = 300, unit = "s", description = "time inside the window before measuring" },
  timeout_s = { type = "number", default = 7200, unit = "s", description = "longest wait for one temperature" },
  dead_below_w = { type = "number", default = 1e-6, unit = "W", description = "light at bias_max_a under which a lane is dead" },
}
-- What this needs of the station, checked before anything is switched on (README "Pre-flight").
needs {
  bert = { gate = "bits", fallback = "time", lanes = "all", bit_rate_hz = p.bit_rate_hz },
  chamber = { range_c = p.temps },
  opm = { lanes = "all" },
  pg = true,
  smu = { lanes = "all" },
}

for _, name in ipairs { "smu", "bert", "pg", "opm", "chamber" } do
  if not _ENV[name] then error(("min_energy_bias.lua needs an instrument named '%s' in the station"):format(name)) end
end
if not (p.bias_min_a > 0 and p.bias_min_a < p.bias_max_a) then error("bias_min_a must be > 0 and below bias_max_a") end
if not (p.modulation_ratio > 0 and p.modulation_ratio <= 2) then error("modulation_ratio must be in (0, 2]") end
if not (p.resolution_a > 0) then error("resolution_a must be > 0") end
if not (p.min_good_fraction > 0 and p.min_good_fraction <= 1) then error("min_good_fraction must be in (0, 1]") end

bert.set_bit_rate(p.bit_rate_hz)
bert.set_pattern(p.prbs)
chamber.set_soak(p.soak_s)
local bits = analysis.bits_for(p.ber_limit, p.confidence)
local driver_w = smu.driver_power_per_lane() or 0

-- Dead lanes: no light at bias_max_a at the first temperature (the one place this sequence
-- decides it). They are driven all the same, so the SMU counts their power.
local dead

local function set_bias(bias)
  pg.set_drive(bias, p.modulation_ratio * bias)
  smu.source_current_all(bias)
end

-- One gate at `bias`: good lanes, the energy per bit, and whether the array passes.
local function evaluate(t, bias)
  set_bias(bias)
  if not dead then
    dead = {}
    for lane, w in ipairs(opm.read_all()) do dead[lane] = w < p.dead_below_w end
  end
  local counts = bert.gate_bits(bits)
  local b = analysis.ber_bounds(counts.errors, counts.bits, p.confidence)
  local good = 0
  for lane = 1, #counts.errors do
    if not dead[lane] and b.upper[lane] <= p.ber_limit then good = good + 1 end
  end
  local m = smu.measure_all()
  local e = analysis.energy_per_bit_measured(m.voltage_v, m.current_a, p.bit_rate_hz, { driver_power_w = driver_w, good_lanes = good })
  local at = { temperature_c = t, bias_a = bias }
  record { quantity = "ber_upper", unit = "1", values = b.upper, conditions = at }
  record { quantity = "forward_voltage", unit = "V", values = m.voltage_v, conditions = at }
  record { quantity = "good_lanes", unit = "lanes", value = good, conditions = at }
  record { quantity = "energy_per_bit", unit = "pJ/bit", value = e.pj_per_bit, conditions = at }
  log(("%g C, bias %.4g A: %d lanes meet %.3g, %.4g pJ/bit"):format(t, bias, good, p.ber_limit, e.pj_per_bit))
  local live = 0
  for lane = 1, #counts.errors do if not dead[lane] then live = live + 1 end end
  -- The spec is a fraction of the live lanes, so it means the same on any array shape.
  return good >= math.max(1, math.ceil(p.min_good_fraction * live - 1e-9)), good, e
end

pg.output(true)
smu.source_current_all(p.bias_max_a)
smu.output_all(true)

local from = resume_point()
local first = from and from.state.index + 1 or 1
if from then dead = from.state.dead end

for i = first, #p.temps do
  local t = p.temps[i]
  progress((i - 1) / #p.temps, ("chamber to %g C"):format(t))
  chamber.set_setpoint(t)
  wait_until(chamber.at_temperature, { poll = 10, timeout = p.timeout_s, what = ("chamber at %g C"):format(t) })

  local ok, good, e = evaluate(t, p.bias_max_a)
  local extra = { temperature_c = t, bit_rate_hz = p.bit_rate_hz, ber_limit = p.ber_limit, min_good_fraction = p.min_good_fraction }
  if not ok then
    extra.lanes_meeting_limit = good
    extra.reason = ("the array misses its limit even at bias_max_a = %g A"):format(p.bias_max_a)
    result { name = "array_meets_limit", value = 0, unit = "1", lower = 1, extra = extra }
  else
    -- Invariant: `high` passes; `low` fails or is below the range. Bisection keeps both.
    local low, high, best_good, best_e = nil, p.bias_max_a, good, e
    local pass_min, good_min, e_min = evaluate(t, p.bias_min_a)
    if pass_min then
      high, best_good, best_e = p.bias_min_a, good_min, e_min
    else
      low = p.bias_min_a
      while high - low > p.resolution_a do
        local mid = 0.5 * (low + high)
        progress((i - 1 + 0.5) / #p.temps, ("%g C: bias %.4g A"):format(t, mid))
        local pass, g, em = evaluate(t, mid)
        if pass then high, best_good, best_e = mid, g, em else low = mid end
      end
    end
    extra.lanes_meeting_limit = best_good
    extra.highest_failing_bias_a = low
    extra.resolution_a = p.resolution_a
    -- Passing already at bias_min_a: the lowest bias (and its energy) may lie below; a bound.
    local q = low == nil and "<" or nil
    result { name = "array_meets_limit", value = 1, unit = "1", lower = 1, extra = extra }
    result { name = "min_energy_bias_a", value = high, unit = "A", qualifier = q, extra = extra }
    result { name = "min_energy_per_bit_pj", value = best_e.pj_per_bit, unit = "pJ/bit", qualifier = q,
             extra = { temperature_c = t, bias_a = high, scope = best_e.scope, counted = best_e.counted, measured = true,
                       driven_lanes = best_e.driven_lanes, lanes_meeting_limit = best_good,
                       pj_per_good_bit = best_e.pj_per_good_bit } }
  end
  checkpoint("temperature_done", { index = i, temperature_c = t, dead = dead })
end
progress(1, "done")
