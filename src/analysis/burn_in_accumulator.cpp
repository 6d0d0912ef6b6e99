#include "analysis/burn_in_accumulator.hpp"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "analysis/burn_in_parts.hpp"
#include "analysis/tm21.hpp"

namespace ledlab::analysis {

using namespace burn_in_detail;

Result<BurnInAccumulator> BurnInAccumulator::create(const BurnInPlan& plan, const BurnInOptions& options) {
  if (auto ok = check_options(options); !ok) return fail(ok.error());
  if (!(plan.duration_h > 0.0) || !std::isfinite(plan.duration_h))
    return fail(Errc::invalid_argument,
                fmt::format("planned duration {} h must be a positive, finite number of hours", plan.duration_h));
  if (!(plan.guard_h >= 0.0) || !std::isfinite(plan.guard_h))
    return fail(Errc::invalid_argument, fmt::format("guard {} h must be a finite number of hours >= 0", plan.guard_h));
  return BurnInAccumulator(plan, options);
}

BurnInAccumulator::BurnInAccumulator(const BurnInPlan& plan, const BurnInOptions& options)
    : plan_(plan), options_(options) {
  const double start_h = early_look_fit_window(plan.duration_h).start_h;
  band_lo_h_ = start_h - plan.guard_h;
  band_hi_h_ = start_h + plan.guard_h;
  fit_from_h_ = band_hi_h_;
}

void BurnInAccumulator::reset() {
  count_ = 0;
  t0_ = previous_ = last_h_ = 0.0;
  lanes_.clear();
  array_ = {};
  held_.clear();
  held_values_ = 0;
  band_full_ = false;
  last_skipped_h_.reset();
  first_summed_h_.reset();
  array_stale_.reset();
}

bool BurnInAccumulator::unit(std::size_t lane) const {
  if (replay_) return units_[lane];
  return !lanes_[lane].judge.dead() && !lanes_[lane].judge.catastrophic();
}

Result<std::vector<LaneFailure>> BurnInAccumulator::add(double time_h, std::span<const double> powers_w) {
  const std::size_t number = count_ + 1;
  if (!std::isfinite(time_h))
    return fail(Errc::invalid_argument, fmt::format("reading {}: time {} h is not finite", number, time_h));
  if (count_ == 0) {
    if (auto ok = check_lanes(number, powers_w.size(), powers_w.size()); !ok) return fail(ok.error());
    if (replay_ && powers_w.size() != units_.size())
      return fail(Errc::invalid_argument, fmt::format("second pass: reading 1 has {} lanes, the first pass had {}",
                                                      powers_w.size(), units_.size()));
  } else {
    if (auto ok = check_lanes(number, powers_w.size(), lanes_.size()); !ok) return fail(ok.error());
    if (auto ok = check_time(number, time_h, previous_); !ok) return fail(ok.error());
  }
  if (count_ == 0) {
    t0_ = time_h;
    lanes_.reserve(powers_w.size());
    for (double first_w : powers_w) lanes_.push_back(Lane{LaneJudge(first_w, options_), first_w, false, {}});
  }
  const double t_h = time_h - t0_;  // as analyse_burn_in computes the test time
  std::vector<LaneFailure> failures;
  if (count_ > 0) judge(powers_w, t_h, failures);
  if (replay_ ? t_h >= fit_from_h_ : t_h > band_hi_h_) {
    sum(powers_w, t_h);
  } else if (!replay_ && t_h >= band_lo_h_) {
    hold(powers_w, t_h);
  } else {
    last_skipped_h_ = t_h;
  }
  previous_ = time_h;
  last_h_ = t_h;
  ++count_;
  return failures;
}

// analyse_burn_in's failure judgement (LaneJudge), one reading at a time.
void BurnInAccumulator::judge(std::span<const double> powers_w, double t_h, std::vector<LaneFailure>& failures) {
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    Lane& lane = lanes_[i];
    lane.latest_w = powers_w[i];
    const auto event = lane.judge.add(t_h, powers_w[i]);
    const double of_first = powers_w[i] / lane.judge.first_w();
    if (event.failed) failures.push_back({i, of_first, false, lane.judge.failed_at_h()});
    if (!event.catastrophic) continue;
    failures.push_back({i, of_first, true, lane.judge.catastrophic_at_h()});
    if (lane.averaged && !array_stale_)
      array_stale_ = fmt::format("lane {} failed catastrophically at {} h, after the array average had counted it "
                                 "(TM-21 averages only the lanes that do not)",
                                 i + 1, lane.judge.catastrophic_at_h());
  }
}

void BurnInAccumulator::sum(std::span<const double> powers_w, double t_h) {
  if (!first_summed_h_) first_summed_h_ = t_h;
  double total = 0.0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    Lane& lane = lanes_[i];
    if (lane.judge.dead()) continue;
    // analyse_burn_in fits a lane's positive readings only, failed lanes too.
    if (powers_w[i] > 0.0) lane.fit.add(t_h, powers_w[i] / lane.judge.first_w());
    // tm21_average_normalised: the units with a finite reading, in lane order.
    if (!unit(i) || !std::isfinite(powers_w[i])) continue;
    total += powers_w[i] / lane.judge.first_w();
    ++n;
    lane.averaged = true;
  }
  if (n > 0) array_.add(t_h, total / static_cast<double>(n));
}

void BurnInAccumulator::hold(std::span<const double> powers_w, double t_h) {
  if (band_full_ || held_values_ + powers_w.size() > plan_.max_held_values) {
    // The band holds no more: the rest of it is summed, and a window that starts after its
    // first summed reading needs a second pass.
    band_full_ = true;
    sum(powers_w, t_h);
    return;
  }
  held_.push_back({t_h, std::vector<double>(powers_w.begin(), powers_w.end())});
  held_values_ += powers_w.size();
}

