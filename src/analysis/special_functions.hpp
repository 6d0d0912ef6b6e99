#pragma once
// Special functions and quantiles the statistics need, on Boost.Math (header-only, Debian's
// libboost1.81-dev): the regularized incomplete gamma function and its inverse, which give the
// chi-square distribution and its quantiles, and the Student t and normal quantiles that
// confidence intervals of fitted parameters use.
//
// These are plain math functions: outside their domain they return NaN rather than
// an error or an exception; the public statistics built on them validate arguments and
// return Result.

namespace ledlab::analysis {

// P(a, x) = gamma(a, x) / Gamma(a), the regularized lower incomplete gamma function.
// Domain: a > 0, x >= 0 (x = +inf gives 1).
double regularized_gamma_p(double a, double x);

// Q(a, x) = 1 - P(a, x), computed directly so that it keeps full relative precision
// in the upper tail. Domain: a > 0, x >= 0 (x = +inf gives 0).
double regularized_gamma_q(double a, double x);

// The x for which P(a, x) = p. Domain: a > 0, 0 <= p < 1.
double gamma_p_inverse(double a, double p);

// Chi-square CDF with `dof` degrees of freedom: P(dof/2, x/2).
double chi_square_cdf(double x, double dof);

// The p-quantile of the chi-square distribution with `dof` degrees of freedom, i.e.
// chi2_p(dof) as written in the BER and FIT formulas (chi2_0.95(2) = 5.991).
// dof = 0 is the degenerate distribution at 0 and returns 0 (the k = 0 lower bound).
double chi_square_quantile(double p, double dof);

// The p-quantile of Student's t distribution with `dof` > 0 degrees of freedom
// (t_0.975(2) = 4.303): the multiplier of a fitted parameter's standard error in its
// two-sided 95 % confidence interval. Domain: 0 < p < 1.
double student_t_quantile(double p, double dof);

// The p-quantile of the standard normal distribution (z_0.975 = 1.960). Domain: 0 < p < 1.
double normal_quantile(double p);

}  // namespace ledlab::analysis
