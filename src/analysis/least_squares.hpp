#pragma once
// A small dense Levenberg-Marquardt solver for the few-parameter fits in analysis
// (pole fits have 2-3 parameters). Parameters should be well scaled (fit logs of time
// constants, not seconds); the Jacobian is taken by central differences.
#include <cstddef>
#include <functional>
#include <span>
#include <vector>

namespace ledlab::analysis {

// Fills residuals (size fixed per problem) for the given parameters.
using ResidualFunction = std::function<void(std::span<const double> params, std::span<double> residuals)>;

struct LeastSquaresOptions {
  int max_iterations = 200;
  double relative_tolerance = 1e-12;  // stop when the cost improves by less than this
  double step_tolerance = 1e-10;      // or when no parameter moves more than this
  double difference_step = 1e-6;      // central-difference step for the Jacobian
};

struct LeastSquaresResult {
  std::vector<double> params;
  double sum_squares = 0.0;  // sum of squared residuals at params
  int iterations = 0;
  bool converged = false;
};

LeastSquaresResult levenberg_marquardt(const ResidualFunction& residual, std::vector<double> start,
                                       std::size_t residual_count,
                                       const LeastSquaresOptions& options = {});

// Sum of squared residuals at params, for comparing starting points.
double sum_of_squares(const ResidualFunction& residual, std::span<const double> params,
                      std::size_t residual_count);

}  // namespace ledlab::analysis
