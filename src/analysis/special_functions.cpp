#include "analysis/special_functions.hpp"

#include <cmath>
#include <limits>

namespace ledlab::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double eps = 1e-15;
constexpr int max_iterations = 1000;

// x^a e^-x / Gamma(a), the common prefactor of both expansions, in logs so that large
// a and x neither overflow nor underflow before they have to.
double gamma_prefactor(double a, double x) {
  return std::exp(a * std::log(x) - x - std::lgamma(a));
}

// Power series P(a,x) = x^a e^-x / Gamma(a+1) * sum x^n / ((a+1)...(a+n));
// converges quickly for x < a + 1.
double gamma_p_series(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  for (int n = 1; n < max_iterations; ++n) {
    term *= x / (a + n);
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * eps) break;
  }
  return sum * gamma_prefactor(a, x);
}

// Continued fraction for Q(a,x), evaluated with the modified Lentz method;
// converges quickly for x >= a + 1.
double gamma_q_continued_fraction(double a, double x) {
  constexpr double tiny = 1e-300;
  double b = x + 1.0 - a;
  double c = 1.0 / tiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < max_iterations; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < eps) break;
  }
  return gamma_prefactor(a, x) * h;
}

bool in_domain(double a, double x) {
  return std::isfinite(a) && a > 0.0 && !std::isnan(x) && x >= 0.0;
}

}  // namespace

double regularized_gamma_p(double a, double x) {
  if (!in_domain(a, x)) return nan;
  if (x == 0.0) return 0.0;
  if (std::isinf(x)) return 1.0;
  if (x < a + 1.0) return gamma_p_series(a, x);
  return 1.0 - gamma_q_continued_fraction(a, x);
}

double regularized_gamma_q(double a, double x) {
  if (!in_domain(a, x)) return nan;
  if (x == 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  if (x < a + 1.0) return 1.0 - gamma_p_series(a, x);
  return gamma_q_continued_fraction(a, x);
}

double gamma_p_inverse(double a, double p) {
  if (!std::isfinite(a) || a <= 0.0 || !(p >= 0.0 && p < 1.0)) return nan;
  if (p == 0.0) return 0.0;

  // Root of f(x) = P(a,x) - p. In the upper half, f is written as (1-p) - Q(a,x) so
  // that p close to 1 (confidence 99.9 %) does not cancel to nothing.
  const bool upper = p > 0.5;
  const double q = 1.0 - p;
  auto f = [&](double x) {
    return upper ? q - regularized_gamma_q(a, x) : regularized_gamma_p(a, x) - p;
  };

  // Bracket: f(0) < 0; grow hi until f(hi) >= 0.
  double lo = 0.0;
  double hi = a + 1.0;
  while (f(hi) < 0.0) {
    lo = hi;
    hi *= 2.0;
    if (hi > 1e300) return nan;
  }

  // Newton on f with dP/dx = x^(a-1) e^-x / Gamma(a), falling back to bisection
  // whenever a step would leave the bracket; the bracket shrinks every iteration.
  double x = 0.5 * (lo + hi);
  for (int i = 0; i < 200; ++i) {
    const double fx = f(x);
    if (fx == 0.0) return x;
    if (fx < 0.0) lo = x; else hi = x;
    const double slope = std::exp((a - 1.0) * std::log(x) - x - std::lgamma(a));
    double next = x - fx / slope;
    if (!(next > lo && next < hi) || !std::isfinite(next)) next = 0.5 * (lo + hi);
    if (std::fabs(next - x) <= 1e-14 * std::fabs(next) || hi - lo <= 1e-14 * hi) return next;
    x = next;
  }
  return x;
}

double chi_square_cdf(double x, double dof) {
  return regularized_gamma_p(0.5 * dof, 0.5 * x);
}

double chi_square_quantile(double p, double dof) {
  if (dof == 0.0 && p >= 0.0 && p < 1.0) return 0.0;
  return 2.0 * gamma_p_inverse(0.5 * dof, p);
}

}  // namespace ledlab::analysis
