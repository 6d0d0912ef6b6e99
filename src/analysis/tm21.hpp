#pragma once
// Lumen-maintenance projection after IES TM-21 from LM-80 style data
// (REFERENCE.md section 6):
//  - normalise each unit to 1 at t = 0 and average the units at each reading;
//  - fit Phi(t) = B exp(-alpha t) over the last 5000 h of a 6000-10000 h test, over the
//    last half of a longer one, never over data before 1000 h;
//  - L_p = ln(100 B / p) / alpha, reported no further than 6x the test duration for
//    >= 20 units and 5.5x for 10-19 units; fewer than 10 units: no reported value.
// Tests shorter than 6000 h are outside TM-21. ledlab still fits every reading from
// 1000 h on, applies the same cap and returns the figure flagged not compliant ("test
// too short") so that an early look at a running test is possible but never mistaken
// for a TM-21 result.
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "analysis/decay_fit.hpp"
#include "core/error.hpp"

namespace ledlab::analysis {

struct Tm21Data {
  std::vector<double> time_h;               // reading times, increasing, first one 0
  std::vector<std::vector<double>> units;   // raw output of each unit at each time (any
                                            // unit of measure); NaN for a missed reading
};

struct Tm21Window {
  double start_h = 0.0;  // first reading time included
  double end_h = 0.0;    // test duration (last reading)
  bool test_long_enough = false;  // >= 6000 h
};

// Fit window for a test of the given duration, as described above.
Tm21Window tm21_fit_window(double test_duration_h);

// ledlab's window for an early look at a test shorter than 2000 h, where TM-21's 1000 h start
// would leave half the test or less (a 1000 h burn-in would have nothing to fit): from 10 % of
// the duration, which skips the first settling. From 2000 h on, tm21_fit_window. Tests under
// 6000 h are never TM-21 compliant either way (test_long_enough is false).
Tm21Window early_look_fit_window(double test_duration_h);

// Multiplier of the test duration that bounds a reported projection: 6 for >= 20
// units, 5.5 for 10-19, nullopt below 10 (TM-21 makes no projection).
std::optional<double> tm21_cap_factor(std::size_t units);

struct Tm21Projection {
  double p_percent = 70.0;     // L70 by default
  std::size_t units = 0;
  double test_duration_h = 0.0;
  double fit_start_h = 0.0;
  std::size_t fit_points = 0;
  double b = 1.0;              // fitted B of the averaged, normalised curve
  double alpha_per_h = 0.0;
  double decay_percent_per_1000h = 0.0;
  double lp_raw_h = 0.0;       // ln(100 B / p)/alpha, uncapped; +inf if output does not fall
  std::optional<double> lp_reported_h;  // min(raw, cap); nullopt with fewer than 10 units
  double cap_h = 0.0;          // 0 when no cap applies (no reported value)
  bool capped = false;         // raw exceeded the cap: report as "> cap_h"
  bool compliant = false;      // >= 6000 h test and >= 10 units
  std::vector<std::string> notes;  // why not compliant, why capped
};

// Averaged, normalised curve: for each reading, mean over units with a finite reading
// of output / output at t = 0. Fails if a unit has no positive reading at t = 0.
Result<std::vector<double>> tm21_average_normalised(const Tm21Data& data);

// Fails on malformed data (sizes, times not increasing or not starting at 0), no units,
// or fewer than two averaged readings inside the fit window.
Result<Tm21Projection> tm21_project(const Tm21Data& data, double p_percent = 70.0);

// The same over a given window (e.g. early_look_fit_window); the window's end is ignored, the
// last reading ends the test.
Result<Tm21Projection> tm21_project(const Tm21Data& data, double p_percent, const Tm21Window& window);

// The steps of tm21_project for a caller that averages and fits the curve itself without
// keeping it (burn_in_accumulator.hpp), so that both report the same figures and words.
// Refuses a unit (its index among the units) whose output at 0 h cannot be normalised to.
Status tm21_check_unit_start(std::size_t unit, double output_at_0);
// Refuses fewer than two averaged readings inside the window.
Status tm21_check_fit_points(std::size_t points, const Tm21Window& window, double test_duration_h);
// The projection from the averaged curve's fit: caps, compliance and notes.
Tm21Projection tm21_projection(const DecayFit& fit, std::size_t units, double test_duration_h, double p_percent,
                               const Tm21Window& window);

}  // namespace ledlab::analysis
