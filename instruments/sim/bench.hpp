#pragma once
// The simulated bench: one physics model of the array, its chamber and its ageing, shared by
// every simulated instrument so their readings agree (DESIGN.md, "Simulated bench"). The twins
// hold a shared_ptr<Bench>; each call first brings the model to the shared clock's time, then
// reads or changes it. Thread-safe: one internal mutex, every public call takes it.
//
// Time: model time is clock->elapsed_s() minus the clock's reading at construction. Thermal
// state and ageing integrate on a fixed absolute grid (see thermal_model.hpp), so readings
// depend only on the simulated time and the sequence of inputs, not on who polled when.
// Randomness is counter based per lane (random.hpp): noise and error counts of a lane depend
// only on the seed and how many draws that lane has had.
//
// Lane indices run 0 .. lane_count()-1, row-major; an index outside throws std::out_of_range
// (callers check against lane_count(), the SCPI layer turns bad input into -222 itself).
//
// Several DUTs (BenchConfig::duts): arrays side by side in the one chamber, DUT d holding lanes
// d*L .. d*L+L-1 (L = lanes_per_dut()). They share the chamber's air and DUT case temperature;
// each has its own drive, self-heating, junction and ageing. The calls without a DUT number act
// on every DUT (set_drive) or answer for DUT 0 (drive, junction, stress), as on a one-DUT bench.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "instruments/sim/ageing.hpp"
#include "instruments/sim/array_model.hpp"
#include "instruments/sim/bench_config.hpp"
#include "instruments/sim/link_model.hpp"
#include "instruments/sim/thermal_model.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace ledlab::sim {

struct BertSettings {
  double bit_rate_hz = 2e9;
  int prbs_order = 31;  // 7, 15, 23 or 31
};

struct ChamberStatus {
  double setpoint_c = 0;
  double air_c = 0;           // true air temperature (the sensor reading adds noise)
  double dut_c = 0;           // DUT case
  double junction_c = 0;      // case plus self-heating
  double ramp_c_per_min = 0;  // as set; 0 means the chamber's maximum
  double window_c = 0;
  bool enabled = true;        // air flow on
  bool ramping = false;       // the loop's reference has not reached the setpoint yet
  bool in_window = false;     // |air - setpoint| <= window
  double in_window_for_s = 0; // how long it has been inside without leaving (soak timer input)
  bool over_temperature_alarm = false;
  ChamberStuck stuck = ChamberStuck::none;
};

class Bench {
 public:
  explicit Bench(BenchConfig config = {}, std::shared_ptr<Clock> clock = nullptr);

  const BenchConfig& config() const { return config_; }
  const std::shared_ptr<Clock>& clock() const { return clock_; }
  std::size_t lane_count() const { return array_.size(); }
  int dut_count() const { return array_.duts(); }
  std::size_t lanes_per_dut() const { return array_.lanes_per_dut(); }
  int dut_of(std::size_t lane) const { return static_cast<int>(lane / array_.lanes_per_dut()); }
  // The array as built and each lane's ageing draws: immutable, readable without the lock.
  const ArrayModel& array() const { return array_; }
  const LaneAgeing& lane_ageing(std::size_t lane) const { return ageing_.lane(lane); }

  // Simulated seconds since the bench was created.
  double time_s() const;

  // --- thermal chamber (the chamber twin) ---
  Status set_chamber_setpoint_c(double setpoint_c);     // Errc::limit outside the chamber's range
  Status set_chamber_ramp_c_per_min(double ramp_c_per_min);  // 0 = as fast as it can
  Status set_chamber_window_c(double window_c);         // +- band of the in-window flag
  void set_chamber_enabled(bool air_flow_on);
  double chamber_air_temperature_c();                   // sensor reading, with noise
  double chamber_setpoint_c() const;
  ChamberStatus chamber_status();
  double junction_temperature_c();           // DUT 0
  double junction_temperature_c(int dut);

  // --- drive (the pattern generator twin) and BERT settings ---
  Status set_drive(const Drive& drive);            // every DUT
  Status set_drive(int dut, const Drive& drive);   // Errc::invalid_argument for a DUT not on the bench
  Drive drive() const;                             // DUT 0
  Drive drive(int dut) const;
  Status set_bert(double bit_rate_hz, int prbs_order);
  BertSettings bert() const;

  // --- true values at the present conditions ---
  double lane_optical_power_w(std::size_t lane);        // average emitted light; 0 with output off
  std::vector<double> optical_powers_w();
  // Emitted modulation amplitude (one level minus zero level) at the modulation frequency:
  // |H(f_mod)| x OMA at low frequency; 0 with output off.
  double lane_modulation_amplitude_w(std::size_t lane);
  std::vector<double> modulation_amplitudes_w();
  double f3db_hz(std::size_t lane);          // electrical -3 dB at the set bias and present junction; 0 if dead
  double f3db_optical_hz(std::size_t lane);  // |H| = 1/2 point
  LinkResult lane_link(std::size_t lane);    // received power, OMA, eye, Q, BER at the BERT rate
  double ber(std::size_t lane);              // 0.5 with output off or a dead lane
  std::vector<double> bers();
  double ageing_rate_per_h(std::size_t lane);  // alpha now, at this junction temperature and drive
  double stress_hours();                       // equivalent hours at reference stress so far (DUT 0)
  double stress_hours(int dut);
  bool lane_failed(std::size_t lane);          // early or forced failure has struck

