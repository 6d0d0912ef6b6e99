#pragma once
// The array as built: every lane's physical parameters, drawn once from the seed with a
// lognormal spread, plus which lanes are dead or weak. Immutable after construction, so twins
// and the truth file may read it without the bench's lock.
#include "instruments/sim/bench_config.hpp"
#include "instruments/sim/diode_model.hpp"
#include "instruments/sim/lane_physics.hpp"

#include <cstddef>
#include <span>
#include <vector>

namespace ledlab::sim {

struct Lane {
  int index = 0;  // on the bench: dut * rows * cols + row * cols + col
  int dut = 0;    // which array of the bench (BenchConfig::duts)
  int row = 0;    // within its array
  int col = 0;
  LaneParams params;
  // Electrical I-V (diode_model.hpp): the same draw the SMU twin reads. A dead lane emits no
  // light but still conducts, so its power is all heat and the SMU reads it like any other.
  DiodeParams diode;
  bool dead = false;
  bool weak = false;
  double weak_factor = 1.0;  // multiplies the light of a weak lane; 1 for a healthy one
};

// A lane at one drive and junction temperature, unaged. The carrier lifetime and response are
// at that junction (the coefficients' temperature laws); the powers are at 25 C, and the
// bench's thermal droop, ageing and failures scale them at read time.
struct OperatingPoint {
  double junction_c = 25;     // of the lifetime and response below
  double tau_s = 0;           // differential lifetime at the bias current
  double f3db_hz = 0;         // electrical -3 dB, |H|^2 = 1/2 (0 for a dead lane)
  double power_bias_w = 0;    // light at the bias current
  double power_one_w = 0;     // at bias + modulation/2
  double power_zero_w = 0;    // at bias - modulation/2 (not below zero current)
  double response_at_modulation = 0;  // |H(f_mod)|
};

// Drive of every lane (the pattern generator sets the same drive on all lanes).
struct Drive {
  double bias_current_a = 0;
  double modulation_current_a = 0;   // peak to peak
  double modulation_frequency_hz = 0;
  bool output_on = false;
};

class ArrayModel {
 public:
  explicit ArrayModel(const BenchConfig& config);

  std::size_t size() const { return lanes_.size(); }
  int rows() const { return rows_; }
  int cols() const { return cols_; }
  int duts() const { return duts_; }
  std::size_t lanes_per_dut() const { return static_cast<std::size_t>(rows_) * static_cast<std::size_t>(cols_); }
  // The lanes of one array: dut * lanes_per_dut() .. + lanes_per_dut() - 1.
  std::span<const Lane> dut_lanes(int dut) const;
  const Lane& lane(std::size_t index) const { return lanes_.at(index); }
  std::span<const Lane> lanes() const { return lanes_; }

  // The lane at a drive and junction temperature; output_on is ignored (the bench applies it),
  // so this also answers "what would this lane do at that current".
  static OperatingPoint operating_point(const Lane& lane, const Drive& drive, const ArrayConfig& config,
                                        double junction_c = 25.0);

  // Electrical power array `dut` draws at a drive with every junction at `junction_c`: the sum
  // over its lanes (dead ones conduct too) of lane_electrical_power_w, 0 with the output off.
  double electrical_power_w(const Drive& drive, double junction_c, int dut = 0) const;
  // Junction above the DUT case at a drive: T_j - T_case = R_th P(T_j), solved for T_j since the
  // diode's V(I, T_j) falls as the junction warms (0 when off). Each array heats only itself.
  double self_heating_c(const Drive& drive, const ArrayConfig& config, double dut_c, int dut = 0) const;

 private:
  int rows_ = 0;
  int cols_ = 0;
  int duts_ = 1;
  std::vector<Lane> lanes_;
};

}  // namespace ledlab::sim
