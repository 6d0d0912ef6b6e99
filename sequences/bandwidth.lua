-- Modulation bandwidth of every lane (issue 6). For each drive current: sweep the modulation
-- frequency (log-spaced) and read every lane's received modulation amplitude; normalise each
-- curve to its low-frequency plateau and find f3dB (electrical, |H|^2 = 1/2) by interpolation
-- and by a two-pole fit (carrier lifetime + RC), both stored with the fit residual. Then the
-- highest bit rate at which each lane's BER upper bound stays under a threshold.
-- Results: f3db_hz and f3db_fit_hz per lane per current, the array median and spread per
-- current (f3dB vs current density), max_bit_rate_bps per lane.
local p = params {
  currents_a = { type = "list", default = { 1e-3, 2e-3, 5e-3, 10e-3, 15e-3 }, unit = "A", description = "bias currents per lane" },
  modulation_fraction = { type = "number", default = 0.2, unit = "1", description = "small-signal modulation, peak to peak, as a fraction of the bias" },
  f_start_hz = { type = "number", default = 10e6, unit = "Hz", description = "first modulation frequency" },
  f_stop_hz = { type = "number", default = 6e9, unit = "Hz", description = "last modulation frequency" },
  points = { type = "integer", default = 31, description = "frequencies, log-spaced" },
  plateau_points = { type = "integer", default = 3, description = "low-frequency points the response is normalised to" },
  diameter_um = { type = "number", default = 8, unit = "um", description = "emitter diameter, for the current density" },
  dead_fraction = { type = "number", default = 0.05, unit = "1", description = "a plateau under this fraction of the array median is a dead lane" },
  bit_rates_hz = { type = "list", default = { 1e9, 2e9, 3e9, 4e9 }, unit = "Hz", description = "bit rates tried for the highest usable rate (empty: skip)" },
  rate_bias_a = { type = "number", default = 5e-3, unit = "A", description = "bias for the bit-rate test" },
  rate_modulation_a = { type = "number", default = 4e-3, unit = "A", description = "modulation for the bit-rate test, peak to peak" },
  ber_threshold = { type = "number", default = 1e-9, unit = "1", description = "BER upper bound a usable bit rate must stay under" },
  confidence = { type = "number", default = 0.95, unit = "1", description = "confidence level of the BER bounds" },
  min_bit_rate_bps = { type = "number", default = 2e9, unit = "b/s", description = "a lane passes when its highest usable rate reaches this" },
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
  local amplitudes = {}
  for k, f in ipairs(freqs) do
    pg.set_frequency(f)
    amplitudes[k] = bert.amplitudes()
    record { quantity = "modulation_frequency", unit = "Hz", value = f, conditions = at }
    record { quantity = "mod_amplitude", unit = "W", values = amplitudes[k], conditions = at }
  end
  local lanes = analysis.bandwidth_lanes(freqs, amplitudes,
    { model = "free_rc", plateau_points = p.plateau_points, dead_fraction = p.dead_fraction })
  local density = current / area_cm2
  local interp, live = {}, 0
  for lane, r in ipairs(lanes) do
    local extra = { drive_current_a = current, current_density_a_cm2 = density }
    if r.dead then
      extra.dead = true
      interp[lane] = false
      result { name = "f3db_hz", lane = lane, value = 0, unit = "Hz", dead = true, extra = extra }
    else
      live = live + 1
      interp[lane] = r.f3db_hz or false
      extra.method = "interpolation, log f vs dB"
      extra.note = r.note
      result { name = "f3db_hz", lane = lane, value = r.f3db_hz or 0, unit = "Hz", extra = extra }
      if r.fit_f3db_hz then
        result { name = "f3db_fit_hz", lane = lane, value = r.fit_f3db_hz, unit = "Hz",
                 extra = { drive_current_a = current, current_density_a_cm2 = density, method = "two-pole fit (tau, RC)",
                           residual = r.residual_db, residual_unit = "dB rms", tau_s = r.tau_s, rc_s = r.rc_s, points = r.points } }
      end
    end
  end
  local median, spread = analysis.median(interp), analysis.iqr(interp)
  local extra = { drive_current_a = current, current_density_a_cm2 = density, live_lanes = live, spread = "interquartile range" }
  result { name = "f3db_median_hz", value = median, unit = "Hz", extra = extra }
  result { name = "f3db_spread_hz", value = spread, unit = "Hz", extra = extra }
  log(("%g mA (%.3g kA/cm2): median f3dB %.0f MHz, IQR %.0f MHz over %d live lanes"):format(
    current * 1e3, density / 1e3, median / 1e6, spread / 1e6, live))
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
