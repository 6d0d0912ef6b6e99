#include "analysis/special_functions.hpp"

#include <cmath>
#include <limits>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace ledlab::analysis {
namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

// Domain, pole and overflow errors become NaN / inf with errno instead of exceptions, so that
// these stay plain math functions (the callers validate and return Result). Boost.Math's
// policies: "Error Handling Policies" in its documentation.
using Policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

bool in_domain(double a, double x) {
  return std::isfinite(a) && a > 0.0 && !std::isnan(x) && x >= 0.0;
}

bool open_probability(double p) { return p > 0.0 && p < 1.0; }

}  // namespace

double regularized_gamma_p(double a, double x) {
  if (!in_domain(a, x)) return nan;
  if (std::isinf(x)) return 1.0;
  return boost::math::gamma_p(a, x, Policy{});
}

double regularized_gamma_q(double a, double x) {
  if (!in_domain(a, x)) return nan;
  if (std::isinf(x)) return 0.0;
  return boost::math::gamma_q(a, x, Policy{});
}

double gamma_p_inverse(double a, double p) {
  if (!std::isfinite(a) || a <= 0.0 || !(p >= 0.0 && p < 1.0)) return nan;
  if (p == 0.0) return 0.0;
  // In the upper half invert Q(a, x) = 1 - p instead, so that p close to 1 (confidence
  // 99.9 %) keeps its precision.
  if (p > 0.5) return boost::math::gamma_q_inv(a, 1.0 - p, Policy{});
  return boost::math::gamma_p_inv(a, p, Policy{});
}

double chi_square_cdf(double x, double dof) {
  return regularized_gamma_p(0.5 * dof, 0.5 * x);
}

double chi_square_quantile(double p, double dof) {
  if (dof == 0.0 && p >= 0.0 && p < 1.0) return 0.0;
  return 2.0 * gamma_p_inverse(0.5 * dof, p);
}

double student_t_quantile(double p, double dof) {
  if (!open_probability(p) || !(dof > 0.0) || std::isnan(dof)) return nan;
  if (std::isinf(dof)) return normal_quantile(p);
  const boost::math::students_t_distribution<double, Policy> t(dof);
  return boost::math::quantile(t, p);
}

double normal_quantile(double p) {
  if (!open_probability(p)) return nan;
  const boost::math::normal_distribution<double, Policy> z;
  return boost::math::quantile(z, p);
}

}  // namespace ledlab::analysis
