#pragma once
// Power decay under stress (REFERENCE.md 6). Each lane decays as P/P0 = exp(-alpha t) with
// alpha(T, I) = alpha_ref x exp(-Ea/k (1/T - 1/T_ref)) x (I / I_ref)^n. The stress factor
// g(T, I) is the same for every lane of an array (one junction temperature, one drive), so the
// array ages through one number: H = integral of g dt, the equivalent hours at reference stress
// (one H per array of the bench: each has its own drive and self-heating).
// Lane i then sits at exp(-alpha_ref_i H), exactly, however T and I moved. Early failures are
// thresholds on H too, so they also speed up with temperature and current.
#include "instruments/sim/array_model.hpp"
#include "instruments/sim/bench_config.hpp"

#include <cstddef>
#include <limits>
#include <vector>

namespace ledlab::sim {

inline constexpr double kBoltzmann_ev_per_k = 8.617333262e-5;

// Arrhenius acceleration of a stress temperature over a use temperature:
// AF = exp((Ea/k)(1/T_use - 1/T_stress)); 0.65 eV, 85 vs 55 C gives 6.9.
double arrhenius_factor(double activation_energy_ev, double use_c, double stress_c);

// g(T, I): alpha at this junction temperature and current over alpha at reference stress.
// Zero without current: an unpowered array does not age in this model.
double stress_acceleration(const AgeingConfig& config, double junction_c, double current_a);

struct LaneAgeing {
  double alpha_ref_per_h = 0;  // decay rate at reference stress
  // Equivalent reference hours at which the lane fails suddenly; infinity if it never does.
  double failure_stress_h = std::numeric_limits<double>::infinity();
  double failure_remaining = 1.0;  // fraction of power left after that failure
};

class AgeingModel {
 public:
  AgeingModel(const BenchConfig& config, const ArrayModel& array);

  std::size_t size() const { return lanes_.size(); }
  const LaneAgeing& lane(std::size_t index) const { return lanes_.at(index); }

  double stress_hours(int dut = 0) const { return stress_h_.at(static_cast<std::size_t>(dut)); }
  void accumulate(double stress_h, int dut = 0) { stress_h_.at(static_cast<std::size_t>(dut)) += stress_h; }
  // A resumed simulation goes on from the stress its array had (see Bench::restore).
  void restore_stress_hours(double stress_h, int dut = 0) { stress_h_.at(static_cast<std::size_t>(dut)) = stress_h; }

  // P / P0 after `stress_h` equivalent hours, including early and forced failures.
  double power_factor(std::size_t index, double stress_h) const;
  bool failed(std::size_t index, double stress_h) const;

  // Fault hook: the lane keeps `remaining_fraction` of its light from now on (the smallest of
  // repeated failures wins; failures never heal).
  void force_failure(std::size_t index, double remaining_fraction);
  double forced_remaining(std::size_t index) const { return forced_remaining_.at(index); }

 private:
  std::vector<LaneAgeing> lanes_;
  std::vector<double> forced_remaining_;
  std::vector<double> stress_h_;  // per DUT
};

}  // namespace ledlab::sim
