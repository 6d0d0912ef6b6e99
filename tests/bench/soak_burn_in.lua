-- The soak benchmark's burn-in (tests/bench/bench_soak.cpp): every lane's optical power at a
-- fixed interval for a duration, on a fixed schedule (start + k x interval), with bounded state
-- so it can run for weeks; a checkpoint every `checkpoint_every` readings lets `ledlab resume`
-- go on after a kill. Slots that passed while the run was suspended or dead are skipped.
local p = params {
  duration_h = { type = "number", default = 1008, unit = "h", description = "stress time" },
  interval_s = { type = "number", default = 60, unit = "s", description = "time between readings of all lanes" },
  checkpoint_every = { type = "integer", default = 60, description = "readings between checkpoints" },
  stress_temperature_c = { type = "number", default = 85, unit = "C", description = "chamber setpoint" },
}
local from = resume_point()
chamber.set_window(0.5)
chamber.set_soak(600)
chamber.set_setpoint(p.stress_temperature_c)
pg.set_drive(5e-3, 0)
pg.output(true)
wait_until(chamber.at_temperature, { poll = 10, timeout = 7200, what = "chamber at the stress temperature" })
local start = from and from.state.start or now()
local k = from and from.state.k or 0
local n = math.floor(p.duration_h * 3600 / p.interval_s)
local conditions = { stress_temperature_c = p.stress_temperature_c }
while k <= n do
  local due = start + k * p.interval_s
  if now() > due + 1 then
    k = math.floor((now() - start) / p.interval_s) + 1  -- the slots a suspension or a kill took
  else
    if now() < due then sleep(due - now()) end
    record { quantity = "optical_power", unit = "W", values = opm.read_all(), conditions = conditions }
    k = k + 1
    if k % p.checkpoint_every == 0 then checkpoint("reading", { start = start, k = k }) end
    if k % 600 == 0 then progress(k / n, "soak") end
  end
end
