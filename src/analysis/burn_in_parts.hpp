#pragma once
// The steps analyse_burn_in and BurnInAccumulator share, so that a burn-in analysed from its
// whole table and one accumulated a reading at a time report the same figures in the same
// words. Internal to src/analysis.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "analysis/burn_in.hpp"
#include "analysis/decay_fit.hpp"

namespace ledlab::analysis::burn_in_detail {

Status check_options(const BurnInOptions& options);
Status check_reading_count(std::size_t readings);
// Reading `number` (1-based) against the first reading's lane count and the previous time.
Status check_lanes(std::size_t number, std::size_t lanes, std::size_t first_lanes);
Status check_time(std::size_t number, double time_h, double previous_h);

// A lane whose first reading is under the floor is dark: flagged, left out of everything else.
bool is_dead(double first_w, const BurnInOptions& options);
std::string dead_note(double first_w, const BurnInOptions& options);

// Whether a reading is beyond the failure limit of its lane's first one (GR-468: > 10 %).
bool beyond_limit(double power_w, double first_w, double failure_limit);

// The failure judgement of one lane, a reading at a time (the batch analysis feeds it the
// lane's column, the accumulator each reading as it comes: both judge alike).
//  - parametric failure: `confirm_readings` consecutive readings beyond the failure limit of the
//    first reading (a missing, NaN, reading neither counts nor breaks the run); failed at the
//    first of them.
//  - catastrophic failure: a sudden drop. The lane's level is the median of its last 2 x
//    confirm_readings + 1 accepted readings of ln P (a rise or glitch shorter than a
//    confirmation does not move it); its reading-to-reading change d = ln(P_k / P_k-1) has a
//    trend (the mean of d so far: the lane's own gradual decay per reading) and a noise (d's
//    standard deviation, once kNoiseDiffsMin changes are known; until then only the fraction). A reading below the level,
//    carried on along the trend, by more than max(-ln(1 - sudden_drop_fraction),
//    sudden_drop_sigmas x noise), or a reading <= 0, is a candidate; it is confirmed when it and
//    the next readings, `confirm_readings` in all, stay below by that margin. A candidate that
//    comes back is dropped and kept out of the level and the noise (a glitch is not noise).
//  Once catastrophic, a lane is judged no further.
class LaneJudge {
 public:
  static constexpr std::size_t kNoiseDiffsMin = 5;
  static constexpr std::size_t kMaxConfirmReadings = 100;  // check_options refuses more

  struct Event {
    bool failed = false;        // the parametric failure was confirmed at this reading
    bool catastrophic = false;  // the catastrophic failure was confirmed at this reading
  };

  LaneJudge(double first_w, const BurnInOptions& options);
  Event add(double t_h, double power_w);  // every reading after the first, in order

  double first_w() const { return first_w_; }
  bool dead() const { return dead_; }
  bool failed() const { return failed_; }
  double failed_at_h() const { return failed_at_h_; }
  bool catastrophic() const { return catastrophic_; }
  double catastrophic_at_h() const { return catastrophic_at_h_; }
  double catastrophic_of_level() const { return of_level_; }

 private:
  double threshold_ln() const;
  double level_ln() const;  // median of the recent accepted readings
  void accept(double ln_p);
  void judge_parametric(double t_h, double power_w, Event& event);
  void judge_drop(double t_h, double power_w, Event& event);

  double first_w_;
  std::size_t confirm_;
  double limit_, drop_floor_ln_, drop_sigmas_;
  bool dead_;
  // Reading-to-reading changes of ln P (Welford's running mean and sum of squares).
  std::size_t diffs_ = 0;
  double mean_d_ = 0.0, m2_d_ = 0.0;
  double previous_ln_ = 0.0;
  std::vector<double> recent_ln_;  // ring of the last accepted readings (2 x confirm + 1)
  std::size_t recent_size_ = 0;  // the ring's full size
  std::size_t next_recent_ = 0;
  mutable std::vector<double> scratch_;  // the ring sorted for its median, kept to spare an allocation a reading
  // A pending sudden drop.
  bool pending_ = false;
  double reference_ln_ = 0.0, trend_ln_ = 0.0, margin_ln_ = 0.0, candidate_ln_ = 0.0, candidate_h_ = 0.0;
  std::size_t steps_ = 0, below_ = 0;
  // The run of readings beyond the parametric limit.
  std::size_t beyond_ = 0;
  double beyond_since_h_ = 0.0;

  bool failed_ = false;
  double failed_at_h_ = 0.0;
  bool catastrophic_ = false;
  double catastrophic_at_h_ = 0.0;
  double of_level_ = 1.0;
};

// Copies a judge's verdicts into the lane's record.
void apply_judgement(LaneBurnIn& lane, const LaneJudge& judge);

// A lane's fit, or why it has none.
void apply_lane_fit(LaneBurnIn& lane, const Result<DecayFit>& fit);

// Whether a lane is a unit of the array average and of TM-21's unit count.
inline bool is_unit(const LaneBurnIn& lane) { return !lane.dead && !lane.catastrophic; }

// TM-21's cap by the number of units, applied to every fitted lane.
void apply_caps(BurnInAnalysis& out);

// The array's confidence interval from the fitted units' decay rates (see burn_in.cpp), once
// array_l70 / array_l90 are known. Empty under two fitted units or without the projections.
std::optional<ArrayDecayInterval> array_interval(const BurnInAnalysis& out, double confidence);

inline constexpr const char* kNoUnits = "no live lane without a catastrophic failure to average";

}  // namespace ledlab::analysis::burn_in_detail
