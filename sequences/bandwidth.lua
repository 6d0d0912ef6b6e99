-- Modulation bandwidth of every lane (issues 6, 15). For each drive current: measure the
-- repeatability of the amplitude readings (two back-to-back readings at the first frequency)
-- and average enough readings per point to bring it under `amplitude_noise_target`; sweep the
-- modulation frequency (log-spaced) reading every lane's received modulation amplitude; f3dB
-- (electrical, |H|^2 = 1/2) from a two-pole fit (carrier lifetime + RC) with the low-frequency
-- level fitted, so a sweep starting close to f3dB does not bias it; the crossing interpolated
-- against that level is stored beside it. A lane whose sweep cannot resolve f3dB (it starts too
-- close or ends below it) is flagged `resolved = false` with the reason and left out of the
-- array median and spread. Then the highest bit rate at which each lane's BER upper bound
-- stays under a threshold.
-- Results: f3db_hz (the fit) and f3db_interp_hz per lane per current, the array median and
-- spread per current over resolved lanes (f3dB vs current density), max_bit_rate_bps per lane.
local p = params {
  currents_a = { type = "list", default = { 1e-3, 2e-3, 5e-3, 10e-3, 15e-3 }, unit = "A", description = "bias currents per lane" },
  modulation_fraction = { type = "number", default = 0.2, unit = "1", description = "small-signal modulation, peak to peak, as a fraction of the bias" },
  f_start_hz = { type = "number", default = 10e6, unit = "Hz", description = "first modulation frequency" },
  f_stop_hz = { type = "number", default = 6e9, unit = "Hz", description = "last modulation frequency" },
  points = { type = "integer", default = 31, description = "frequencies, log-spaced" },
  plateau_points = { type = "integer", default = 3, description = "low-frequency points the fit's starting level is taken from" },
  amplitude_noise_target = { type = "number", default = 0.01, unit = "1", description = "relative noise per averaged point the readings are averaged down to" },
  max_averages = { type = "integer", default = 16, description = "most amplitude readings averaged per point" },
  diameter_um = { type = "number", default = 8, unit = "um", description = "emitter diameter, for the current density" },
  dead_fraction = { type = "number", default = 0.05, unit = "1", description = "a plateau under this fraction of the array median is a dead lane" },
  bit_rates_hz = { type = "list", default = { 1e9, 2e9, 3e9, 4e9 }, unit = "Hz", description = "bit rates tried for the highest usable rate (empty: skip)" },
  rate_bias_a = { type = "number", default = 5e-3, unit = "A", description = "bias for the bit-rate test" },
  rate_modulation_a = { type = "number", default = 4e-3, unit = "A", description = "modulation for the bit-rate test, peak to peak" },
  ber_threshold = { type = "number", default = 1e-9, unit = "1", description = "BER upper bound a usable bit rate must stay under" },
  confidence = { type = "number", default = 0.95, unit = "1", description = "confidence level of the BER bounds" },
  min_bit_rate_bps = { type = "number", default = 2e9, unit = "b/s", description = "a lane passes when its highest usable rate reaches this" },
}
-- What this needs of the station, checked before anything is switched on (README "Pre-flight").
needs {
  bert = { amplitude = true, lanes = "all", gate = #p.bit_rates_hz > 0 and "bits" or nil, bit_rate_hz = p.bit_rates_hz },
  pg = true,
}

if p.points < 2 or not (p.f_stop_hz > p.f_start_hz and p.f_start_hz > 0) then
  error(("bandwidth: need points >= 2 and 0 < f_start_hz < f_stop_hz (got %d, %g, %g)"):format(p.points, p.f_start_hz, p.f_stop_hz))
end
local freqs = {}
for k = 1, p.points do
  freqs[k] = p.f_start_hz * (p.f_stop_hz / p.f_start_hz) ^ ((k - 1) / (p.points - 1))
end
local area_cm2 = math.pi * (p.diameter_um * 1e-4 / 2) ^ 2
local steps = #p.currents_a + (#p.bit_rates_hz > 0 and 1 or 0)

pg.output(true)
-- After `ledlab resume`: go on with the current after the last one done.
local from = resume_point()
local first = from and from.state.index + 1 or 1

for c = first, #p.currents_a do
  local current = p.currents_a[c]
  progress((c - 1) / steps, ("sweeping %d frequencies at %g mA"):format(#freqs, current * 1e3))
  pg.set_drive(current, p.modulation_fraction * current)
  local at = { drive_current_a = current }
  -- Repeatability of the amplitude readings: two back-to-back readings at the first frequency.
  pg.set_frequency(freqs[1])
  local probe = bert.amplitudes()
  local rep = analysis.repeatability({ probe, bert.amplitudes() }, analysis.median(probe) * p.dead_fraction)
  local averages = math.min(p.max_averages, math.max(1, math.ceil((rep.relative_sigma / p.amplitude_noise_target) ^ 2 - 1e-9)))
  local amplitudes = {}
  for k, f in ipairs(freqs) do
    pg.set_frequency(f)
    local sum = bert.amplitudes()
    for _ = 2, averages do
      for lane, a in ipairs(bert.amplitudes()) do sum[lane] = sum[lane] + a end
    end
    for lane = 1, #sum do sum[lane] = sum[lane] / averages end
    amplitudes[k] = sum
    record { quantity = "modulation_frequency", unit = "Hz", value = f, conditions = at }
    record { quantity = "mod_amplitude", unit = "W", values = amplitudes[k], conditions = at }
  end
  local lanes = analysis.bandwidth_lanes(freqs, amplitudes,
    { model = "free_rc", plateau_points = p.plateau_points, dead_fraction = p.dead_fraction })
  local density = current / area_cm2
  local resolved, live, unresolved, why = {}, 0, 0, nil
  for lane, r in ipairs(lanes) do
    local extra = { drive_current_a = current, current_density_a_cm2 = density }
    if r.dead then
      extra.dead = true
      resolved[lane] = false
      result { name = "f3db_hz", lane = lane, value = 0, unit = "Hz", dead = true, extra = extra }
    else
      live = live + 1
      extra.method = r.method
      extra.resolved = r.resolved
      extra.note = r.note
      extra.interp_f3db_hz = r.interp_f3db_hz
      extra.residual = r.residual_db
      extra.residual_unit = "dB rms"
      extra.tau_s, extra.rc_s, extra.points, extra.plateau_gain_db = r.tau_s, r.rc_s, r.points, r.gain_db
      extra.averages = averages
      if r.resolved then
        resolved[lane] = r.f3db_hz
      else
        resolved[lane], unresolved, why = false, unresolved + 1, why or ("lane %d: %s"):format(lane, r.note or "no reason given")
      end
      result { name = "f3db_hz", lane = lane, value = r.f3db_hz or 0, unit = "Hz", extra = extra }
      if r.interp_f3db_hz then
        result { name = "f3db_interp_hz", lane = lane, value = r.interp_f3db_hz, unit = "Hz",
                 extra = { drive_current_a = current, current_density_a_cm2 = density, resolved = r.resolved,
                           method = "interpolation, log f vs dB, against the fitted low-frequency level" } }
      end
    end
  end
  if live > unresolved then
    local median, spread = analysis.median(resolved), analysis.iqr(resolved)
    local extra = { drive_current_a = current, current_density_a_cm2 = density, live_lanes = live,
                    resolved_lanes = live - unresolved, unresolved_lanes = unresolved, spread = "interquartile range",
                    amplitude_noise = rep.relative_sigma, averages = averages }
    result { name = "f3db_median_hz", value = median, unit = "Hz", extra = extra }
    result { name = "f3db_spread_hz", value = spread, unit = "Hz", extra = extra }
    log(("%g mA (%.3g kA/cm2): median f3dB %.0f MHz, IQR %.0f MHz over %d resolved of %d live lanes "
         .. "(amplitude noise %.2g %%, %d readings per point)"):format(
      current * 1e3, density / 1e3, median / 1e6, spread / 1e6, live - unresolved, live, rep.relative_sigma * 100, averages))
  end
  if unresolved > 0 then
    log(("warning: %g mA: f3dB not resolved on %d of %d live lanes (sweep %.3g..%.3g Hz; first %s); %s"):format(
      current * 1e3, unresolved, live, freqs[1], freqs[#freqs], why,
      live > unresolved and "left out of the median" or "no array median at this current"))
  end
  checkpoint("current_done", { index = c, drive_current_a = current })
end

if #p.bit_rates_hz > 0 then
  progress((steps - 1) / steps, "highest bit rate per lane")
  pg.set_drive(p.rate_bias_a, p.rate_modulation_a)
  local bits = analysis.bits_for(p.ber_threshold, p.confidence)
  local best, usable = {}, {}
  for _, rate in ipairs(p.bit_rates_hz) do
    bert.set_bit_rate(rate)
    local counts = bert.gate_bits(bits)
    local b = analysis.ber_bounds(counts.errors, counts.bits, p.confidence)
    record { quantity = "ber_upper", unit = "1", values = b.upper, conditions = { bit_rate_hz = rate } }
    for lane, up in ipairs(b.upper) do
      if usable[lane] == nil then usable[lane] = true end
      -- usable up to the first rate that fails: a lane that fails at 3 Gb/s is not credited with 4
      if usable[lane] and up <= p.ber_threshold then best[lane] = rate else usable[lane] = false end
    end
  end
  local dead_at_rate = bert.amplitudes()
  local dark = analysis.median(dead_at_rate) * p.dead_fraction
  for lane = 1, #usable do
    local extra = { ber_threshold = p.ber_threshold, confidence = p.confidence, bits = bits, bias_a = p.rate_bias_a }
    if dead_at_rate[lane] <= dark then extra.dead = true end
    result { name = "max_bit_rate_bps", lane = lane, value = best[lane] or 0, unit = "b/s", lower = p.min_bit_rate_bps,
             dead = extra.dead, extra = extra }
  end
end
progress(1, "done")
