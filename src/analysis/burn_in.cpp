#include "analysis/burn_in.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include "analysis/burn_in_parts.hpp"
#include "analysis/decay_fit.hpp"

namespace ledlab::analysis {

namespace burn_in_detail {

Status check_options(const BurnInOptions& options) {
  if (!(options.failure_limit > 0.0 && options.failure_limit < 1.0))
    return fail(Errc::invalid_argument, fmt::format("failure limit {} must be in (0, 1)", options.failure_limit));
  if (options.confirm_readings == 0 || options.confirm_readings > LaneJudge::kMaxConfirmReadings)
    return fail(Errc::invalid_argument,
                fmt::format("confirm_readings {}: a failure is confirmed by 1 to {} consecutive readings",
                            options.confirm_readings, LaneJudge::kMaxConfirmReadings));
  if (!(options.sudden_drop_fraction > 0.0 && options.sudden_drop_fraction < 1.0))
    return fail(Errc::invalid_argument,
                fmt::format("sudden drop fraction {} must be in (0, 1)", options.sudden_drop_fraction));
  if (!(options.sudden_drop_sigmas > 0.0) || !std::isfinite(options.sudden_drop_sigmas))
    return fail(Errc::invalid_argument,
                fmt::format("sudden drop sigmas {} must be a finite number > 0", options.sudden_drop_sigmas));
  if (!(options.confidence > 0.0 && options.confidence < 1.0))
    return fail(Errc::invalid_argument, fmt::format("confidence {} must be in (0, 1)", options.confidence));
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

bool beyond_limit(double power_w, double first_w, double failure_limit) {
  return !(std::abs(power_w / first_w - 1.0) <= failure_limit);
}

LaneJudge::LaneJudge(double first_w, const BurnInOptions& options)
    : first_w_(first_w),
      confirm_(options.confirm_readings),
      limit_(options.failure_limit),
      drop_floor_ln_(-std::log1p(-options.sudden_drop_fraction)),
      drop_sigmas_(options.sudden_drop_sigmas),
      dead_(is_dead(first_w, options)) {
  recent_size_ = 2 * confirm_ + 1;
  recent_ln_.reserve(recent_size_);
  if (!dead_) {
    previous_ln_ = std::log(first_w);
    recent_ln_.push_back(previous_ln_);
  }
}

double LaneJudge::level_ln() const {
  scratch_.assign(recent_ln_.begin(), recent_ln_.end());
  const auto middle = scratch_.begin() + static_cast<std::ptrdiff_t>(scratch_.size() / 2);
  std::nth_element(scratch_.begin(), middle, scratch_.end());
  return *middle;
}

void LaneJudge::accept(double ln_p) {
  // Welford's running mean and sum of squared deviations of the changes.
  const double d = ln_p - previous_ln_;
  ++diffs_;
  const double delta = d - mean_d_;
  mean_d_ += delta / static_cast<double>(diffs_);
  m2_d_ += delta * (d - mean_d_);
  previous_ln_ = ln_p;
  if (recent_ln_.size() < recent_size_) {
    recent_ln_.push_back(ln_p);
  } else {
    recent_ln_[next_recent_] = ln_p;
    next_recent_ = (next_recent_ + 1) % recent_ln_.size();
  }
}

double LaneJudge::threshold_ln() const {
  if (diffs_ < kNoiseDiffsMin) return drop_floor_ln_;
  const double sd = std::sqrt(m2_d_ / static_cast<double>(diffs_ - 1));
  return std::max(drop_floor_ln_, drop_sigmas_ * sd);
}

LaneJudge::Event LaneJudge::add(double t_h, double power_w) {
  Event event;
  if (dead_ || std::isnan(power_w)) return event;  // a missed reading judges nothing
  judge_parametric(t_h, power_w, event);
  if (!catastrophic_) judge_drop(t_h, power_w, event);
  return event;
}

void LaneJudge::judge_parametric(double t_h, double power_w, Event& event) {
  if (!beyond_limit(power_w, first_w_, limit_)) {
    beyond_ = 0;
    return;
  }
  if (beyond_++ == 0) beyond_since_h_ = t_h;
  if (failed_ || beyond_ < confirm_) return;
  failed_ = true;
  failed_at_h_ = beyond_since_h_;
  event.failed = true;
}

void LaneJudge::judge_drop(double t_h, double power_w, Event& event) {
  const double ln_p = power_w > 0.0 ? std::log(power_w) : -std::numeric_limits<double>::infinity();
  if (pending_) {
    ++steps_;
    if (ln_p < reference_ln_ + trend_ln_ * static_cast<double>(steps_) - margin_ln_) {
      if (++below_ < confirm_) return;
      pending_ = false;
      catastrophic_ = true;
      catastrophic_at_h_ = candidate_h_;
      of_level_ = std::exp(candidate_ln_ - reference_ln_ - trend_ln_);
      event.catastrophic = true;
      return;
    }
    pending_ = false;  // it came back: a glitch, kept out of the level and the noise
  }
  const double trend = mean_d_;  // 0 before the first change
  const double margin = threshold_ln();
  // The median sits half the recent readings back: carried on along the trend to the one before.
  const double reference = level_ln() + trend * 0.5 * static_cast<double>(recent_ln_.size() - 1);
  if (!(ln_p - reference - trend < -margin)) {
    accept(ln_p);
    return;
  }
  reference_ln_ = reference;
  trend_ln_ = trend;
  margin_ln_ = margin;
  candidate_ln_ = ln_p;
  candidate_h_ = t_h;
  steps_ = below_ = 1;
  pending_ = confirm_ > 1;
  if (pending_) return;
  catastrophic_ = true;
  catastrophic_at_h_ = t_h;
  of_level_ = std::exp(ln_p - reference - trend);
  event.catastrophic = true;
}

void apply_judgement(LaneBurnIn& lane, const LaneJudge& judge) {
  lane.failed = judge.failed();
  lane.failed_at_h = judge.failed_at_h();
  lane.catastrophic = judge.catastrophic();
  lane.catastrophic_at_h = judge.catastrophic_at_h();
  lane.catastrophic_of_level = judge.catastrophic_of_level();
  if (lane.catastrophic)
    lane.note = fmt::format("sudden drop at {} h to {:.3g} of the level before: catastrophic failure, not averaged",
                            lane.catastrophic_at_h, lane.catastrophic_of_level);
}

void apply_lane_fit(LaneBurnIn& lane, const Result<DecayFit>& fit) {
  if (!fit) {
    lane.note = lane.note.empty() ? fit.error().message : lane.note + "; " + fit.error().message;
    return;
  }
  lane.fitted = true;
  lane.b = fit->b;
  lane.alpha_per_h = fit->alpha_per_h;
  lane.alpha_se_per_h = fit->alpha_se_per_h;
  lane.resolved = decay_resolved(*fit);
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

// TM-21-11 states no uncertainty for its projection: section 5 fits the averaged curve only.
// The units are a sample of the array's emitters, so the uncertainty of the array's (the
// population's) decay rate is the sampling error of its mean: Student t with n - 1 degrees of
// freedom x the lane-to-lane standard deviation of the fitted alphas / sqrt(n), centred on the
// TM-21 alpha of the averaged curve (to first order in alpha t the mean of the lanes' alphas).
// Each lane's alpha carries its own fit error, so the spread includes it. Chosen over the fit
// error of the averaged curve, which is meter noise averaged down and ignores which lanes the
// array happened to have, and over a bootstrap over lanes, which agrees to O(1/n) but needs the
// whole table, which the accumulator does not keep.
std::optional<ArrayDecayInterval> array_interval(const BurnInAnalysis& out, double confidence) {
  if (!out.array_l70 || !out.array_l90) return std::nullopt;
  double mean = 0.0, m2 = 0.0;
  std::size_t n = 0;
  for (const LaneBurnIn& lane : out.lanes) {
    if (!is_unit(lane) || !lane.fitted) continue;
    ++n;
    const double delta = lane.alpha_per_h - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (lane.alpha_per_h - mean);
  }
  if (n < 2) return std::nullopt;
  ArrayDecayInterval ci;
  ci.confidence = confidence;
  ci.lanes = n;
  ci.alpha_sd_per_h = std::sqrt(m2 / static_cast<double>(n - 1));
  const boost::math::students_t t_dist(static_cast<double>(n - 1));
  const double half = boost::math::quantile(boost::math::complement(t_dist, 0.5 * (1.0 - confidence))) *
                      ci.alpha_sd_per_h / std::sqrt(static_cast<double>(n));
  const double alpha = out.array_l70->alpha_per_h, b = out.array_l70->b;
  ci.alpha_lo_per_h = alpha - half;
  ci.alpha_hi_per_h = alpha + half;
  ci.l70_lo_h = lifetime_lp_h(b, ci.alpha_hi_per_h, 70.0);
  ci.l70_hi_h = lifetime_lp_h(b, ci.alpha_lo_per_h, 70.0);
  ci.l90_lo_h = lifetime_lp_h(out.array_l90->b, ci.alpha_hi_per_h, 90.0);
  ci.l90_hi_h = lifetime_lp_h(out.array_l90->b, ci.alpha_lo_per_h, 90.0);
  return ci;
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

// Failures and change of one lane, judged reading by reading as the accumulator judges them.
void judge_lane(LaneBurnIn& lane, std::span<const double> t, const std::vector<std::vector<double>>& readings,
                std::size_t index, const BurnInOptions& options) {
  LaneJudge judge(readings.front()[index], options);
  for (std::size_t k = 1; k < readings.size(); ++k) judge.add(t[k], readings[k][index]);
  apply_judgement(lane, judge);
  lane.change = readings.back()[index] / readings.front()[index] - 1.0;
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
  Tm21Data units;  // every live lane without a catastrophic failure, parametric failures included
  units.time_h = t;
  for (std::size_t i = 0; i < lanes; ++i) {
    LaneBurnIn& lane = out.lanes[i];
    if (is_dead(readings.front()[i], options)) {
      lane.dead = true;
      lane.note = dead_note(readings.front()[i], options);
      continue;
    }
    judge_lane(lane, t, readings, i, options);
    fit_lane(lane, t, readings, i, out.window);
    if (lane.catastrophic) {
      ++out.catastrophic;
      continue;
    }
    std::vector<double> unit(t.size());
    for (std::size_t k = 0; k < t.size(); ++k) unit[k] = readings[k][i];
    units.units.push_back(std::move(unit));
  }

  out.units = units.units.size();
  apply_caps(out);

  if (units.units.empty()) {
    out.array_note = kNoUnits;
    return out;
  }
  auto l70 = tm21_project(units, 70.0, out.window);
  auto l90 = tm21_project(units, 90.0, out.window);
  if (l70 && l90) {
    out.array_l70 = std::move(*l70);
    out.array_l90 = std::move(*l90);
    out.array_interval = array_interval(out, options.confidence);
  } else {
    out.array_note = (l70 ? l90.error() : l70.error()).message;
  }
  return out;
}

std::optional<double> median_lane_alpha_per_h(const BurnInAnalysis& analysis) {
  std::vector<double> alphas;
  for (const auto& lane : analysis.lanes)
    if (lane.fitted && !lane.dead && !lane.catastrophic && std::isfinite(lane.alpha_per_h)) alphas.push_back(lane.alpha_per_h);
  if (alphas.empty()) return std::nullopt;
  const auto mid = alphas.begin() + static_cast<std::ptrdiff_t>(alphas.size() / 2);
  std::nth_element(alphas.begin(), mid, alphas.end());
  if (alphas.size() % 2 == 1) return *mid;
  return 0.5 * (*mid + *std::max_element(alphas.begin(), mid));
}

}  // namespace ledlab::analysis
