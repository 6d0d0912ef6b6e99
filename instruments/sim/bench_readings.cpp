// The bench's lane readings: true values at the present conditions and the measurements the
// twins make of them, with their noise (bench.hpp). Split from bench.cpp, which holds time, the
// chamber, the drive and the faults.
#include "instruments/sim/bench.hpp"

#include "instruments/sim/random.hpp"

#include <cmath>

#include <fmt/format.h>

namespace ledlab::sim {

// ---------------------------------------------------------------------------------------------
// Lane readings

double Bench::light_factor_locked(const View& v, std::size_t lane) const {
  const auto d = static_cast<std::size_t>(dut_of(lane));
  return thermal_droop_factor(v.junction_c[d], config_.array.fraction_of_25c_output_at_85c) *
         ageing_.power_factor(lane, v.stress_h[d]);
}

const OperatingPoint& Bench::ops_locked(const View& v, std::size_t lane) const {
  const int dut = dut_of(lane);
  DutCache& cache = caches_[static_cast<std::size_t>(dut)];
  const double junction_c = std::round(v.junction_c[static_cast<std::size_t>(dut)] * 100.0) / 100.0;
  if (!cache.ops_valid || junction_c != cache.ops_junction_c) {
    cache.operating_points.clear();
    cache.operating_points.reserve(array_.lanes_per_dut());
    for (const Lane& l : array_.dut_lanes(dut))
      cache.operating_points.push_back(
          ArrayModel::operating_point(l, drives_[static_cast<std::size_t>(dut)], config_.array, junction_c));
    cache.ops_junction_c = junction_c;
    cache.ops_valid = true;
  }
  return cache.operating_points[lane - static_cast<std::size_t>(dut) * array_.lanes_per_dut()];
}

double Bench::power_locked(const View& v, std::size_t lane) const {
  const Drive& drive = drives_[static_cast<std::size_t>(dut_of(lane))];
  if (!drive.output_on) return 0.0;
  const OperatingPoint& op = ops_locked(v, lane);
  // NRZ data spends half its time on each level.
  const double p = drive.modulation_current_a > 0.0 ? 0.5 * (op.power_one_w + op.power_zero_w) : op.power_bias_w;
  return p * light_factor_locked(v, lane);
}

double Bench::amplitude_locked(const View& v, std::size_t lane) const {
  if (!drives_[static_cast<std::size_t>(dut_of(lane))].output_on) return 0.0;
  const OperatingPoint& op = ops_locked(v, lane);
  return (op.power_one_w - op.power_zero_w) * op.response_at_modulation * light_factor_locked(v, lane);
}

LinkResult Bench::link_locked(const View& v, std::size_t lane, const BertSettings& at) const {
  if (!drives_[static_cast<std::size_t>(dut_of(lane))].output_on) return LinkResult{};
  const OperatingPoint& op = ops_locked(v, lane);
  const double f = light_factor_locked(v, lane);
  LinkInput in;
  in.power_one_w = op.power_one_w * f;
  in.power_zero_w = op.power_zero_w * f;
  in.f3db_hz = op.f3db_hz;
  in.bit_rate_hz = at.bit_rate_hz;
  in.prbs_order = at.prbs_order;
  return evaluate_link(in, config_.link);
}

double Bench::measure_locked(const View& v, std::size_t lane) {
  const double p = power_locked(v, lane);
  const MeterConfig& m = config_.meter;
  const double sigma = std::hypot(m.relative_noise * p, m.absolute_noise_w);
  CounterRng rng(config_.seed, Stream::meter_noise, lane, meter_draws_[lane]++);
  // Not clipped at zero: a zeroed meter reads noise around 0 on a dark lane.
  return p + sigma * rng.normal();
}

double Bench::measure_amplitude_locked(const View& v, std::size_t lane) {
  const double a = config_.link.coupling * amplitude_locked(v, lane);
  const BertConfig& b = config_.bert;
  CounterRng rng(config_.seed, Stream::amplitude_noise, lane, amplitude_draws_[lane]++);
  const double in_phase = a * (1.0 + b.amplitude_relative_noise * rng.normal()) + b.amplitude_absolute_noise_w * rng.normal();
  const double quadrature = b.amplitude_absolute_noise_w * rng.normal();
  return std::hypot(in_phase, quadrature);
}

std::uint64_t Bench::errors_locked(const View& v, std::size_t lane, std::uint64_t bits, const BertSettings& at) {
  CounterRng rng(config_.seed, Stream::bit_errors, lane, error_draws_[lane]++);
  return rng.poisson(link_locked(v, lane, at).ber * static_cast<double>(bits));
}

double Bench::lane_optical_power_w(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return power_locked(sync_locked(), lane);
}

std::vector<double> Bench::optical_powers_w() {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(array_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = power_locked(v, i);
  return out;
}

double Bench::lane_modulation_amplitude_w(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return amplitude_locked(sync_locked(), lane);
}

std::vector<double> Bench::modulation_amplitudes_w() {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(array_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = amplitude_locked(v, i);
  return out;
}

double Bench::f3db_hz(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return ops_locked(sync_locked(), lane).f3db_hz;
}

double Bench::f3db_optical_hz(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  if (array_.lane(lane).dead) return 0.0;
  return sim::f3db_optical_hz(ops_locked(sync_locked(), lane).tau_s, array_.lane(lane).params.rc_s);
}

LinkResult Bench::lane_link(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return link_locked(sync_locked(), lane, bert_);
}

double Bench::ber(std::size_t lane) { return lane_link(lane).ber; }

std::vector<double> Bench::bers() {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(array_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = link_locked(v, i, bert_).ber;
  return out;
}

double Bench::ageing_rate_per_h(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  return ageing_.lane(lane).alpha_ref_per_h * stress_rate_locked(dut_of(lane), v.thermal.dut_c);
}

double Bench::stress_hours() { return stress_hours(0); }

double Bench::stress_hours(int dut) {
  if (dut < 0 || dut >= array_.duts()) throw std::out_of_range(fmt::format("no DUT {} on the bench", dut));
  std::lock_guard lock(mutex_);
  return sync_locked().stress_h[static_cast<std::size_t>(dut)];
}

bool Bench::lane_failed(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return ageing_.failed(lane, sync_locked().stress_h[static_cast<std::size_t>(dut_of(lane))]);
}

double Bench::measure_optical_power_w(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return measure_locked(sync_locked(), lane);
}

std::vector<double> Bench::measure_optical_powers_w() {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(array_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = measure_locked(v, i);
  return out;
}

std::vector<double> Bench::measure_optical_powers_w(std::span<const std::size_t> lanes) {
  for (std::size_t lane : lanes) check_lane(lane);
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(lanes.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = measure_locked(v, lanes[i]);
  return out;
}

double Bench::measure_received_amplitude_w(std::size_t lane) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return measure_amplitude_locked(sync_locked(), lane);
}

std::vector<double> Bench::measure_received_amplitudes_w() {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(array_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = measure_amplitude_locked(v, i);
  return out;
}

std::vector<double> Bench::measure_received_amplitudes_w(std::span<const std::size_t> lanes) {
  for (std::size_t lane : lanes) check_lane(lane);
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<double> out(lanes.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = measure_amplitude_locked(v, lanes[i]);
  return out;
}

std::vector<std::uint64_t> Bench::count_errors(std::span<const std::size_t> lanes, std::uint64_t bits) {
  return count_errors(lanes, bits, bert());
}

std::vector<std::uint64_t> Bench::count_errors(std::span<const std::size_t> lanes, std::uint64_t bits,
                                               const BertSettings& at) {
  for (std::size_t lane : lanes) check_lane(lane);
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<std::uint64_t> out(lanes.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = errors_locked(v, lanes[i], bits, at);
  return out;
}

std::uint64_t Bench::count_errors(std::size_t lane, std::uint64_t bits) {
  check_lane(lane);
  std::lock_guard lock(mutex_);
  return errors_locked(sync_locked(), lane, bits, bert_);
}

std::vector<std::uint64_t> Bench::count_errors(std::uint64_t bits) { return count_errors(bits, bert()); }

std::vector<std::uint64_t> Bench::count_errors(std::uint64_t bits, const BertSettings& at) {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  std::vector<std::uint64_t> out(array_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = errors_locked(v, i, bits, at);
  return out;
}

}  // namespace ledlab::sim
