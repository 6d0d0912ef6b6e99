#include "analysis/pole_fit.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include <fmt/format.h>

#include "analysis/least_squares.hpp"

namespace ledlab::analysis {
namespace {

// 10 log10(1 + (w t)^2): the loss of one pole in dB.
double pole_loss_db(double w, double t) { return 10.0 * std::log10(1.0 + (w * t) * (w * t)); }

struct Problem {
  std::vector<double> w;         // angular frequency of each usable point
  std::vector<double> level_db;  // normalised measured level
  PoleModel model = PoleModel::single_pole;
  double known_rc_s = 0.0;
  bool fit_gain = true;

  std::size_t shape_params() const { return model == PoleModel::single_pole_free_rc ? 2 : 1; }
  std::size_t params() const { return shape_params() + (fit_gain ? 1 : 0); }

  // params: ln tau, [ln RC], [gain dB]
  void residuals(std::span<const double> p, std::span<double> r) const {
    const double tau = std::exp(p[0]);
    const double rc = model == PoleModel::single_pole_free_rc ? std::exp(p[1])
                      : model == PoleModel::single_pole_known_rc ? known_rc_s
                                                                 : 0.0;
    const double gain = fit_gain ? p[shape_params()] : 0.0;
    for (std::size_t i = 0; i < w.size(); ++i)
      r[i] = level_db[i] - (gain - pole_loss_db(w[i], tau) - pole_loss_db(w[i], rc));
  }

  // For grid starts: with the gain free its best value for a given shape is the mean
  // residual, so the grid only has to search the time constants.
  std::vector<double> start_for(double ln_tau, double ln_rc) const {
    std::vector<double> p{ln_tau};
    if (model == PoleModel::single_pole_free_rc) p.push_back(ln_rc);
    if (fit_gain) {
      p.push_back(0.0);
      std::vector<double> r(w.size());
      residuals(p, r);
      double mean = 0.0;
      for (double v : r) mean += v;
      p.back() = mean / static_cast<double>(r.size());
    }
    return p;
  }
};

}  // namespace

Result<PoleFit> fit_pole_response(std::span<const double> freq_hz, std::span<const double> magnitude,
                                  const PoleFitOptions& options) {
  if (freq_hz.size() != magnitude.size())
    return fail(Errc::invalid_argument,
                fmt::format("{} frequencies but {} magnitudes", freq_hz.size(), magnitude.size()));
  for (std::size_t i = 0; i < freq_hz.size(); ++i) {
    if (!(freq_hz[i] > 0.0) || !std::isfinite(freq_hz[i]) || (i > 0 && !(freq_hz[i] > freq_hz[i - 1])))
      return fail(Errc::invalid_argument,
                  fmt::format("frequencies must be positive and strictly increasing (at index {})", i));
  }
  if (options.model == PoleModel::single_pole_known_rc &&
      !(options.known_rc_s >= 0.0 && std::isfinite(options.known_rc_s)))
    return fail(Errc::invalid_argument,
                fmt::format("known RC {} s is not a non-negative number", options.known_rc_s));
  auto level = normalised_level_db(magnitude, options.plateau_points);
  if (!level) return fail(level.error());

  Problem problem;
  problem.model = options.model;
  problem.known_rc_s = options.known_rc_s;
  problem.fit_gain = options.fit_gain;
  for (std::size_t i = 0; i < freq_hz.size(); ++i) {
    if ((*level)[i] < options.floor_db) continue;
    problem.w.push_back(2.0 * std::numbers::pi * freq_hz[i]);
    problem.level_db.push_back((*level)[i]);
  }
  const std::size_t m = problem.w.size();
  if (m < problem.params() + 1)
    return fail(Errc::invalid_argument,
                fmt::format("{} points above the {} dB floor, need at least {} for {} parameters",
                            m, options.floor_db, problem.params() + 1, problem.params()));

  auto residual = [&problem](std::span<const double> p, std::span<double> r) { problem.residuals(p, r); };

  // Coarse grid of corner frequencies from a decade below the sweep to a decade above,
  // 10 per decade; the LM polish then only has to walk downhill from near the minimum.
  const double ln_lo = std::log(1.0 / (problem.w.back() * 10.0));
  const double ln_hi = std::log(10.0 / problem.w.front());
  const double grid_step = std::log(10.0) / 10.0;
  std::vector<double> best_start;
  double best_cost = HUGE_VAL;
  for (double ln_tau = ln_lo; ln_tau <= ln_hi; ln_tau += grid_step) {
    const bool two_d = options.model == PoleModel::single_pole_free_rc;
    // Symmetric model: only RC <= tau needs searching; RC at ln_lo is "no RC pole".
    for (double ln_rc = ln_lo; ln_rc <= (two_d ? ln_tau : ln_lo); ln_rc += grid_step) {
      auto start = problem.start_for(ln_tau, ln_rc);
      const double cost = sum_of_squares(residual, start, m);
      if (cost < best_cost) {
        best_cost = cost;
        best_start = std::move(start);
      }
    }
  }

  const LeastSquaresResult solved = levenberg_marquardt(residual, best_start, m);
  const auto& p = solved.params;

  PoleFit fit;
  fit.tau_s = std::exp(p[0]);
  fit.rc_s = options.model == PoleModel::single_pole_free_rc    ? std::exp(p[1])
             : options.model == PoleModel::single_pole_known_rc ? options.known_rc_s
                                                                : 0.0;
  if (options.model == PoleModel::single_pole_free_rc) {
    fit.poles_interchangeable = true;
    if (fit.rc_s > fit.tau_s) std::swap(fit.rc_s, fit.tau_s);
  }
  fit.gain_db = options.fit_gain ? p[problem.shape_params()] : 0.0;
  fit.convention = options.convention;
  fit.f3db_hz = pole_f3db_hz(fit.tau_s, fit.rc_s, options.convention);
  fit.rms_residual_db = std::sqrt(solved.sum_squares / static_cast<double>(m));
  fit.points_used = m;
  if (!std::isfinite(fit.tau_s) || !std::isfinite(fit.rms_residual_db))
    return fail(Errc::invalid_argument, "pole fit did not converge to a finite time constant");
  // A corner more than a decade outside the sweep is set by noise, not by the data.
  const double corner_hz = 1.0 / (2.0 * std::numbers::pi * fit.tau_s);
  if (corner_hz > 10.0 * freq_hz.back() || corner_hz < 0.1 * freq_hz.front())
    return fail(Errc::invalid_argument,
                fmt::format("the sweep {:.4g}..{:.4g} Hz does not constrain tau: fitted pole at "
                            "{:.4g} Hz lies more than a decade outside it",
                            freq_hz.front(), freq_hz.back(), corner_hz));
  return fit;
}

}  // namespace ledlab::analysis
