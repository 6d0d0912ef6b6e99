#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "analysis/special_functions.hpp"

using namespace ledlab::analysis;

TEST_CASE("chi-square quantiles match the printed tables") {
  CHECK(chi_square_quantile(0.95, 1) == Approx(3.841459).epsilon(1e-6));
  CHECK(chi_square_quantile(0.95, 2) == Approx(5.991465).epsilon(1e-6));
  CHECK(chi_square_quantile(0.95, 4) == Approx(9.487729).epsilon(1e-6));
  CHECK(chi_square_quantile(0.99, 10) == Approx(23.209251).epsilon(1e-6));
  CHECK(chi_square_quantile(0.05, 10) == Approx(3.940299).epsilon(1e-6));
  CHECK(chi_square_quantile(0.5, 100) == Approx(99.334129).epsilon(1e-6));
  CHECK(chi_square_quantile(0.999, 50) == Approx(86.661).epsilon(1e-4));
}

TEST_CASE("chi-square with two degrees of freedom is the exponential distribution") {
  for (double p : {0.1, 0.5, 0.9, 0.95, 0.99, 0.999999}) {
    CHECK(chi_square_quantile(p, 2) == Approx(-2.0 * std::log(1.0 - p)).epsilon(1e-10));
  }
}

TEST_CASE("the quantile inverts the CDF in both tails") {
  for (double dof : {1.0, 2.0, 5.0, 22.0, 200.0}) {
    for (double p : {1e-6, 0.01, 0.3, 0.7, 0.99, 1 - 1e-9}) {
      const double x = chi_square_quantile(p, dof);
      if (p > 0.5)
        CHECK(regularized_gamma_q(dof / 2, x / 2) == Approx(1 - p).epsilon(1e-8));
      else
        CHECK(chi_square_cdf(x, dof) == Approx(p).epsilon(1e-8));
    }
  }
}

TEST_CASE("regularized gamma P and Q add to one and hit known values") {
  CHECK(regularized_gamma_p(1.0, 1.0) == Approx(1.0 - std::exp(-1.0)));
  CHECK(regularized_gamma_p(0.5, 2.0) == Approx(std::erf(std::sqrt(2.0))));
  CHECK(regularized_gamma_p(3.0, 10.0) + regularized_gamma_q(3.0, 10.0) == Approx(1.0));
  CHECK(std::isnan(regularized_gamma_p(-1.0, 1.0)));
  CHECK(chi_square_quantile(0.95, 0) == 0.0);
}

TEST_CASE("Student t quantiles match the printed tables") {
  CHECK(student_t_quantile(0.975, 1) == Approx(12.706205).epsilon(1e-6));
  CHECK(student_t_quantile(0.975, 2) == Approx(4.302653).epsilon(1e-6));
  CHECK(student_t_quantile(0.975, 10) == Approx(2.228139).epsilon(1e-6));
  CHECK(student_t_quantile(0.95, 30) == Approx(1.697261).epsilon(1e-6));
  CHECK(student_t_quantile(0.025, 5) == Approx(-2.570582).epsilon(1e-6));
  CHECK(student_t_quantile(0.975, 1e9) == Approx(1.959964).epsilon(1e-6));
}

TEST_CASE("normal quantiles match the printed tables and t tends to them") {
  CHECK(normal_quantile(0.975) == Approx(1.959964).epsilon(1e-6));
  CHECK(normal_quantile(0.5) == Approx(0.0).margin(1e-15));
  CHECK(normal_quantile(0.001) == Approx(-3.090232).epsilon(1e-6));
  CHECK(student_t_quantile(0.9, std::numeric_limits<double>::infinity()) == Approx(normal_quantile(0.9)));
}

TEST_CASE("quantiles outside their domain are NaN, never an exception") {
  CHECK(std::isnan(student_t_quantile(0.0, 3)));
  CHECK(std::isnan(student_t_quantile(1.0, 3)));
  CHECK(std::isnan(student_t_quantile(0.9, 0)));
  CHECK(std::isnan(student_t_quantile(std::nan(""), 3)));
  CHECK(std::isnan(student_t_quantile(0.9, std::nan(""))));
  CHECK(std::isnan(normal_quantile(-0.1)));
  CHECK(std::isnan(normal_quantile(std::nan(""))));
  CHECK(std::isnan(gamma_p_inverse(2.0, 1.0)));
  CHECK(std::isnan(regularized_gamma_q(0.0, 1.0)));
  CHECK(std::isnan(chi_square_quantile(0.95, -2)));
}
