#include "instruments/sim/bench.hpp"

#include "instruments/sim/random.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace ledlab::sim {

namespace {
constexpr double kSecondsPerHour = 3600.0;
}

Bench::Bench(BenchConfig config, std::shared_ptr<Clock> clock)
    : config_(std::move(config)),
      clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)),
      clock_start_s_(clock_->elapsed_s()),
      array_(config_),
      thermal_(config_.chamber),
      ageing_(config_, array_),
      meter_draws_(array_.size(), 0),
      error_draws_(array_.size(), 0),
      forced_draws_(array_.size(), 0),
      amplitude_draws_(array_.size(), 0) {
  drives_.assign(static_cast<std::size_t>(array_.duts()), Drive{});
  caches_.assign(static_cast<std::size_t>(array_.duts()), DutCache{});
}

// ---------------------------------------------------------------------------------------------
// Time

double Bench::stress_rate_locked(int dut, double dut_c) const {
  const Drive& drive = drives_[static_cast<std::size_t>(dut)];
  if (!drive.output_on) return 0.0;
  return stress_acceleration(config_.ageing, dut_c + self_heating_locked(dut, dut_c), drive.bias_current_a);
}

// Trapezoid over each integration step; exact while the DUT temperature is constant, which is
// how a long soak is covered in one step.
void Bench::accumulate_locked(double dt_s, double dut0_c, double dut1_c) {
  for (int d = 0; d < array_.duts(); ++d)
    ageing_.accumulate(dt_s / kSecondsPerHour * 0.5 * (stress_rate_locked(d, dut0_c) + stress_rate_locked(d, dut1_c)), d);
}

Bench::View Bench::sync_locked() {
  const double now = std::max(clock_time_s(), thermal_.committed_time_s());
  thermal_.advance(now, false, [this](double dt_s, double c0, double c1) { accumulate_locked(dt_s, c0, c1); });
  View v;
  v.time_s = now;
  for (int d = 0; d < array_.duts(); ++d) v.stress_h.push_back(ageing_.stress_hours(d));
  v.thermal = thermal_.view(now, [&](double dt_s, double dut0_c, double dut1_c) {
    for (int d = 0; d < array_.duts(); ++d)
      v.stress_h[static_cast<std::size_t>(d)] +=
          dt_s / kSecondsPerHour * 0.5 * (stress_rate_locked(d, dut0_c) + stress_rate_locked(d, dut1_c));
  });
  for (int d = 0; d < array_.duts(); ++d) v.junction_c.push_back(v.thermal.dut_c + self_heating_locked(d, v.thermal.dut_c));
  return v;
}

void Bench::commit_exact_locked() {
  const double now = std::max(clock_time_s(), thermal_.committed_time_s());
  thermal_.advance(now, true, [this](double dt_s, double c0, double c1) { accumulate_locked(dt_s, c0, c1); });
}

double Bench::time_s() const { return std::max(clock_time_s(), 0.0); }

Bench::State Bench::state() {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  State s;
  s.stress_h = ageing_.stress_hours(0);
  s.stress_h_per_h = stress_rate_locked(0, thermal_.state().dut_c);
  for (int d = 1; d < array_.duts(); ++d) {
    s.dut_stress_h.push_back(ageing_.stress_hours(d));
    s.dut_stress_h_per_h.push_back(stress_rate_locked(d, thermal_.state().dut_c));
  }
  s.setpoint_c = thermal_.setpoint_c();
  s.thermal = thermal_.state();
  for (std::size_t i = 0; i < array_.size(); ++i)
    if (ageing_.forced_remaining(i) < 1.0) s.forced_failures.emplace_back(i, ageing_.forced_remaining(i));
  return s;
}

