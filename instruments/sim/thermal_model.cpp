#include "instruments/sim/thermal_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ledlab::sim {

namespace {

// Below these the state is indistinguishable from its equilibrium: the model jumps the rest of
// the interval in one exact step instead of integrating a constant.
constexpr double kSettledC = 1e-6;
constexpr double kSettledRateCPerS = 1e-8;

// Damping of a second-order loop whose step response overshoots by `fraction`.
double damping_for_overshoot(double fraction) {
  if (!(fraction > 0.0)) return 1.0;
  const double l = std::log(fraction);
  return -l / std::sqrt(std::numbers::pi * std::numbers::pi + l * l);
}

double move_toward(double from, double to, double max_step) {
  if (to > from) return std::min(to, from + max_step);
  return std::max(to, from - max_step);
}

}  // namespace

ThermalModel::ThermalModel(const ChamberConfig& config)
    : config_(config),
      omega_per_s_(1.0 / config.time_constant_s),
      zeta_(damping_for_overshoot(config.overshoot_fraction)),
      grid_s_(std::min({config.max_substep_s, 0.1 * config.time_constant_s, 0.1 * config.dut_time_constant_s,
                        0.1 * config.passive_time_constant_s})),
      setpoint_c_(config.initial_c),
      ramp_c_per_min_(config.max_ramp_c_per_min),
      window_c_(config.window_c) {
  state_.air_c = config.initial_c;
  state_.reference_c = config.initial_c;
  state_.dut_c = config.initial_c;
  was_in_window_ = true;
}

double ThermalModel::target_c() const {
  if (stuck_ == ChamberStuck::saturate) return std::clamp(setpoint_c_, reachable_low_c_, reachable_high_c_);
  return setpoint_c_;
}

ThermalState ThermalModel::step(const ThermalState& s, double dt_s) const {
  // Three regimes; the reference only matters while the loop is in control and otherwise
  // tracks the air, so a loop that comes back ramps from where the air is.
  const bool hold = stuck_ == ChamberStuck::hold;
  const bool loop = controlled();
  const double target = target_c();
  const double ramp = (ramp_c_per_min_ > 0.0 ? std::min(ramp_c_per_min_, config_.max_ramp_c_per_min)
                                              : config_.max_ramp_c_per_min) / 60.0;
  const double w = omega_per_s_;
  struct D { double x, v, d; };
  const auto deriv = [&](double t, const D& y) -> D {
    const double dut = (y.x - y.d) / config_.dut_time_constant_s;
    if (hold) return {0.0, 0.0, dut};
    if (!loop) {
      const double rate = (config_.ambient_c - y.x) / config_.passive_time_constant_s;
      return {rate, 0.0, dut};
    }
    const double ref = move_toward(s.reference_c, target, ramp * t);
    return {y.v, w * w * (ref - y.x) - 2.0 * zeta_ * w * y.v, dut};
  };
  const D y0{s.air_c, s.air_rate_c_per_s, s.dut_c};
  const auto add = [](const D& y, const D& k, double h) { return D{y.x + h * k.x, y.v + h * k.v, y.d + h * k.d}; };
  const double h = dt_s;
  const D k1 = deriv(0.0, y0);
  const D k2 = deriv(0.5 * h, add(y0, k1, 0.5 * h));
  const D k3 = deriv(0.5 * h, add(y0, k2, 0.5 * h));
  const D k4 = deriv(h, add(y0, k3, h));
  ThermalState out;
  out.air_c = y0.x + h / 6.0 * (k1.x + 2.0 * k2.x + 2.0 * k3.x + k4.x);
  out.dut_c = y0.d + h / 6.0 * (k1.d + 2.0 * k2.d + 2.0 * k3.d + k4.d);
  if (hold) {
    out.air_c = hold_c_;
    out.air_rate_c_per_s = 0.0;
    out.reference_c = hold_c_;
  } else if (!loop) {
    out.air_rate_c_per_s = (config_.ambient_c - out.air_c) / config_.passive_time_constant_s;
    out.reference_c = out.air_c;
  } else {
    out.air_rate_c_per_s = y0.v + h / 6.0 * (k1.v + 2.0 * k2.v + 2.0 * k3.v + k4.v);
    out.reference_c = move_toward(s.reference_c, target, ramp * h);
  }
  return out;
}

double ThermalModel::equilibrium_c() const {
  if (stuck_ == ChamberStuck::hold) return hold_c_;
  return controlled() ? target_c() : config_.ambient_c;
}

