#pragma once
// Burn-in readings drawn straight from the simulated bench's array and ageing models (no twins,
// no engine): every lane's power at the drive, aged by its own alpha at the stress, with its
// early failure, read through a meter with Gaussian noise. For accuracy tests of the lifetime
// analysis against the bench's own per-lane truth.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "analysis/decay_fit.hpp"
#include "instruments/sim/ageing.hpp"
#include "instruments/sim/array_model.hpp"
#include "instruments/sim/bench_config.hpp"

namespace ledlab::test {

struct AgeingRun {
  std::vector<double> time_h;
  std::vector<std::vector<double>> readings;  // [reading][lane], W
  double stress_factor = 0.0;   // g(T_junction, I): reference hours per hour
  double junction_c = 0.0;
  double electrical_power_w = 0.0;
};

// A burn-in of `duration_h` read every `interval_h` with the DUT case at `dut_c`: the junction is
// the case plus the array's thermal resistance x its electrical power at that junction (each
// lane's diode), as the bench computes it.
inline AgeingRun age_array(const sim::BenchConfig& config, double dut_c, double current_a, double duration_h,
                           double interval_h, std::uint64_t noise_seed) {
  const sim::ArrayModel array(config);
  const sim::AgeingModel ageing(config, array);
  const sim::Drive drive{current_a, 0.0, 0.0, true};
  AgeingRun run;
  run.junction_c = dut_c + array.self_heating_c(drive, config.array, dut_c);
  run.electrical_power_w = array.electrical_power_w(drive, run.junction_c);
  run.stress_factor = sim::stress_acceleration(config.ageing, run.junction_c, current_a);
  std::vector<double> p0(array.size());
  for (std::size_t i = 0; i < array.size(); ++i)
    p0[i] = array.lane(i).dead ? 0.0 : sim::ArrayModel::operating_point(array.lane(i), drive, config.array).power_bias_w;
  std::mt19937_64 rng(noise_seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const auto steps = static_cast<std::size_t>(std::llround(duration_h / interval_h));
  for (std::size_t k = 0; k <= steps; ++k) {
    const double t = interval_h * static_cast<double>(k);
    run.time_h.push_back(t);
    std::vector<double> row(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) {
      const double p = p0[i] * ageing.power_factor(i, run.stress_factor * t);
      row[i] = p + std::hypot(config.meter.relative_noise * p, config.meter.absolute_noise_w) * gauss(rng);
    }
    run.readings.push_back(std::move(row));
  }
  return run;
}

// Whether lane i failed suddenly (its early failure) by test time t_h.
inline bool fails_by(const sim::AgeingModel& ageing, const AgeingRun& run, std::size_t lane, double t_h) {
  return ageing.lane(lane).failure_stress_h <= run.stress_factor * t_h;
}

// The population truth of a run, the way TM-21 takes it: every live lane without a sudden
// failure during the test, its true P/P0 = exp(-alpha_ref_i g t) averaged at the reading times
// and fitted from `fit_from_h` on.
inline analysis::DecayFit population_truth(const sim::BenchConfig& config, const AgeingRun& run, double fit_from_h) {
  const sim::ArrayModel array(config);
  const sim::AgeingModel ageing(config, array);
  std::vector<double> t, phi;
  for (double th : run.time_h) {
    if (th < fit_from_h) continue;
    double sum = 0.0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (array.lane(i).dead || fails_by(ageing, run, i, run.time_h.back())) continue;
      sum += std::exp(-ageing.lane(i).alpha_ref_per_h * run.stress_factor * th);
      ++n;
    }
    t.push_back(th);
    phi.push_back(sum / static_cast<double>(n));
  }
  return analysis::fit_exponential_decay(t, phi).value();
}

}  // namespace ledlab::test