  // --- measurements with their randomness (power meter and BERT twins) ---
  double measure_optical_power_w(std::size_t lane);
  std::vector<double> measure_optical_powers_w();
  // The lanes listed, at one instant (a wired instrument's channels); each lane draws from its
  // own stream, so a reading equals the one-lane call's.
  std::vector<double> measure_optical_powers_w(std::span<const std::size_t> lanes);
  // The modulation amplitude at the BERT's receiver (coupling x emitted amplitude) as its front
  // end reads it, with the noise of BenchConfig::bert.
  double measure_received_amplitude_w(std::size_t lane);
  std::vector<double> measure_received_amplitudes_w();
  std::vector<double> measure_received_amplitudes_w(std::span<const std::size_t> lanes);
  // Errors in a gate of `bits` bits: Poisson with mean BER x bits, per-lane seeded stream.
  std::uint64_t count_errors(std::size_t lane, std::uint64_t bits);
  std::vector<std::uint64_t> count_errors(std::uint64_t bits);
  std::vector<std::uint64_t> count_errors(std::span<const std::size_t> lanes, std::uint64_t bits);
  // The same at a given BERT's bit rate and PRBS rather than set_bert()'s: a station with a
  // BERT per DUT runs each at its own rate.
  std::vector<std::uint64_t> count_errors(std::uint64_t bits, const BertSettings& at);
  std::vector<std::uint64_t> count_errors(std::span<const std::size_t> lanes, std::uint64_t bits, const BertSettings& at);

  // --- physical faults ---
  void set_chamber_stuck_hold();
  void set_chamber_stuck_saturate(double reachable_low_c, double reachable_high_c);
  void clear_chamber_stuck();
  void trip_over_temperature_alarm();
  void clear_over_temperature_alarm();
  bool over_temperature_alarm();
  // The lane keeps `remaining_fraction` of its light from now on; without one the fraction is
  // drawn from the seed in [failure_remaining_min, failure_remaining_max].
  Status fail_lane(std::size_t lane, std::optional<double> remaining_fraction = std::nullopt);

  // --- carrying the array over a process's death (`ledlab resume` of a simulated run) ---
  // What the array has been through (its equivalent stress hours, the lanes failed by a fault),
  // how fast it was ageing, and where its chamber was. The hardware does not stop when ledlab's
  // process dies: the chamber holds its temperature and the drive stays on.
  struct State {
    double stress_h = 0;        // DUT 0
    double stress_h_per_h = 0;  // equivalent hours per hour at the time (DUT 0)
    // DUTs 1.. of a bench with several (empty on a one-DUT bench; restore() gives DUTs it
    // finds no entry for DUT 0's values).
    std::vector<double> dut_stress_h;
    std::vector<double> dut_stress_h_per_h;
    std::vector<std::pair<std::size_t, double>> forced_failures;  // lane, remaining fraction
    double setpoint_c = 25;
    ThermalState thermal;
  };
  State state();
  // Continues from `state`, `gap_s` simulated seconds later: the array aged through the gap at
  // the rate it had, and the chamber is where it was. `epoch` (1, 2, ... for each resume) moves
  // every noise stream to draws it has never used, so a resumed run does not repeat its noise.
  Status restore(const State& state, double gap_s, std::uint64_t epoch);

 private:
  // The model at the clock's time: thermal state, equivalent stress hours, junction.
  struct View {
    double time_s = 0;
    ThermalState thermal;
    std::vector<double> stress_h;    // per DUT
    std::vector<double> junction_c;  // per DUT
  };

  double clock_time_s() const { return clock_->elapsed_s() - clock_start_s_; }
  View sync_locked();
  void commit_exact_locked();  // before an input changes
  void refresh_drive_locked(int dut);
  double stress_rate_locked(int dut, double dut_c) const;
  void accumulate_locked(double dt_s, double dut0_c, double dut1_c);
  Status check_drive_locked(int dut, const Drive& drive) const;
  double light_factor_locked(const View& v, std::size_t lane) const;
  double power_locked(const View& v, std::size_t lane) const;
  double amplitude_locked(const View& v, std::size_t lane) const;
  LinkResult link_locked(const View& v, std::size_t lane, const BertSettings& at) const;
  double measure_locked(const View& v, std::size_t lane);
  double measure_amplitude_locked(const View& v, std::size_t lane);
  std::uint64_t errors_locked(const View& v, std::size_t lane, std::uint64_t bits, const BertSettings& at);
  ChamberStatus status_locked(const View& v) const;
  void check_lane(std::size_t lane) const;

  const BenchConfig config_;
  const std::shared_ptr<Clock> clock_;
  const double clock_start_s_;
  const ArrayModel array_;
  mutable std::mutex mutex_;
  ThermalModel thermal_;
  AgeingModel ageing_;
  std::vector<Drive> drives_;  // per DUT
  BertSettings bert_;
  // Per DUT: its lanes at its drive and the junction temperature ops_junction_c (on a 0.01 C
  // grid, so a reading depends only on the junction temperature, never on who read before),
  // rebuilt by ops_locked when either changes; and the junction above the case at its drive,
  // by case temperature (self_heating_locked), cleared when the drive changes.
  struct DutCache {
    std::vector<OperatingPoint> operating_points;
    double ops_junction_c = 0;
    bool ops_valid = false;
    std::unordered_map<long long, double> self_heating_c;
  };
  const OperatingPoint& ops_locked(const View& v, std::size_t lane) const;
  double self_heating_locked(int dut, double dut_c) const;
  mutable std::vector<DutCache> caches_;
  std::vector<std::uint64_t> meter_draws_;
  std::vector<std::uint64_t> error_draws_;
  std::vector<std::uint64_t> forced_draws_;
  std::vector<std::uint64_t> amplitude_draws_;
  std::uint64_t sensor_draws_ = 0;
};

}  // namespace ledlab::sim