bool ThermalModel::settled(const ThermalState& s) const {
  if (std::fabs(s.dut_c - s.air_c) > kSettledC) return false;
  if (stuck_ == ChamberStuck::hold) return true;
  if (!controlled()) return std::fabs(s.air_c - config_.ambient_c) <= kSettledC;
  const double target = target_c();
  return s.reference_c == target && std::fabs(s.air_c - target) <= kSettledC &&
         std::fabs(s.air_rate_c_per_s) <= kSettledRateCPerS;
}

void ThermalModel::commit_step(double dt_s, const StepFn& on_step) {
  const ThermalState next = step(state_, dt_s);
  on_step(dt_s, state_.dut_c, next.dut_c);
  state_ = next;
  // The over-temperature limit is an independent sensor with a latched output (REFERENCE.md 7);
  // it is checked on every committed grid point, i.e. at least every max_substep_s.
  if (state_.air_c > config_.over_temperature_limit_c) alarm_ = true;
}

void ThermalModel::advance(double time_s, bool exact, const StepFn& on_step) {
  while (time_s_ < time_s) {
    if (settled(state_)) {
      // Snap onto the equilibrium, then cover the rest in one step: exact, and O(1) for a
      // 1000 h soak.
      const double eq = equilibrium_c();
      state_.air_c = state_.dut_c = state_.reference_c = eq;
      state_.air_rate_c_per_s = 0.0;
      const double end = exact ? time_s : std::max(time_s_, std::floor(time_s / grid_s_) * grid_s_);
      if (end > time_s_) {
        on_step(end - time_s_, eq, eq);
        time_s_ = end;
      }
      break;
    }
    double next = (std::floor(time_s_ / grid_s_) + 1.0) * grid_s_;
    if (next - time_s_ < 1e-9 * grid_s_) next += grid_s_;
    if (!(next > time_s_)) {
      // Past 2^53 grid steps a double cannot tell one grid point from the next, so the loop
      // would never advance: no transient is resolvable there, take the rest as settled.
      state_.air_c = state_.dut_c = state_.reference_c = equilibrium_c();
      state_.air_rate_c_per_s = 0.0;
      if (time_s > time_s_) on_step(time_s - time_s_, state_.dut_c, state_.dut_c);
      time_s_ = time_s;
      break;
    }
    if (next > time_s) {
      if (!exact) break;
      next = time_s;
    }
    commit_step(next - time_s_, on_step);
    time_s_ = next;
    const bool in = in_window(state_);
    if (in && !was_in_window_) in_window_since_s_ = time_s_;
    was_in_window_ = in;
  }
  const bool in = in_window(state_);
  if (in && !was_in_window_) in_window_since_s_ = time_s_;
  was_in_window_ = in;
}

ThermalState ThermalModel::view(double time_s, const StepFn& on_step) const {
  ThermalState s = state_;
  double t = time_s_;
  if (settled(s)) {
    if (time_s > t) on_step(time_s - t, s.dut_c, s.dut_c);
    return s;
  }
  while (t < time_s) {
    const double h = std::min(grid_s_, time_s - t);
    if (!(t + h > t)) break;  // beyond the grid's resolution (see advance())
    const ThermalState next = step(s, h);
    on_step(h, s.dut_c, next.dut_c);
    s = next;
    t += h;
  }
  return s;
}

void ThermalModel::set_enabled(bool enabled) {
  if (enabled && !enabled_) restart_reference();
  enabled_ = enabled;
}

void ThermalModel::stick_hold() {
  stuck_ = ChamberStuck::hold;
  hold_c_ = state_.air_c;
  state_.air_rate_c_per_s = 0.0;
}

void ThermalModel::stick_saturate(double reachable_low_c, double reachable_high_c) {
  if (stuck_ == ChamberStuck::hold) restart_reference();
  stuck_ = ChamberStuck::saturate;
  reachable_low_c_ = std::min(reachable_low_c, reachable_high_c);
  reachable_high_c_ = std::max(reachable_low_c, reachable_high_c);
}

void ThermalModel::clear_stuck() {
  stuck_ = ChamberStuck::none;
  restart_reference();
}

void ThermalModel::clear_alarm() {
  if (alarm_) restart_reference();
  alarm_ = false;
}

bool ThermalModel::in_window(const ThermalState& s) const { return std::fabs(s.air_c - setpoint_c_) <= window_c_; }

double ThermalModel::in_window_for_s(double time_s, const ThermalState& s) const {
  if (!in_window(s) || !was_in_window_) return 0.0;
  return std::max(0.0, time_s - in_window_since_s_);
}

}  // namespace ledlab::sim