Status Bench::restore(const State& s, double gap_s, std::uint64_t epoch) {
  for (const double x : {s.stress_h, s.stress_h_per_h, gap_s})
    if (!std::isfinite(x) || x < 0)
      return fail(Errc::invalid_argument, fmt::format("bench state: {} is not a finite number >= 0", x));
  for (const auto* list : {&s.dut_stress_h, &s.dut_stress_h_per_h})
    for (const double x : *list)
      if (!std::isfinite(x) || x < 0)
        return fail(Errc::invalid_argument, fmt::format("bench state: {} is not a finite number >= 0", x));
  for (const double c : {s.setpoint_c, s.thermal.air_c, s.thermal.reference_c, s.thermal.dut_c, s.thermal.air_rate_c_per_s})
    if (!std::isfinite(c) || std::abs(c) > 1000)
      return fail(Errc::invalid_argument, fmt::format("bench state: chamber temperature {} is out of range", c));
  for (const auto& [lane, remaining] : s.forced_failures) {
    if (lane >= array_.size())
      return fail(Errc::invalid_argument, fmt::format("bench state: lane {} outside the array of {} lanes", lane, array_.size()));
    if (!(remaining >= 0 && remaining <= 1))
      return fail(Errc::invalid_argument, fmt::format("bench state: lane {} keeps {} of its light", lane, remaining));
  }
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  for (int d = 0; d < array_.duts(); ++d) {
    const auto k = static_cast<std::size_t>(d - 1);
    const double h = d > 0 && k < s.dut_stress_h.size() ? s.dut_stress_h[k] : s.stress_h;
    const double rate = d > 0 && k < s.dut_stress_h_per_h.size() ? s.dut_stress_h_per_h[k] : s.stress_h_per_h;
    ageing_.restore_stress_hours(h + rate * gap_s / kSecondsPerHour, d);
  }
  thermal_.restore(s.thermal, s.setpoint_c);
  for (const auto& [lane, remaining] : s.forced_failures) ageing_.force_failure(lane, remaining);
  // Counter-based streams (random.hpp): 2^40 draws per epoch leaves each part of a resumed run
  // its own stretch of every lane's stream.
  const std::uint64_t base = epoch << 40;
  for (auto* draws : {&meter_draws_, &error_draws_, &forced_draws_, &amplitude_draws_})
    for (auto& d : *draws) d = std::max(d, base);
  sensor_draws_ = std::max(sensor_draws_, base);
  return {};
}

void Bench::refresh_drive_locked(int dut) {
  auto& cache = caches_[static_cast<std::size_t>(dut)];
  cache.ops_valid = false;
  cache.self_heating_c.clear();
}

double Bench::self_heating_locked(int dut, double dut_c) const {
  const Drive& drive = drives_[static_cast<std::size_t>(dut)];
  if (!drive.output_on) return 0.0;
  auto& memo = caches_[static_cast<std::size_t>(dut)].self_heating_c;
  // Solved on a 0.01 C grid of the case temperature, as the operating points are: a soak asks
  // for one entry again and again, a ramp for a few hundred (2 uC of junction per 0.01 C of case
  // at the defaults, far below any thermometer). Bounded: a long run of ramps starts afresh.
  const auto key = static_cast<long long>(std::llround(dut_c * 100.0));
  if (const auto it = memo.find(key); it != memo.end()) return it->second;
  if (memo.size() >= 4096) memo.clear();
  const double heating_c = array_.self_heating_c(drive, config_.array, static_cast<double>(key) / 100.0, dut);
  memo.emplace(key, heating_c);
  return heating_c;
}

void Bench::check_lane(std::size_t lane) const {
  if (lane >= array_.size()) {
    throw std::out_of_range(fmt::format("lane {} outside the array of {} lanes", lane, array_.size()));
  }
}

// ---------------------------------------------------------------------------------------------
// Chamber

