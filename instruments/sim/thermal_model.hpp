#pragma once
// The thermal chamber and the DUT in it. The air follows a ramp-limited reference as a
// second-order closed loop (a controlled first-order thermal mass; the loop's damping sets the
// overshoot); with the air flow off, or after an over-temperature trip, the air relaxes to
// ambient as a passive first-order mass. The DUT case follows the air with its own time
// constant. Integration runs on a fixed absolute time grid (RK4), so the state at a time does
// not depend on how often anyone looked at it; between grid points a reading is a temporary
// partial step that is never committed.
#include "instruments/sim/bench_config.hpp"

#include <functional>

namespace ledlab::sim {

enum class ChamberStuck {
  none,
  hold,      // the air holds the temperature it had when the fault struck
  saturate,  // the air cannot leave [reachable_low_c, reachable_high_c]
};

struct ThermalState {
  double air_c = 0;
  double air_rate_c_per_s = 0;
  double reference_c = 0;  // the ramp-limited setpoint the loop follows
  double dut_c = 0;
};

class ThermalModel {
 public:
  // Called for every integration step with its length and the DUT temperature at both ends, so
  // the ageing integral follows the same grid.
  using StepFn = std::function<void(double dt_s, double dut_start_c, double dut_end_c)>;

  explicit ThermalModel(const ChamberConfig& config);

  // Commits the state to the last grid point at or before time_s, or exactly to time_s when
  // `exact` (before an input changes). Time never goes back.
  void advance(double time_s, bool exact, const StepFn& on_step);
  // The state at time_s >= committed time, without committing; on_step sees the partial steps.
  ThermalState view(double time_s, const StepFn& on_step) const;

  double committed_time_s() const { return time_s_; }
  const ThermalState& state() const { return state_; }

  void set_setpoint_c(double setpoint_c) { setpoint_c_ = setpoint_c; }
  // Takes up the air, loop and DUT where a previous model left them (a resumed simulation).
  void restore(const ThermalState& state, double setpoint_c) {
    state_ = state;
    setpoint_c_ = setpoint_c;
  }
  void set_ramp_c_per_min(double ramp_c_per_min) { ramp_c_per_min_ = ramp_c_per_min; }
  void set_enabled(bool enabled);
  void set_window_c(double window_c) { window_c_ = window_c; }
  double setpoint_c() const { return setpoint_c_; }
  double ramp_c_per_min() const { return ramp_c_per_min_; }
  double window_c() const { return window_c_; }
  bool enabled() const { return enabled_; }

  // Physical faults.
  void stick_hold();
  void stick_saturate(double reachable_low_c, double reachable_high_c);
  void clear_stuck();
  ChamberStuck stuck() const { return stuck_; }
  void trip_alarm() { alarm_ = true; }
  // Unlatches; if the air is still above the limit the next committed step latches again.
  void clear_alarm();
  bool alarm() const { return alarm_; }

  // Where the loop is heading: the setpoint, clamped by a saturate fault.
  double target_c() const;
  bool controlled() const { return enabled_ && !alarm_ && stuck_ != ChamberStuck::hold; }
  bool ramping(const ThermalState& s) const { return controlled() && s.reference_c != target_c(); }
  bool in_window(const ThermalState& s) const;
  // Seconds the air has been inside the window continuously, at a time seen through view().
  double in_window_for_s(double time_s, const ThermalState& s) const;

 private:
  ThermalState step(const ThermalState& s, double dt_s) const;
  bool settled(const ThermalState& s) const;
  double equilibrium_c() const;  // where the air and the DUT end up if nothing changes
  void commit_step(double dt_s, const StepFn& on_step);
  void restart_reference() { state_.reference_c = state_.air_c; }

  ChamberConfig config_;
  double omega_per_s_;
  double zeta_;
  double grid_s_;
  double time_s_ = 0;
  ThermalState state_;
  double setpoint_c_;
  double ramp_c_per_min_;
  double window_c_;
  bool enabled_ = true;
  bool alarm_ = false;
  ChamberStuck stuck_ = ChamberStuck::none;
  double hold_c_ = 0;
  double reachable_low_c_ = 0;
  double reachable_high_c_ = 0;
  double in_window_since_s_ = 0;
  bool was_in_window_ = false;
};

}  // namespace ledlab::sim
