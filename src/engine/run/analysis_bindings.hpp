#pragma once
// The analysis library as synchronous script functions under `analysis.*` (pure: no engine
// call, no yield). Arguments and results are numbers and tables; lists of lane values may hold
// `false` (or NaN) for a lane without a value, which statistics skip. Errors name the function
// and the argument: "analysis.f3db: argument 2 (response): expected a list of numbers".
//
//   analysis.f3db(freqs, response [, {plateau_points=3, convention="electrical", model="free_rc"}])
//       -> {f3db_hz (the two-pole fit with the plateau fitted), resolved, note (why not resolved),
//           method, interp_f3db_hz, fit_f3db_hz, tau_s, rc_s, gain_db, residual_db, points,
//           interpolated_hz, plateau, crossing_index (the first-points interpolation, biased high
//           when the sweep starts near f3dB; absent when the curve never crosses -3 dB)}
//   analysis.pole_fit(freqs, response [, {model="free_rc"|"single"|"known_rc", rc_s, floor_db, plateau_points}])
//       -> {tau_s, rc_s, f3db_hz, gain_db, residual_db, points}
//   analysis.bandwidth_lanes(freqs, amplitudes_per_frequency [, opts])
//       -> per lane {dead=true} or analysis.f3db's fields without the first-points ones
//          (interpolated_hz, plateau, crossing_index)
//          (amplitudes_per_frequency[k] = every lane's amplitude at freqs[k]; opts as pole_fit
//           plus dead_fraction: a plateau under this fraction of the array median is dead)
//   analysis.ber_bounds(errors, bits, confidence) -> {ber, lower, upper}; lists in, lists out
//   analysis.bits_for(target_ber, confidence [, allowed_errors]) -> bits (rounded up)
//   analysis.q_from_ber(ber), analysis.ber_from_q(q)
//   analysis.decay_fit(t_h, p) -> {b, alpha_per_h, alpha_se_per_h, resolved, decay_pct_per_kh, residual_ln, points}
//   analysis.lifetime(b, alpha_per_h, p_percent) -> hours (inf when it never gets there)
//   analysis.burn_in(t_h, readings [, {failure_limit=0.1, dead_below_w=1e-6, confirm_readings=3,
//                                      sudden_drop_fraction=0.05, sudden_drop_sigmas=8, confidence=0.95}])
//       -> {duration_h, window={start_h, end_h, tm21}, units, catastrophic, cap_factor, cap_h,
//           lanes={{dead, catastrophic, catastrophic_at_h, catastrophic_of_level, failed, failed_at_h,
//                   alpha_per_h, alpha_se_per_h, resolved, ...}, ...},
//           array={l70={...}, l90={...}, interval={confidence, lanes, alpha_sd_per_h, alpha_lo_per_h,
//                  alpha_hi_per_h, l70_lo_h, l70_hi_h, l90_lo_h, l90_hi_h}}}
//          (readings[k] = every lane's power at t_h[k]; holds every reading: for short tests)
//   analysis.burn_in_accumulator{duration_h= [, guard_h=0.05, and the options of analysis.burn_in]}
//       -> an object for burn-ins of any length, in memory that does not grow with the readings
//          (analysis/burn_in_accumulator.hpp); duration_h is the planned duration, which
//          chooses the fit window:
//          acc:add(t_h, powers) -> the failures confirmed at this reading
//                                  {{lane=, of_first=, catastrophic=, at_h=}, ...}
//          acc:readings() -> count
//          acc:replay_needed() -> nil, or why result() needs every reading added a second time
//          acc:replay() -> starts that second pass (then acc:add every reading again, in order)
//          acc:result() -> what analysis.burn_in returns for the same readings
//   analysis.summary(values) -> {count, finite, min, max, mean, median, p5, p95, iqr, mad}
//   analysis.median(values), analysis.iqr(values)
//   analysis.acceleration_factor(ea_ev, use_c, stress_c)
//   analysis.energy_per_bit(power_w, bit_rate_bps, scope [, counted]) -> {pj_per_bit, scope, counted}
#include "engine/lua/sequence_runner.hpp"

namespace ledlab::engine {

void bind_analysis(lua::SequenceRunner& runner);

}  // namespace ledlab::engine