Status Bench::set_chamber_setpoint_c(double setpoint_c) {
  const ChamberConfig& c = config_.chamber;
  if (!(setpoint_c >= c.min_setpoint_c && setpoint_c <= c.max_setpoint_c)) {
    return fail(Errc::limit, fmt::format("setpoint {} C outside the chamber's {} .. {} C", setpoint_c,
                                         c.min_setpoint_c, c.max_setpoint_c));
  }
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.set_setpoint_c(setpoint_c);
  return {};
}

Status Bench::set_chamber_ramp_c_per_min(double ramp_c_per_min) {
  if (!(ramp_c_per_min >= 0.0)) return fail(Errc::invalid_argument, "ramp must be >= 0 C/min");
  if (ramp_c_per_min > config_.chamber.max_ramp_c_per_min) {
    return fail(Errc::limit, fmt::format("ramp {} C/min above the chamber's {} C/min", ramp_c_per_min,
                                         config_.chamber.max_ramp_c_per_min));
  }
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.set_ramp_c_per_min(ramp_c_per_min);
  return {};
}

Status Bench::set_chamber_window_c(double window_c) {
  if (!(window_c > 0.0)) return fail(Errc::invalid_argument, "window must be > 0 C");
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.set_window_c(window_c);
  return {};
}

void Bench::set_chamber_enabled(bool air_flow_on) {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.set_enabled(air_flow_on);
}

double Bench::chamber_air_temperature_c() {
  std::lock_guard lock(mutex_);
  const View v = sync_locked();
  CounterRng rng(config_.seed, Stream::sensor_noise, 0, sensor_draws_++);
  return v.thermal.air_c + config_.chamber.sensor_noise_c * rng.normal();
}

double Bench::chamber_setpoint_c() const {
  std::lock_guard lock(mutex_);
  return thermal_.setpoint_c();
}

ChamberStatus Bench::status_locked(const View& v) const {
  ChamberStatus s;
  s.setpoint_c = thermal_.setpoint_c();
  s.air_c = v.thermal.air_c;
  s.dut_c = v.thermal.dut_c;
  s.junction_c = v.junction_c.front();
  s.ramp_c_per_min = thermal_.ramp_c_per_min();
  s.window_c = thermal_.window_c();
  s.enabled = thermal_.enabled();
  s.ramping = thermal_.ramping(v.thermal);
  s.in_window = thermal_.in_window(v.thermal);
  s.in_window_for_s = thermal_.in_window_for_s(v.time_s, v.thermal);
  // Latched on committed grid points; a reading between them that is already over the limit
  // reports the alarm at once.
  s.over_temperature_alarm = thermal_.alarm() || v.thermal.air_c > config_.chamber.over_temperature_limit_c;
  s.stuck = thermal_.stuck();
  return s;
}

ChamberStatus Bench::chamber_status() {
  std::lock_guard lock(mutex_);
  return status_locked(sync_locked());
}

double Bench::junction_temperature_c() { return junction_temperature_c(0); }

double Bench::junction_temperature_c(int dut) {
  if (dut < 0 || dut >= array_.duts()) throw std::out_of_range(fmt::format("no DUT {} on the bench", dut));
  std::lock_guard lock(mutex_);
  return sync_locked().junction_c[static_cast<std::size_t>(dut)];
}

// ---------------------------------------------------------------------------------------------
// Drive and BERT settings

Status Bench::check_drive_locked(int dut, const Drive& drive) const {
  if (!(drive.bias_current_a >= 0.0) || !(drive.modulation_current_a >= 0.0)) {
    return fail(Errc::invalid_argument, "drive currents must be >= 0 A");
  }
  if (!(drive.modulation_frequency_hz >= 0.0)) return fail(Errc::invalid_argument, "modulation frequency must be >= 0 Hz");
  // A drive whose heating grows faster with the junction than the junction sheds it (R_s rising
  // steeply with temperature under a large R_th) has no steady junction: refused, not run.
  try {
    (void)array_.self_heating_c(drive, config_.array, thermal_.state().dut_c, dut);
  } catch (const std::runtime_error& e) {
    return fail(Errc::limit, fmt::format("drive {} A: {}", drive.bias_current_a, e.what()));
  }
  return {};
}

