#include "instruments/sim/ageing.hpp"

#include "instruments/sim/random.hpp"

#include <algorithm>
#include <cmath>

namespace ledlab::sim {

namespace {
constexpr double kZeroCelsius_k = 273.15;
}

double arrhenius_factor(double activation_energy_ev, double use_c, double stress_c) {
  const double use_k = use_c + kZeroCelsius_k;
  const double stress_k = stress_c + kZeroCelsius_k;
  return std::exp(activation_energy_ev / kBoltzmann_ev_per_k * (1.0 / use_k - 1.0 / stress_k));
}

double stress_acceleration(const AgeingConfig& config, double junction_c, double current_a) {
  if (!(current_a > 0.0)) return 0.0;
  return arrhenius_factor(config.activation_energy_ev, config.reference_junction_c, junction_c) *
         std::pow(current_a / config.reference_current_a, config.current_exponent);
}

AgeingModel::AgeingModel(const BenchConfig& config, const ArrayModel& array)
    : forced_remaining_(array.size(), 1.0), stress_h_(static_cast<std::size_t>(array.duts()), 0.0) {
  const AgeingConfig& a = config.ageing;
  lanes_.reserve(array.size());
  for (const Lane& l : array.lanes()) {
    CounterRng rng(config.seed, Stream::ageing, static_cast<std::uint64_t>(l.index), 0);
    LaneAgeing la;
    la.alpha_ref_per_h = a.alpha_ref_per_h * rng.lognormal_factor(a.alpha_spread_ln);
    if (l.weak) la.alpha_ref_per_h *= a.weak_alpha_factor;
    const double u_prone = rng.uniform();
    const double failure_h = rng.exponential(a.early_failure_mean_h);
    const double u_remaining = rng.uniform();
    if (!l.dead && u_prone < a.early_failure_probability) {
      la.failure_stress_h = failure_h;
      la.failure_remaining = a.failure_remaining_min + (a.failure_remaining_max - a.failure_remaining_min) * u_remaining;
    }
    lanes_.push_back(la);
  }
}

bool AgeingModel::failed(std::size_t index, double stress_h) const {
  return stress_h >= lanes_.at(index).failure_stress_h || forced_remaining_.at(index) < 1.0;
}

double AgeingModel::power_factor(std::size_t index, double stress_h) const {
  const LaneAgeing& la = lanes_.at(index);
  double f = std::exp(-la.alpha_ref_per_h * stress_h) * forced_remaining_[index];
  if (stress_h >= la.failure_stress_h) f *= la.failure_remaining;
  return f;
}

void AgeingModel::force_failure(std::size_t index, double remaining_fraction) {
  double& r = forced_remaining_.at(index);
  r = std::min(r, std::clamp(remaining_fraction, 0.0, 1.0));
}

}  // namespace ledlab::sim
