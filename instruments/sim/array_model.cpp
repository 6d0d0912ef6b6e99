#include "instruments/sim/array_model.hpp"

#include "instruments/sim/random.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <numbers>
#include <stdexcept>

namespace ledlab::sim {

namespace {
constexpr double kPlanckTimesC_ev_nm = 1239.841984;
}

ArrayModel::ArrayModel(const BenchConfig& config)
    : rows_(config.array.rows), cols_(config.array.cols), duts_(config.duts) {
  const ArrayConfig& a = config.array;
  if (rows_ <= 0 || cols_ <= 0) throw std::invalid_argument("array needs at least one row and one column");
  if (duts_ <= 0) throw std::invalid_argument("bench needs at least one DUT");
  const double radius_cm = 0.5 * a.diameter_um * 1e-4;
  const double area_cm2 = std::numbers::pi * radius_cm * radius_cm;
  lanes_.reserve(lanes_per_dut() * static_cast<std::size_t>(duts_));
  // DUT d's lanes are keyed by their bench index: DUT 0 is the array a one-DUT bench builds,
  // and every further DUT draws its own lanes from the same seed.
  for (int dut = 0; dut < duts_; ++dut) {
    for (int row = 0; row < rows_; ++row) {
      for (int col = 0; col < cols_; ++col) {
        Lane lane;
        lane.index = (dut * rows_ + row) * cols_ + col;
        lane.dut = dut;
        lane.row = row;
        lane.col = col;
        // One keyed stream per lane, drawn in a fixed order, so adding a draw for one quantity
        // never shifts another lane's values.
        CounterRng rng(config.seed, Stream::lane_parameters, static_cast<std::uint64_t>(lane.index), 0);
        LaneParams& p = lane.params;
        p.a_per_s = a.a_per_s * rng.lognormal_factor(a.a_spread_ln);
        p.b_cm3_per_s = a.b_cm3_per_s * rng.lognormal_factor(a.b_spread_ln);
        p.c_cm6_per_s = a.c_cm6_per_s * rng.lognormal_factor(a.c_spread_ln);
        p.rc_s = a.rc_s * rng.lognormal_factor(a.rc_spread_ln);
        p.extraction = a.extraction * rng.lognormal_factor(a.extraction_spread_ln);
        p.area_cm2 = area_cm2;
        p.active_thickness_cm = a.active_thickness_nm * 1e-7;
        p.photon_energy_ev = kPlanckTimesC_ev_nm / a.wavelength_nm;
        const double u_dead = rng.uniform();
        const double u_weak = rng.uniform();
        const double u_weak_factor = rng.uniform();
        lane.dead = u_dead < a.dead_probability;
        lane.weak = !lane.dead && u_weak < a.weak_probability;
        if (lane.weak) lane.weak_factor = a.weak_power_min + (a.weak_power_max - a.weak_power_min) * u_weak_factor;
        lane.diode = diode_params(config.diode, config.seed, static_cast<std::size_t>(lane.index));
        lanes_.push_back(lane);
      }
    }
  }
}

OperatingPoint ArrayModel::operating_point(const Lane& lane, const Drive& drive, const ArrayConfig& config,
                                           double junction_c) {
  OperatingPoint op;
  op.junction_c = junction_c;
  if (lane.dead) return op;
  const LaneParams& p = lane.params;
  const double bias = std::max(drive.bias_current_a, 0.0);
  const double half_swing = 0.5 * std::max(drive.modulation_current_a, 0.0);
  const LaneParams hot = at_junction_temperature(p, junction_c, config.a_temperature_exponent,
                                                 config.b_temperature_exponent, config.c_temperature_exponent);
  const double n = carrier_density_cm3(hot, bias);
  // With no bias the small-signal pole is the low-injection one, 1/A.
  op.tau_s = differential_lifetime_s(hot, n);
  op.f3db_hz = sim::f3db_hz(op.tau_s, p.rc_s);
  op.power_bias_w = lane.weak_factor * optical_power_25c_w(p, bias);
  op.power_one_w = lane.weak_factor * optical_power_25c_w(p, bias + half_swing);
  op.power_zero_w = lane.weak_factor * optical_power_25c_w(p, std::max(bias - half_swing, 0.0));
  op.response_at_modulation = response_magnitude(op.tau_s, p.rc_s, std::max(drive.modulation_frequency_hz, 0.0));
  return op;
}

std::span<const Lane> ArrayModel::dut_lanes(int dut) const {
  if (dut < 0 || dut >= duts_) throw std::out_of_range(fmt::format("DUT {} outside the bench's {} DUTs", dut, duts_));
  return std::span<const Lane>(lanes_).subspan(static_cast<std::size_t>(dut) * lanes_per_dut(), lanes_per_dut());
}

double ArrayModel::electrical_power_w(const Drive& drive, double junction_c, int dut) const {
  if (!drive.output_on) return 0.0;
  double watts = 0;
  for (const Lane& lane : dut_lanes(dut))
    watts += lane_electrical_power_w(lane.diode, drive.bias_current_a, drive.modulation_current_a, junction_c);
  return watts;
}

double ArrayModel::self_heating_c(const Drive& drive, const ArrayConfig& config, double dut_c, int dut) const {
  const double r_th = config.array_thermal_resistance_c_per_w;
  if (!drive.output_on || !(r_th > 0)) return 0.0;
  // Root of g(T) = T - T_case - R_th P(T) by the secant method from two fixed-point steps: P(T)
  // changes by ~0.1 %/C (dV_f/dT ~ -2 mV/C), so g is nearly a unit slope and this settles in a
  // few power evaluations; 1 uC is far below any thermometer.
  const auto g = [&](double t) { return t - dut_c - r_th * electrical_power_w(drive, t, dut); };
  double t0 = dut_c, g0 = g(t0);
  double t1 = t0 - g0, g1 = g(t1);
  for (int i = 0; i < 50 && std::fabs(g1) > 1e-6; ++i) {
    const double slope = (g1 - g0) / (t1 - t0);
    if (!(std::isfinite(slope) && slope > 0)) {
      throw std::runtime_error(fmt::format("self-heating does not settle: array_thermal_resistance_c_per_w = {} C/W "
                                           "runs the junction away at {} C",
                                           r_th, t1));
    }
    t0 = t1, g0 = g1;
    t1 -= g1 / slope;
    g1 = g(t1);
  }
  return t1 - dut_c;
}

}  // namespace ledlab::sim
