#pragma once
// Exponential decay of light output, Phi(t) = B exp(-alpha t), fitted by least squares
// on ln Phi (IES TM-21's model; REFERENCE.md section 6).
#include <cstddef>
#include <optional>
#include <span>

#include "core/error.hpp"

namespace ledlab::analysis {

struct DecayFit {
  double b = 1.0;            // Phi at t = 0 of the fitted line (B)
  double alpha_per_h = 0.0;  // decay constant; negative when output rises
  double rms_residual_ln = 0.0;  // RMS residual of ln Phi (~ relative error)
  std::size_t points = 0;
  // Standard error of alpha from the least-squares line: sqrt(SSR / (n - 2) / Stt), the
  // textbook slope error with independent residuals. NaN with fewer than three points (no
  // residual degree of freedom).
  double alpha_se_per_h = 0.0;
};

// Fewest points and the |alpha| / standard error ratio below which a decay rate is "not
// resolved": indistinguishable from no decay at about 95 % confidence.
inline constexpr std::size_t kResolvedMinPoints = 3;
inline constexpr double kResolvedSigmas = 2.0;

// Whether the fit tells the decay rate from zero: enough points and |alpha| > 2 standard errors.
bool decay_resolved(const DecayFit& fit);

// Fails with fewer than two points, fewer than two distinct times, mismatched sizes or
// any non-positive / non-finite output.
Result<DecayFit> fit_exponential_decay(std::span<const double> time_h, std::span<const double> phi);

// The same fit from running sums, for a curve too long to keep (a weeks-long burn-in at one
// reading a second; burn_in_accumulator.hpp). Points are added one at a time; the sums are
// running means and centred co-moments (Welford's update, merged with Chan, Golub and LeVeque's
// pairwise formula), which keep the slope as accurate as the two-pass centred sums of
// fit_exponential_decay. fit() refuses what fit_exponential_decay refuses, with its messages
// (a point's index counts the points added before it), and otherwise gives its fit to
// rounding: the residual comes from the co-moments (sum of squares of ln Phi less the part the
// line explains) rather than from the points, so for a near-exact curve it is exact only to
// about 1e-8 of the spread of ln Phi.
class DecayFitSums {
 public:
  void add(double time_h, double phi);
  // Adds the points of `later` as if they had been added after this object's own.
  void merge(const DecayFitSums& later);
  std::size_t points() const { return n_; }
  Result<DecayFit> fit() const;

 private:
  struct Refused {  // the first point fit_exponential_decay would refuse
    std::size_t index = 0;
    double time_h = 0.0, phi = 0.0;
  };
  std::size_t n_ = 0;  // every point, refused ones included (as fit_exponential_decay counts)
  std::size_t used_ = 0;  // points in the sums
  double mean_t_ = 0.0, mean_y_ = 0.0;
  double stt_ = 0.0, sty_ = 0.0, syy_ = 0.0;  // centred sums of squares and products
  std::optional<Refused> refused_;
};

// Output lost per 1000 h, in percent: 100 (1 - exp(-1000 alpha)); 0.0995 for 1e-6/h.
double decay_percent_per_1000h(double alpha_per_h);
// Its inverse: the decay rate that loses `percent` in 1000 h (NaN outside [0, 100)).
double alpha_from_decay_percent_per_1000h(double percent);

// L_p = ln(100 B / p) / alpha: hours until output falls to p percent. +infinity when
// the fit never gets there (alpha <= 0 with 100 B > p).
double lifetime_lp_h(double b, double alpha_per_h, double p_percent);

}  // namespace ledlab::analysis
