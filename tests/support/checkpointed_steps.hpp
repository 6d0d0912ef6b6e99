#pragma once
// A sequence of checkpointed steps for the tests that kill, resume and ship runs: each step
// reads all 400 lanes, records them, takes an hour of the run's clock (a wall second at 3600x),
// records that the step is done and checkpoints; a resumed run starts at the step after the
// checkpoint. `-p steps=N` sets the number of steps (default 8).
namespace ledlab::test {

inline constexpr const char* kCheckpointedSteps = R"lua(
local p = params { steps = { type = "integer", default = 8, description = "steps" } }
local first = 1
local from = resume_point()
if from then first = from.state.next end
pg.set_drive(5e-3, 4e-3)
pg.output(true)
for i = first, p.steps do
  record { quantity = "optical_power", unit = "W", values = opm.read_all(), conditions = { step = i } }
  sleep(3600)  -- a wall second at 3600x
  record { quantity = "step_done", unit = "1", value = i, conditions = { step = i } }
  result { name = "step_mean", value = i, unit = "1", extra = { step = i } }
  checkpoint("step", { next = i + 1 })
  log(("step %d done"):format(i))
end
)lua";

}  // namespace ledlab::test