Status Bench::set_drive(const Drive& drive) {
  std::lock_guard lock(mutex_);
  // Every DUT or none: each is checked before any changes.
  for (int d = 0; d < array_.duts(); ++d)
    if (auto st = check_drive_locked(d, drive); !st) return st;
  commit_exact_locked();  // the stress so far was at the old drive
  for (int d = 0; d < array_.duts(); ++d) {
    drives_[static_cast<std::size_t>(d)] = drive;
    refresh_drive_locked(d);
  }
  return {};
}

Status Bench::set_drive(int dut, const Drive& drive) {
  if (dut < 0 || dut >= array_.duts())
    return fail(Errc::invalid_argument, fmt::format("no DUT {} on a bench of {} DUTs", dut, array_.duts()));
  std::lock_guard lock(mutex_);
  if (auto st = check_drive_locked(dut, drive); !st) return st;
  commit_exact_locked();
  drives_[static_cast<std::size_t>(dut)] = drive;
  refresh_drive_locked(dut);
  return {};
}

Drive Bench::drive() const { return drive(0); }

Drive Bench::drive(int dut) const {
  if (dut < 0 || dut >= array_.duts()) throw std::out_of_range(fmt::format("no DUT {} on the bench", dut));
  std::lock_guard lock(mutex_);
  return drives_[static_cast<std::size_t>(dut)];
}

Status Bench::set_bert(double bit_rate_hz, int prbs_order) {
  if (!(bit_rate_hz > 0.0)) return fail(Errc::invalid_argument, "bit rate must be > 0");
  if (prbs_order != 7 && prbs_order != 15 && prbs_order != 23 && prbs_order != 31) {
    return fail(Errc::invalid_argument, fmt::format("PRBS{} not supported (7, 15, 23, 31)", prbs_order));
  }
  std::lock_guard lock(mutex_);
  bert_ = BertSettings{bit_rate_hz, prbs_order};
  return {};
}

BertSettings Bench::bert() const {
  std::lock_guard lock(mutex_);
  return bert_;
}

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

// ---------------------------------------------------------------------------------------------
// Faults

void Bench::set_chamber_stuck_hold() {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.stick_hold();
}

void Bench::set_chamber_stuck_saturate(double reachable_low_c, double reachable_high_c) {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.stick_saturate(reachable_low_c, reachable_high_c);
}

void Bench::clear_chamber_stuck() {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.clear_stuck();
}

void Bench::trip_over_temperature_alarm() {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.trip_alarm();
}

void Bench::clear_over_temperature_alarm() {
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  thermal_.clear_alarm();
}

bool Bench::over_temperature_alarm() {
  std::lock_guard lock(mutex_);
  return status_locked(sync_locked()).over_temperature_alarm;
}

Status Bench::fail_lane(std::size_t lane, std::optional<double> remaining_fraction) {
  if (lane >= array_.size()) return fail(Errc::invalid_argument, fmt::format("no lane {}", lane));
  if (remaining_fraction && !(*remaining_fraction >= 0.0 && *remaining_fraction <= 1.0)) {
    return fail(Errc::invalid_argument, "remaining fraction must be in 0 .. 1");
  }
  std::lock_guard lock(mutex_);
  commit_exact_locked();
  double fraction = 0.0;
  if (remaining_fraction) {
    fraction = *remaining_fraction;
  } else {
    CounterRng rng(config_.seed, Stream::forced_failure, lane, forced_draws_[lane]++);
    const AgeingConfig& a = config_.ageing;
    fraction = a.failure_remaining_min + (a.failure_remaining_max - a.failure_remaining_min) * rng.uniform();
  }
  ageing_.force_failure(lane, fraction);
  return {};
}

}  // namespace ledlab::sim
