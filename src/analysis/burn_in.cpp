#include "analysis/burn_in.hpp"

#include <cmath>

#include <fmt/format.h>

#include "analysis/burn_in_parts.hpp"
#include "analysis/decay_fit.hpp"

namespace ledlab::analysis {

namespace burn_in_detail {

Status check_options(const BurnInOptions& options) {
  if (!(options.failure_limit > 0.0 && options.failure_limit < 1.0))
    return fail(Errc::invalid_argument, fmt::format("failure limit {} must be in (0, 1)", options.failure_limit));
  return {};
}

Status check_reading_count(std::size_t readings) {
  if (readings < 2) return fail(Errc::invalid_argument, fmt::format("{} reading(s): a burn-in needs two or more", readings));
  return {};
}

Status check_lanes(std::size_t number, std::size_t lanes, std::size_t first_lanes) {
  if (lanes != first_lanes)
    return fail(Errc::invalid_argument, fmt::format("reading {} has {} lanes, the first has {}", number, lanes, first_lanes));
  if (lanes == 0) return fail(Errc::invalid_argument, "readings have no lanes");
  return {};
}

Status check_time(std::size_t number, double time_h, double previous_h) {
  if (!(time_h > previous_h))
    return fail(Errc::invalid_argument,
                fmt::format("reading times must increase (reading {}: {} h after {} h)", number, time_h, previous_h));
  return {};
}

bool is_dead(double first_w, const BurnInOptions& options) { return !(first_w >= options.dead_below_w); }

std::string dead_note(double first_w, const BurnInOptions& options) {
  return fmt::format("dark at the start: {:.3g} W < {:.3g} W", first_w, options.dead_below_w);
}

bool beyond_limit(double power_w, double first_w, const BurnInOptions& options) {
  return std::abs(power_w / first_w - 1.0) > options.failure_limit;
}

void apply_lane_fit(LaneBurnIn& lane, const Result<DecayFit>& fit) {
  if (!fit) {
    lane.note = fit.error().message;
    return;
  }
  lane.fitted = true;
  lane.b = fit->b;
  lane.alpha_per_h = fit->alpha_per_h;
  lane.decay_percent_per_1000h = decay_percent_per_1000h(fit->alpha_per_h);
  lane.rms_residual_ln = fit->rms_residual_ln;
  lane.fit_points = fit->points;
  lane.l70_raw_h = lifetime_lp_h(fit->b, fit->alpha_per_h, 70.0);
  lane.l90_raw_h = lifetime_lp_h(fit->b, fit->alpha_per_h, 90.0);
}

void apply_caps(BurnInAnalysis& out) {
  out.cap_factor = tm21_cap_factor(out.units);
  out.cap_h = out.cap_factor ? *out.cap_factor * out.duration_h : 0.0;
  for (LaneBurnIn& lane : out.lanes) {
    if (!lane.fitted || !out.cap_factor) continue;
    lane.l70_capped = lane.l70_raw_h > out.cap_h;
    lane.l90_capped = lane.l90_raw_h > out.cap_h;
    lane.l70_h = lane.l70_capped ? out.cap_h : lane.l70_raw_h;
    lane.l90_h = lane.l90_capped ? out.cap_h : lane.l90_raw_h;
  }
}

}  // namespace burn_in_detail

namespace {

using namespace burn_in_detail;

Status check_input(std::span<const double> time_h, const std::vector<std::vector<double>>& readings,
                   const BurnInOptions& options) {
  if (auto ok = check_options(options); !ok) return ok;
  if (auto ok = check_reading_count(time_h.size()); !ok) return ok;
  if (readings.size() != time_h.size())
    return fail(Errc::invalid_argument, fmt::format("{} readings for {} times", readings.size(), time_h.size()));
  for (std::size_t k = 0; k < readings.size(); ++k) {
    if (readings[k].size() != readings.front().size())
      return check_lanes(k + 1, readings[k].size(), readings.front().size());
    if (k > 0)
      if (auto ok = check_time(k + 1, time_h[k], time_h[k - 1]); !ok) return ok;
  }
  if (readings.front().empty()) return check_lanes(1, 0, 0);
  return {};
}

// Failure and change of one lane against its first reading.
void judge_lane(LaneBurnIn& lane, std::span<const double> t, const std::vector<std::vector<double>>& readings,
                std::size_t index, const BurnInOptions& options) {
  const double p0 = readings.front()[index];
  for (std::size_t k = 0; k < readings.size(); ++k) {
    if (!lane.failed && beyond_limit(readings[k][index], p0, options)) {
      lane.failed = true;
      lane.failed_at_h = t[k];
    }
  }
  lane.change = readings.back()[index] / p0 - 1.0;
}

void fit_lane(LaneBurnIn& lane, std::span<const double> t, const std::vector<std::vector<double>>& readings,
              std::size_t index, const Tm21Window& window) {
  std::vector<double> tf, phi;
  for (std::size_t k = 0; k < readings.size(); ++k) {
    if (t[k] < window.start_h || !(readings[k][index] > 0.0)) continue;
    tf.push_back(t[k]);
    phi.push_back(readings[k][index] / readings.front()[index]);
  }
  apply_lane_fit(lane, fit_exponential_decay(tf, phi));
}

}  // namespace

Result<BurnInAnalysis> analyse_burn_in(std::span<const double> time_h,
                                       const std::vector<std::vector<double>>& readings,
                                       const BurnInOptions& options) {
  if (auto ok = check_input(time_h, readings, options); !ok) return fail(ok.error());
  std::vector<double> t(time_h.size());
  for (std::size_t k = 0; k < t.size(); ++k) t[k] = time_h[k] - time_h.front();

  BurnInAnalysis out;
  out.duration_h = t.back();
  out.window = early_look_fit_window(out.duration_h);
  const std::size_t lanes = readings.front().size();
  out.lanes.resize(lanes);
  Tm21Data survivors;
  survivors.time_h = t;
  for (std::size_t i = 0; i < lanes; ++i) {
    LaneBurnIn& lane = out.lanes[i];
    if (is_dead(readings.front()[i], options)) {
      lane.dead = true;
      lane.note = dead_note(readings.front()[i], options);
      continue;
    }
    judge_lane(lane, t, readings, i, options);
    fit_lane(lane, t, readings, i, out.window);
    if (lane.failed) continue;
    std::vector<double> unit(t.size());
    for (std::size_t k = 0; k < t.size(); ++k) unit[k] = readings[k][i];
    survivors.units.push_back(std::move(unit));
  }

  out.units = survivors.units.size();
  apply_caps(out);

  if (survivors.units.empty()) {
    out.array_note = kNoUnits;
    return out;
  }
  auto l70 = tm21_project(survivors, 70.0, out.window);
  auto l90 = tm21_project(survivors, 90.0, out.window);
  if (l70 && l90) {
    out.array_l70 = std::move(*l70);
    out.array_l90 = std::move(*l90);
  } else {
    out.array_note = (l70 ? l90.error() : l70.error()).message;
  }
  return out;
}

}  // namespace ledlab::analysis
