#pragma once
// A burn-in analysed one reading of the array at a time, in memory that does not grow with the
// number of readings: what analyse_burn_in (burn_in.hpp) gives on the whole table, for runs of
// weeks at a reading a second (millions of readings of hundreds of lanes, too many to keep).
//
// Kept per lane: the first and the latest reading, the failure judgement (LaneJudge, which
// analyse_burn_in uses too: a few numbers per lane) and the least-squares sums of its decay fit
// over the fit window (DecayFitSums); for the array, the sums of the fit of the TM-21 average.
//
// analyse_burn_in decides two things only from the whole table:
//  - the fit window, from the test's duration (early_look_fit_window of the last reading's
//    time). The accumulator is told the planned duration and sums from the start of the window
//    that duration gives. It keeps whole the readings within `guard_h` of that start (at most
//    max_held_values values), so a last reading a little before or after the plan (a reading's
//    own duration, rounding) still gives analyse_burn_in's window.
//  - the units of the array average: the live lanes that never fail catastrophically. TM-21
//    averages the units at each reading and fits the logarithm of the average; a logarithm of a
//    sum does not split by lane, so the average of a past reading cannot be corrected for a lane
//    that fails later. The accumulator averages the lanes without a confirmed catastrophic
//    failure so far, which are the final units unless a lane fails catastrophically after the
//    array's sums have counted it (a parametric failure keeps the lane a unit: no second pass).
// When either does not hold, replay_needed() says why and result() refuses until the readings
// are added a second time: begin_replay(), then add() every reading again in order (streamed
// back from the store, say). The second pass knows the window and the units from the first and
// gives analyse_burn_in's figures. Otherwise one pass gives them.
// They agree to rounding, not bit for bit: the sums are running ones (figures agree to about
// 1e-12 relative; an rms residual to about 1e-8 of the spread of ln P/P0, see DecayFitSums).
// Unlike analyse_burn_in, a reading time that is not finite is refused when added.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/burn_in.hpp"
#include "analysis/burn_in_parts.hpp"
#include "analysis/decay_fit.hpp"
#include "core/error.hpp"

namespace ledlab::analysis {

struct BurnInPlan {
  double duration_h = 0.0;  // planned test duration, from the first reading: chooses the window
  double guard_h = 0.05;    // readings this close to the planned window's start are kept whole
  std::size_t max_held_values = std::size_t{1} << 20;  // 8 MiB of them at most
};

struct LaneFailure {
  std::size_t lane = 0;  // 0-based
  double of_first = 0.0;  // the reading that confirmed it / the lane's first reading
  bool catastrophic = false;  // a sudden drop (else the parametric limit)
  double at_h = 0.0;      // the reading the failure dates from (the first confirming one)
};

class BurnInAccumulator {
 public:
  // Fails on a planned duration or guard that is not a positive (guard: >= 0) finite number of
  // hours and on a failure limit outside (0, 1).
  static Result<BurnInAccumulator> create(const BurnInPlan& plan, const BurnInOptions& options = {});

  // One reading of every lane at time_h (any origin, increasing; t - the first time is the test
  // time). NaN is a lane without a value. Returns the failures confirmed at this reading (a lane
  // can appear twice: parametric and catastrophic). Fails,
  // keeping nothing of the reading, on a lane count other than the first reading's, a time
  // that does not increase or is not finite, or a second pass that has more lanes than the first.
  Result<std::vector<LaneFailure>> add(double time_h, std::span<const double> powers_w);

  std::size_t readings() const { return count_; }
  std::size_t lanes() const { return lanes_.size(); }
  std::size_t held_values() const { return held_values_; }
  bool replaying() const { return replay_; }

  // Why result() needs the readings a second time, or nothing (see above). Not in a second pass.
  std::optional<std::string> replay_needed() const;

  // Starts the second pass: the window and the units are fixed from the readings so far, every
  // reading must then be added again in order. Called again during a second pass, it restarts it.
  Status begin_replay();

  // analyse_burn_in's result on the readings added. Fails on fewer than two readings, when a
  // second pass is needed (the error says why), and when a second pass differs from the first
  // (a count, a lane dead or failed in one and not the other).
  Result<BurnInAnalysis> result() const;

 private:
  struct Lane {
    burn_in_detail::LaneJudge judge;
    double latest_w = 0.0;
    bool averaged = false;  // counted in the array's sums (first pass)
    DecayFitSums fit;       // the summed readings (past the held ones)
  };
  struct Held {
    double t_h = 0.0;
    std::vector<double> powers_w;
  };
  struct FirstPass {
    std::size_t readings = 0;
    std::vector<bool> dead, failed, catastrophic;
  };

  BurnInAccumulator(const BurnInPlan& plan, const BurnInOptions& options);
  void reset();
  void judge(std::span<const double> powers_w, double t_h, std::vector<LaneFailure>& failures);
  void sum(std::span<const double> powers_w, double t_h);
  void hold(std::span<const double> powers_w, double t_h);
  bool unit(std::size_t lane) const;  // averaged for the array at this reading
  std::optional<std::string> window_mismatch() const;
  Result<BurnInAnalysis> analyse() const;

  BurnInPlan plan_;
  BurnInOptions options_;
  double fit_from_h_ = 0.0;  // readings from here on are summed (first pass: past the held band)
  double band_lo_h_ = 0.0, band_hi_h_ = 0.0;  // the held band (first pass only)
  bool replay_ = false;
  std::optional<FirstPass> first_pass_;
  std::vector<bool> units_;  // second pass: the array's units, fixed

  std::size_t count_ = 0;
  double t0_ = 0.0;       // the first reading's time as given
  double previous_ = 0.0;  // the last reading's time as given
  double last_h_ = 0.0;    // the last reading's test time
  std::vector<Lane> lanes_;
  DecayFitSums array_;
  std::vector<Held> held_;
  std::size_t held_values_ = 0;
  bool band_full_ = false;
  std::optional<double> last_skipped_h_;  // the last reading neither held nor summed
  std::optional<double> first_summed_h_;  // the first reading summed
  std::optional<std::string> array_stale_;
};

}  // namespace ledlab::analysis
