-- BER of every lane across chamber temperatures (issues 6, 15). At each temperature: set the
-- chamber, wait until it is stable (inside the window for the soak time, then the optical
-- power of the array drifting less than a limit between readings; the limit is a multiple of
-- the meter's repeatability, measured from back-to-back readings at that temperature, never
-- under a floor), gate all lanes at once at the line rate for the bits that claim the target
-- BER at the confidence level with zero errors while sampling the DUT temperature, and record
-- errors, bits, BER, its upper confidence bound, optical power and the temperatures (the DUT's
-- as sampled during the gate). Results: per lane `ber_upper` judged against the BER limit, and
-- per temperature the error-free lane count, the aggregate throughput of the lanes meeting the
-- limit, the array verdict and the energy per bit (measured with the station's SMU, if any);
-- at the end how the error-free count moved with temperature.
local p = params {
  temps = { type = "list", default = { 0, 25, 45, 65, 85, 105 }, unit = "C", description = "chamber setpoints, in order" },
  bit_rate_hz = { type = "number", default = 2e9, unit = "Hz", description = "line rate of every lane" },
  prbs = { type = "integer", default = 31, description = "PRBS order of generator and detector (7, 15, 23, 31)" },
  target_ber = { type = "number", default = 1e-12, unit = "1", description = "BER the gate length must be able to claim" },
  confidence = { type = "number", default = 0.95, unit = "1", description = "confidence level of the BER bounds" },
  ber_limit = { type = "number", default = 1e-12, unit = "1", description = "a lane passes when its upper bound is at or below this" },
  min_good_fraction = { type = "number", default = 0.9, unit = "1", description = "fraction of the live lanes that must meet the limit for the array to pass" },
  bias_a = { type = "number", default = 5e-3, unit = "A", description = "drive bias per lane" },
  modulation_a = { type = "number", default = 4e-3, unit = "A", description = "modulation per lane, peak to peak" },
  window_c = { type = "number", default = 0.5, unit = "C", description = "chamber stability window (+-)" },
  soak_s = { type = "number", default = 300, unit = "s", description = "time inside the window before measuring" },
  repeat_readings = { type = "integer", default = 3, description = "back-to-back power readings that measure the meter's repeatability" },
  drift_multiple = { type = "number", default = 2, unit = "1", description = "drift limit as a multiple of the meter's back-to-back median change" },
  drift_floor = { type = "number", default = 0.002, unit = "1", description = "smallest drift limit (median relative power change between two readings)" },
  drift_interval_s = { type = "number", default = 60, unit = "s", description = "time between the power drift readings" },
  dut_sample_s = { type = "number", default = 30, unit = "s", description = "interval of the DUT temperature samples taken during the gate" },
  timeout_s = { type = "number", default = 7200, unit = "s", description = "longest wait for one temperature to settle" },
  dead_below_w = { type = "number", default = 1e-6, unit = "W", description = "optical power under which a lane is dead" },
  forward_voltage_v = { type = "number", default = 3.3, unit = "V", description = "assumed LED forward voltage for energy per bit on a station without an SMU" },
}
-- What this needs of the station, checked before anything is switched on (README "Pre-flight").
-- Without a bits gate the BERT gates for bits / bit rate seconds; without a DUT probe the
-- chamber air stands for the DUT temperature (both recorded in the run's provenance).
needs {
  bert = { gate = "bits", fallback = "time", lanes = "all", bit_rate_hz = p.bit_rate_hz },
  chamber = { dut_probe = true, fallback = "air", range_c = p.temps },
  opm = { lanes = "all" },
  pg = { current_a = p.bias_a + p.modulation_a / 2 },
  smu = { optional = true, lanes = "all" },
}

if not (p.min_good_fraction > 0 and p.min_good_fraction <= 1) then
  error(("min_good_fraction must be in (0, 1], got %g"):format(p.min_good_fraction))
end
if p.repeat_readings < 2 then error(("repeat_readings must be >= 2, got %d"):format(p.repeat_readings)) end
if not (p.drift_multiple > 0 and p.drift_floor > 0) then
  error(("drift_multiple and drift_floor must be > 0, got %g and %g"):format(p.drift_multiple, p.drift_floor))
end
if not (p.dut_sample_s > 0) then error(("dut_sample_s must be > 0, got %g"):format(p.dut_sample_s)) end

-- The drift limit at this temperature: the median over lit lanes of |P2 / P1 - 1| between
-- back-to-back readings is the meter's own noise in the statistic the drift rule uses (with a
-- 0.3 % meter it is ~0.003, above any fixed 0.002), so the limit is a multiple of it, with a floor.
local function drift_limit_from_repeatability()
  local readings = {}
  for k = 1, p.repeat_readings do readings[k] = opm.read_all() end
  local rep = analysis.repeatability(readings, p.dead_below_w)
  return math.max(p.drift_floor, p.drift_multiple * rep.median_change), rep
end

local function wait_stable(t)
  local waited = 0
  while not chamber.at_temperature() do
    if waited > p.timeout_s then error(("chamber did not settle at %g C within %g s"):format(t, p.timeout_s)) end
    sleep(10)
    waited = waited + 10
  end
  local limit, rep = drift_limit_from_repeatability()
  -- Optical power drift: the median over lit lanes of |P now / P before - 1|.
  local before = opm.read_all()
  while true do
    sleep(p.drift_interval_s)
    waited = waited + p.drift_interval_s
    local now = opm.read_all()
    local changes = {}
    for i, w in ipairs(now) do
      if before[i] > p.dead_below_w then changes[#changes + 1] = math.abs(w / before[i] - 1) end
    end
    local drift = #changes > 0 and analysis.median(changes) or 0
    if drift <= limit then return now, drift, limit, rep end
    if waited > p.timeout_s then
      error(("optical power still drifting %.3g > %.3g (%g x the meter's back-to-back %.3g, floor %g) at %g C after %g s"):format(
        drift, limit, p.drift_multiple, rep.median_change, p.drift_floor, t, waited))
    end
    before = now
  end
end

-- Gates every lane while sampling the DUT temperature, so the BER is recorded with the
-- temperature it was measured at: a sample as the gate starts, every dut_sample_s during it
-- and one as it ends. Returns the counts and the samples' mean, min and max.
local function gate_with_dut_temperature(bits, at)
  local counts, gating, samples = nil, true, {}
  local function sample()
    local c = chamber.dut_temperature()
    samples[#samples + 1] = c
    record { quantity = "dut_temperature", unit = "C", value = c, conditions = at }
  end
  sample()
  parallel {
    function()
      counts = bert.gate_bits(bits)
      gating = false
    end,
    function()
      sleep(p.dut_sample_s)
      while gating do
        sample()
        sleep(p.dut_sample_s)
      end
    end,
  }
  sample()
  local sum, lo, hi = 0, math.huge, -math.huge
  for _, c in ipairs(samples) do sum, lo, hi = sum + c, math.min(lo, c), math.max(hi, c) end
  return counts, sum / #samples, lo, hi, #samples
end

chamber.set_window(p.window_c)
chamber.set_soak(p.soak_s)
-- A BER is only worth something at the temperature it is recorded with: hold the run while the
-- chamber's air is out of band after it had settled, and let it soak again before going on (an
-- instrument call caught by the excursion is repeated). Same name as the station file's band, so
-- on a station that declares one this sets its soak; on one that does not, it adds it.
interlock { name = "band", kind = "chamber_band", instrument = "chamber", band_c = 2, soak_s = p.soak_s }
bert.set_bit_rate(p.bit_rate_hz)
bert.set_pattern(p.prbs)
pg.set_drive(p.bias_a, p.modulation_a)
pg.output(true)
-- With an SMU the bias current comes from it (through the bias tee) and it reads each lane's
-- voltage there for the energy per bit.
if smu then
  smu.source_current_all(p.bias_a)
  smu.output_all(true)
end
local bits = analysis.bits_for(p.target_ber, p.confidence)
log(("gating %.3g bits per lane at %.3g b/s: claims BER < %.3g at %g %% with no errors"):format(
  bits, p.bit_rate_hz, p.target_ber, p.confidence * 100))

-- After `ledlab resume`: go on with the temperature after the last one done.
local from = resume_point()
local first = from and from.state.index + 1 or 1
if from then log(("resumed after %g C"):format(from.state.temperature_c)) end
-- "25 C 380" per temperature done, for the closing line; carried over a resume in the checkpoint.
local trend = from and from.state.trend or {}
local trend_counts = from and from.state.trend_counts or {}

for i = first, #p.temps do
  local t = p.temps[i]
  progress((i - 1) / #p.temps, ("chamber to %g C"):format(t))
  -- In the run's events: when the chamber was sent to t (where the step's waiting starts).
  log(("chamber to %g C"):format(t))
  chamber.set_setpoint(t)
  local _, drift, drift_limit, rep = wait_stable(t)
  local at = { temperature_c = t }
  record { quantity = "power_repeatability", unit = "1", value = rep.median_change, conditions = at }
  record { quantity = "drift_limit", unit = "1", value = drift_limit, conditions = at }
  record { quantity = "chamber_temperature", unit = "C", value = chamber.temperature(), conditions = at }

  progress((i - 0.5) / #p.temps, ("gating all lanes at %g C"):format(t))
  local counts, dut_c, dut_min_c, dut_max_c, dut_samples = gate_with_dut_temperature(bits, at)
  local powers = opm.read_all()
  local b = analysis.ber_bounds(counts.errors, counts.bits, p.confidence)
  record { quantity = "errors", unit = "1", values = counts.errors, conditions = at }
  record { quantity = "bits", unit = "1", values = counts.bits, conditions = at }
  record { quantity = "ber", unit = "1", values = b.ber, conditions = at }
  record { quantity = "ber_upper", unit = "1", values = b.upper, conditions = at }
  record { quantity = "optical_power", unit = "W", values = powers, conditions = at }

  local error_free, good, live = 0, 0, 0
  for lane = 1, #counts.errors do
    local dead = powers[lane] < p.dead_below_w
    local extra = { temperature_c = t, dut_temperature_c = dut_c, errors = counts.errors[lane], bits = counts.bits[lane],
                    ber = b.ber[lane], ber_lower = b.lower[lane], confidence = p.confidence }
    if dead then
      extra.dead = true
    else
      live = live + 1
      if counts.errors[lane] == 0 then error_free = error_free + 1 end
      if b.upper[lane] <= p.ber_limit then good = good + 1 end
    end
    result { name = "ber_upper", lane = lane, value = b.upper[lane], unit = "1", upper = p.ber_limit, dead = dead, extra = extra }
  end

  local throughput = good * p.bit_rate_hz
  local conditions = { temperature_c = t, dut_temperature_c = dut_c, dut_min_c = dut_min_c, dut_max_c = dut_max_c,
                       dut_samples = dut_samples, drift = drift, drift_limit = drift_limit,
                       meter_repeatability = rep.median_change }
  local free_extra = { live_lanes = live }
  for k, v in pairs(conditions) do free_extra[k] = v end
  result { name = "error_free_lanes", value = error_free, unit = "lanes", extra = free_extra }
  result { name = "aggregate_throughput_bps", value = throughput, unit = "b/s",
           extra = { temperature_c = t, lanes_meeting_limit = good, lane_rate_bps = p.bit_rate_hz } }
  -- The spec is a fraction of the live lanes, so it means the same on any array shape.
  local needed = math.max(1, math.ceil(p.min_good_fraction * live - 1e-9))
  result { name = "array_pass", value = good >= needed and 1 or 0, unit = "1", lower = 1,
           extra = { temperature_c = t, dut_temperature_c = dut_c, lanes_meeting_limit = good, lanes_needed = needed,
                     min_good_fraction = p.min_good_fraction, live_lanes = live } }
  if smu then
    -- Measured: V x I of every driven lane at the operating point, failing lanes included, plus
    -- the driver's power where the station declares it; over the rate of every driven lane.
    local m = smu.measure_all()
    record { quantity = "forward_voltage", unit = "V", values = m.voltage_v, conditions = at }
    local e = analysis.energy_per_bit_measured(m.voltage_v, m.current_a, p.bit_rate_hz,
      { driver_power_w = smu.driver_power_per_lane() or 0, good_lanes = good })
    result { name = "energy_per_bit_pj", value = e.pj_per_bit, unit = "pJ/bit",
             extra = { temperature_c = t, scope = e.scope, counted = e.counted, measured = true, power_w = e.power_w,
                       driven_lanes = e.driven_lanes, lanes_meeting_limit = good, pj_per_good_bit = e.pj_per_good_bit } }
  elseif good > 0 then
    local watts = good * p.bias_a * p.forward_voltage_v
    local e = analysis.energy_per_bit(watts, throughput, "led_only",
      ("ASSUMED, not measured (no SMU): bias current x forward_voltage_v (%g A x %g V) of the %d lanes meeting the limit; "
       .. "no driver, receiver or SerDes"):format(p.bias_a, p.forward_voltage_v, good))
    result { name = "energy_per_bit_pj", value = e.pj_per_bit, unit = "pJ/bit",
             extra = { temperature_c = t, scope = e.scope, counted = e.counted, measured = false } }
  end
  log(("%g C (DUT %.2f C during the gate): %d of %d live lanes error-free, %d meet %.3g, %.1f Gb/s aggregate "
       .. "(power drift %.2g, limit %.2g from the meter's back-to-back %.2g)"):format(
    t, dut_c, error_free, live, good, p.ber_limit, throughput / 1e9, drift, drift_limit, rep.median_change))
  trend[#trend + 1] = ("%g C %d"):format(t, error_free)
  trend_counts[#trend_counts + 1] = error_free
  checkpoint("temperature_done", { index = i, temperature_c = t, trend = trend, trend_counts = trend_counts })
end

-- How the error-free count moved across the temperatures, in one line and one result.
if #trend_counts > 0 then
  local falling = true
  for k = 2, #trend_counts do
    if trend_counts[k] > trend_counts[k - 1] then falling = false end
  end
  local change = trend_counts[#trend_counts] - trend_counts[1]
  local summary = table.concat(trend, ", ")
  log(("error-free lanes: %s (%s%d from the first temperature to the last%s)"):format(
    summary, change >= 0 and "+" or "", change, falling and change < 0 and ", falling with temperature" or ""))
  result { name = "error_free_lanes_change", value = change, unit = "lanes",
           extra = { by_temperature = summary, falling = falling and change < 0 } }
end
progress(1, "done")
