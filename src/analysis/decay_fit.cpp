#include "analysis/decay_fit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace ledlab::analysis {
namespace {

// Why a point cannot be fitted, or nothing: shared by the two-pass fit and the running sums so
// that both refuse the same points with the same words.
std::optional<Error> refusal(std::size_t index, double time_h, double phi) {
  if (!std::isfinite(time_h)) return make_error(Errc::invalid_argument, fmt::format("time[{}] is not finite", index));
  if (!(phi > 0.0) || !std::isfinite(phi))
    return make_error(Errc::invalid_argument,
                      fmt::format("output[{}] = {} at {} h is not positive: cannot take its log", index, phi, time_h));
  return std::nullopt;
}

std::unexpected<Error> too_few_points(std::size_t n) {
  return fail(Errc::invalid_argument, fmt::format("decay fit needs two points, got {}", n));
}

std::unexpected<Error> no_slope() { return fail(Errc::invalid_argument, "all readings at one time: no slope to fit"); }

DecayFit fit_from(double intercept, double slope, double sum_squares, double stt, std::size_t n) {
  DecayFit fit;
  fit.alpha_se_per_h = n > 2 ? std::sqrt(sum_squares / static_cast<double>(n - 2) / stt)
                             : std::numeric_limits<double>::quiet_NaN();
  fit.b = std::exp(intercept);
  fit.alpha_per_h = -slope;
  fit.rms_residual_ln = std::sqrt(sum_squares / static_cast<double>(n));
  fit.points = n;
  return fit;
}

}  // namespace

Result<DecayFit> fit_exponential_decay(std::span<const double> time_h, std::span<const double> phi) {
  if (time_h.size() != phi.size())
    return fail(Errc::invalid_argument,
                fmt::format("{} times but {} output readings", time_h.size(), phi.size()));
  const std::size_t n = time_h.size();
  if (n < 2) return too_few_points(n);

  double mean_t = 0.0;
  double mean_y = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    if (auto refused = refusal(i, time_h[i], phi[i])) return std::unexpected(std::move(*refused));
    mean_t += time_h[i];
    mean_y += std::log(phi[i]);
  }
  mean_t /= static_cast<double>(n);
  mean_y /= static_cast<double>(n);

  // Centred sums keep the slope accurate for times of order 1e4 h.
  double stt = 0.0;
  double sty = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dt = time_h[i] - mean_t;
    stt += dt * dt;
    sty += dt * (std::log(phi[i]) - mean_y);
  }
  if (!(stt > 0.0)) return no_slope();

  const double slope = sty / stt;
  const double intercept = mean_y - slope * mean_t;
  double ss = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::log(phi[i]) - (intercept + slope * time_h[i]);
    ss += r * r;
  }
  return fit_from(intercept, slope, ss, stt, n);
}

void DecayFitSums::add(double time_h, double phi) {
  const std::size_t index = n_++;
  if (refused_) return;  // the fit fails anyway; only the count still matters
  if (refusal(index, time_h, phi)) {
    refused_ = Refused{index, time_h, phi};
    return;
  }
  const double y = std::log(phi);
  ++used_;
  const double k = static_cast<double>(used_);
  const double dt = time_h - mean_t_;
  const double dy = y - mean_y_;
  mean_t_ += dt / k;
  mean_y_ += dy / k;
  // Welford: the product of the deviation from the old mean and from the new one.
  stt_ += dt * (time_h - mean_t_);
  sty_ += dt * (y - mean_y_);
  syy_ += dy * (y - mean_y_);
}

void DecayFitSums::merge(const DecayFitSums& later) {
  if (!refused_ && later.refused_) {
    refused_ = later.refused_;
    refused_->index += n_;
  }
  n_ += later.n_;
  if (refused_ || later.used_ == 0) return;
  if (used_ == 0) {
    const std::size_t n = n_;
    *this = later;
    n_ = n;
    return;
  }
  // Chan, Golub and LeVeque (1979): co-moments of two sets from their means and counts.
  const double na = static_cast<double>(used_), nb = static_cast<double>(later.used_), n = na + nb;
  const double dt = later.mean_t_ - mean_t_, dy = later.mean_y_ - mean_y_;
  const double w = na * nb / n;
  stt_ += later.stt_ + dt * dt * w;
  sty_ += later.sty_ + dt * dy * w;
  syy_ += later.syy_ + dy * dy * w;
  mean_t_ += dt * nb / n;
  mean_y_ += dy * nb / n;
  used_ += later.used_;
}

Result<DecayFit> DecayFitSums::fit() const {
  if (n_ < 2) return too_few_points(n_);
  if (refused_) return std::unexpected(*refusal(refused_->index, refused_->time_h, refused_->phi));
  if (!(stt_ > 0.0)) return no_slope();
  const double slope = sty_ / stt_;
  const double intercept = mean_y_ - slope * mean_t_;
  // The residual sum of squares of a least-squares line: Syy - Sty^2 / Stt (never below 0,
  // which rounding could give for an exact curve).
  return fit_from(intercept, slope, std::max(0.0, syy_ - slope * sty_), stt_, n_);
}

bool decay_resolved(const DecayFit& fit) {
  return fit.points >= kResolvedMinPoints && std::abs(fit.alpha_per_h) > kResolvedSigmas * fit.alpha_se_per_h;
}

double decay_percent_per_1000h(double alpha_per_h) { return -100.0 * std::expm1(-1000.0 * alpha_per_h); }

double alpha_from_decay_percent_per_1000h(double percent) {
  if (!(percent >= 0.0 && percent < 100.0)) return std::numeric_limits<double>::quiet_NaN();
  return -std::log1p(-percent / 100.0) / 1000.0;
}

double lifetime_lp_h(double b, double alpha_per_h, double p_percent) {
  const double log_ratio = std::log(100.0 * b / p_percent);
  if (alpha_per_h <= 0.0)
    return log_ratio > 0.0 ? std::numeric_limits<double>::infinity() : 0.0;
  return std::max(0.0, log_ratio / alpha_per_h);
}

}  // namespace ledlab::analysis
