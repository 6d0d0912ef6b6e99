#include "analysis/least_squares.hpp"

#include <algorithm>
#include <cmath>

namespace ledlab::analysis {
namespace {

using Matrix = std::vector<std::vector<double>>;

// Solves A x = b for a small symmetric positive definite A by Cholesky; returns false
// if A is not positive definite (the caller then raises the damping).
bool solve_spd(Matrix a, std::vector<double> b, std::vector<double>& x) {
  const std::size_t n = b.size();
  for (std::size_t j = 0; j < n; ++j) {
    double d = a[j][j];
    for (std::size_t k = 0; k < j; ++k) d -= a[j][k] * a[j][k];
    if (!(d > 0.0)) return false;
    a[j][j] = std::sqrt(d);
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = a[i][j];
      for (std::size_t k = 0; k < j; ++k) s -= a[i][k] * a[j][k];
      a[i][j] = s / a[j][j];
    }
  }
  for (std::size_t i = 0; i < n; ++i) {  // L y = b
    for (std::size_t k = 0; k < i; ++k) b[i] -= a[i][k] * b[k];
    b[i] /= a[i][i];
  }
  for (std::size_t i = n; i-- > 0;) {  // L^T x = y
    for (std::size_t k = i + 1; k < n; ++k) b[i] -= a[k][i] * b[k];
    b[i] /= a[i][i];
  }
  x = std::move(b);
  return true;
}

double squares(std::span<const double> r) {
  double s = 0.0;
  for (double v : r) s += v * v;
  return s;
}

}  // namespace

double sum_of_squares(const ResidualFunction& residual, std::span<const double> params,
                      std::size_t residual_count) {
  std::vector<double> r(residual_count);
  residual(params, r);
  const double s = squares(r);
  return std::isfinite(s) ? s : HUGE_VAL;
}

LeastSquaresResult levenberg_marquardt(const ResidualFunction& residual, std::vector<double> start,
                                       std::size_t residual_count,
                                       const LeastSquaresOptions& options) {
  const std::size_t n = start.size();
  const std::size_t m = residual_count;
  LeastSquaresResult out;
  out.params = std::move(start);

  std::vector<double> r(m), r_plus(m), r_minus(m), trial_r(m);
  residual(out.params, r);
  double cost = squares(r);
  if (!std::isfinite(cost)) {
    out.sum_squares = HUGE_VAL;
    return out;
  }

  Matrix jt(n, std::vector<double>(m));  // Jacobian, transposed: one row per parameter
  double lambda = 1e-3;
  for (int it = 0; it < options.max_iterations; ++it) {
    out.iterations = it + 1;
    for (std::size_t j = 0; j < n; ++j) {
      std::vector<double> p = out.params;
      const double h = options.difference_step * std::max(1.0, std::fabs(p[j]));
      p[j] = out.params[j] + h;
      residual(p, r_plus);
      p[j] = out.params[j] - h;
      residual(p, r_minus);
      for (std::size_t i = 0; i < m; ++i) jt[j][i] = (r_plus[i] - r_minus[i]) / (2.0 * h);
    }
    Matrix jtj(n, std::vector<double>(n, 0.0));
    std::vector<double> jtr(n, 0.0);
    for (std::size_t a = 0; a < n; ++a) {
      for (std::size_t i = 0; i < m; ++i) jtr[a] -= jt[a][i] * r[i];
      for (std::size_t b = 0; b <= a; ++b) {
        double s = 0.0;
        for (std::size_t i = 0; i < m; ++i) s += jt[a][i] * jt[b][i];
        jtj[a][b] = jtj[b][a] = s;
      }
    }

    // Marquardt: damp each parameter in proportion to its own curvature; raise the
    // damping until a step lowers the cost, lower it after each accepted step.
    bool improved = false;
    std::vector<double> step;
    for (int tries = 0; tries < 40 && !improved; ++tries) {
      Matrix damped = jtj;
      for (std::size_t a = 0; a < n; ++a) damped[a][a] += lambda * std::max(jtj[a][a], 1e-12);
      if (solve_spd(damped, jtr, step)) {
        std::vector<double> trial = out.params;
        for (std::size_t a = 0; a < n; ++a) trial[a] += step[a];
        residual(trial, trial_r);
        const double trial_cost = squares(trial_r);
        if (std::isfinite(trial_cost) && trial_cost <= cost) {
          const double gain = cost - trial_cost;
          out.params = std::move(trial);
          r.swap(trial_r);
          cost = trial_cost;
          lambda = std::max(lambda / 10.0, 1e-12);
          improved = true;
          double largest_step = 0.0;
          for (double s : step) largest_step = std::max(largest_step, std::fabs(s));
          if (gain <= options.relative_tolerance * std::max(cost, 1e-300) ||
              largest_step <= options.step_tolerance) {
            out.converged = true;
            out.sum_squares = cost;
            return out;
          }
        }
      }
      if (!improved) lambda *= 10.0;
    }
    if (!improved) {  // no downhill step at any damping: at a minimum to rounding
      out.converged = true;
      break;
    }
  }
  out.sum_squares = cost;
  return out;
}

}  // namespace ledlab::analysis