// Whether the readings summed (and held) are those analyse_burn_in fits: every reading from the
// window's start on, none before it.
std::optional<std::string> BurnInAccumulator::window_mismatch() const {
  const double start_h = early_look_fit_window(last_h_).start_h;
  const auto say = [&](double reading_h, const char* what) {
    return fmt::format("the fit window of a {} h test starts at {} h, and the reading at {} h was {} (planned: {} h "
                       "from {} h)",
                       last_h_, start_h, reading_h, what, plan_.duration_h,
                       early_look_fit_window(plan_.duration_h).start_h);
  };
  if (last_skipped_h_ && *last_skipped_h_ >= start_h) return say(*last_skipped_h_, "left out");
  if (first_summed_h_ && *first_summed_h_ < start_h) return say(*first_summed_h_, "summed");
  return std::nullopt;
}

std::optional<std::string> BurnInAccumulator::replay_needed() const {
  if (replay_ || count_ < 2) return std::nullopt;
  if (auto why = window_mismatch()) return why;
  return array_stale_;
}

Status BurnInAccumulator::begin_replay() {
  if (!replay_) {
    if (auto ok = check_reading_count(count_); !ok) return ok;
    FirstPass pass{count_, {}, {}, {}};
    units_.assign(lanes_.size(), false);
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      const LaneJudge& judge = lanes_[i].judge;
      pass.dead.push_back(judge.dead());
      pass.failed.push_back(judge.failed());
      pass.catastrophic.push_back(judge.catastrophic());
      units_[i] = !judge.dead() && !judge.catastrophic();
    }
    first_pass_ = std::move(pass);
    fit_from_h_ = early_look_fit_window(last_h_).start_h;
    replay_ = true;
  }
  reset();
  return {};
}

Result<BurnInAnalysis> BurnInAccumulator::result() const {
  if (auto ok = check_reading_count(count_); !ok) return fail(ok.error());
  if (!replay_) {
    if (auto why = replay_needed())
      return fail(Errc::invalid_argument, "the readings must be added a second time (begin_replay): " + *why);
    return analyse();
  }
  const auto differs = [](const std::string& what) {
    return fail(Errc::invalid_argument, "the second pass differs from the first: " + what);
  };
  if (count_ != first_pass_->readings)
    return differs(fmt::format("{} readings, the first pass had {}", count_, first_pass_->readings));
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const LaneJudge& judge = lanes_[i].judge;
    if (judge.dead() != first_pass_->dead[i]) return differs(fmt::format("lane {} dead in one pass only", i + 1));
    if (judge.failed() != first_pass_->failed[i]) return differs(fmt::format("lane {} failed in one pass only", i + 1));
    if (judge.catastrophic() != first_pass_->catastrophic[i])
      return differs(fmt::format("lane {} failed catastrophically in one pass only", i + 1));
  }
  if (auto why = window_mismatch()) return differs(*why);
  return analyse();
}

Result<BurnInAnalysis> BurnInAccumulator::analyse() const {
  BurnInAnalysis out;
  out.duration_h = last_h_;
  out.window = early_look_fit_window(last_h_);
  const double start_h = out.window.start_h;
  out.lanes.resize(lanes_.size());
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    const Lane& acc = lanes_[i];
    const double first_w = acc.judge.first_w();
    LaneBurnIn& lane = out.lanes[i];
    if (acc.judge.dead()) {
      lane.dead = true;
      lane.note = dead_note(first_w, options_);
      continue;
    }
    apply_judgement(lane, acc.judge);
    lane.change = acc.latest_w / first_w - 1.0;
    DecayFitSums fit;
    for (const Held& h : held_) {
      if (h.t_h >= start_h && h.powers_w[i] > 0.0) fit.add(h.t_h, h.powers_w[i] / first_w);
    }
    fit.merge(acc.fit);
    apply_lane_fit(lane, fit.fit());
    if (lane.catastrophic) ++out.catastrophic;
    else ++out.units;
  }
  apply_caps(out);

  if (out.units == 0) {
    out.array_note = kNoUnits;
    return out;
  }
  std::size_t u = 0;
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    if (!is_unit(out.lanes[i])) continue;
    if (auto ok = tm21_check_unit_start(u++, lanes_[i].judge.first_w()); !ok) {
      out.array_note = ok.error().message;
      return out;
    }
  }
  // The held readings are averaged now that the units are known; the summed ones were averaged
  // over the lanes not failed so far, which are the units (or replay_needed() would have said).
  DecayFitSums array;
  for (const Held& h : held_) {
    if (h.t_h < start_h) continue;
    double total = 0.0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
      if (!is_unit(out.lanes[i]) || !std::isfinite(h.powers_w[i])) continue;
      total += h.powers_w[i] / lanes_[i].judge.first_w();
      ++n;
    }
    if (n > 0) array.add(h.t_h, total / static_cast<double>(n));
  }
  array.merge(array_);
  if (auto ok = tm21_check_fit_points(array.points(), out.window, out.duration_h); !ok) {
    out.array_note = ok.error().message;
    return out;
  }
  auto fit = array.fit();
  if (!fit) {
    out.array_note = fit.error().message;
    return out;
  }
  out.array_l70 = tm21_projection(*fit, out.units, out.duration_h, 70.0, out.window);
  out.array_l90 = tm21_projection(*fit, out.units, out.duration_h, 90.0, out.window);
  out.array_interval = array_interval(out, options_.confidence);
  return out;
}

}  // namespace ledlab::analysis
