#pragma once
// Thermal chamber / thermal air stream: a setpoint in degrees C, air and DUT readings, ramp,
// a stability window with a soak time (REFERENCE.md 7), alarm flags and air flow on/off.
// One driver class serves every model; the model's command set is a table (dialects.cpp).
//
// Safety: every setpoint is checked against the station limits ("min_c", "max_c") and the
// model's hardware range before a byte is sent, and the limits are also programmed into the
// instrument's own upper/lower limits where the model has them, so a script, an operator at
// the front panel or a driver bug cannot take the DUT outside them.
#include "core/clock.hpp"
#include "instruments/common/instrument.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

// Command formats of one chamber model. Placeholders: {c} temperature in C, {rate} C/min,
// {window} C, {s} seconds, {on} 1|0, {onoff} ON|OFF. An empty format means the model lacks
// the feature; the driver then does without it (or says so with Errc::config).
struct ThermalChamberDialect {
  std::string_view driver;  // station file name: driver = "thermostream"
  std::string_view description;
  double min_setpoint_c;  // the model's hardware range
  double max_setpoint_c;
  std::string_view select_setpoint;  // sent once at initialize ("SETN 0")
  std::string_view set_setpoint;     // "SETP {c:.1f}"
  std::string_view get_setpoint;     // "SETP?"
  std::string_view read_air;         // "TMPA?"
  std::string_view read_dut;         // "TMPD?"
  std::string_view set_ramp;         // "RAMP {rate:.1f}"
  std::string_view set_window;       // "WNDW {window:.1f}"; empty: the driver applies the window
  std::string_view set_soak;         // "SOAK {s:.0f}"; empty: the driver times the soak
  std::string_view at_temperature;   // "TECR?"; empty: computed from readings over time
  long long at_temperature_mask;     // bits of that reply meaning "at temperature after soak"
  std::string_view read_alarms;      // "EROR?"
  int over_temperature_bit;          // bit numbers in that reply; -1 = not reported
  int low_flow_bit;
  int low_air_bit;
  std::string_view clear_alarms;     // resets latched alarms
  std::string_view set_flow;         // "FLOW {on}"
  std::string_view set_upper_limit;  // "ULIM {c:.1f}"
  std::string_view set_lower_limit;
  std::string_view get_upper_limit;  // "ULIM?"
  std::string_view get_lower_limit;

  // --- Models that do not speak IEEE 488.2 (no *IDN?, *CLS, *OPC?, SYST:ERR?, *STB?) ---
  // Every command is answered: a reply starting with ack_ok is done, one starting with
  // ack_error is refused with the reason after it. Both empty: an IEEE 488.2 instrument, whose
  // commands are silent and whose errors wait in SYST:ERR?.
  std::string_view ack_ok = {};         // "OK:"
  std::string_view ack_error = {};      // "NA:"
  std::string_view identify = {};       // query naming the model and firmware ("ROM?"); empty: *IDN?
  std::string_view maker = {};          // manufacturer, for the identity built from that reply
  std::string_view heartbeat = {};      // cheap query proving the link is alive ("MODE?"); empty: *STB?
  // Replies with several comma-separated fields: which field (from 0) holds the value. The
  // Espec's TEMP? answers "measured,setpoint,upper limit,lower limit".
  int air_field = 0;
  int setpoint_field = 0;
  int upper_limit_field = 0;
  int lower_limit_field = 0;
  // read_alarms answers "count[,code...]" (Espec ALARM?) rather than a bit register.
  bool alarms_are_count = false;
  // The words {onoff} stands for in set_flow: the Espec runs with "MODE, CONSTANT" and stops
  // with "MODE, STANDBY".
  std::string_view flow_on_word = "ON";
  std::string_view flow_off_word = "OFF";

  bool speaks_ieee488() const { return ack_ok.empty(); }
};

const ThermalChamberDialect* find_thermal_chamber_dialect(std::string_view driver);
std::vector<std::string> thermal_chamber_dialect_names();

enum class ChamberProbe { air, dut };

// The model's alarm register, decoded. `raw` is the register as read.
struct ChamberAlarms {
  bool over_temperature = false;
  bool low_flow = false;
  bool low_air = false;
  long long raw = 0;
  bool raw_is_count = false;  // `raw` counts active alarms (Espec ALARM?) instead of holding bits

  bool any() const { return over_temperature || low_flow || low_air || raw != 0; }
  std::string describe() const;  // "over-temperature, low air" or "none"
};

struct ChamberLimits {
  double min_c;
  double max_c;
};

class ThermalChamber : public Instrument {
 public:
  ThermalChamber(InstrumentConfig config, std::unique_ptr<scpi::Session> session,
                 const ThermalChamberDialect& dialect);

  const ThermalChamberDialect& dialect() const { return dialect_; }
  // The clock that times the soak for models without an at-temperature flag (default: the
  // process clock; the simulated bench's clock in tests).
  void set_clock(std::shared_ptr<Clock> clock) override { clock_ = std::move(clock); }

  // Base initialize, selects the working setpoint, programs the instrument's upper/lower
  // limits from the station limits, then sends the configured settings.
  boost::asio::awaitable<Status> initialize() override;
  // A model without *IDN? is identified by its own query (dialect.identify).
  boost::asio::awaitable<Status> attach() override;
  boost::asio::awaitable<Status> heartbeat() override;
  bool speaks_ieee488() const override { return dialect_.speaks_ieee488(); }

  // Refused with Errc::limit (nothing sent) outside the station limits or the model's range.
  boost::asio::awaitable<Status> set_setpoint_c(double setpoint_c);
  boost::asio::awaitable<Result<double>> setpoint_c();  // as the instrument reports it
  boost::asio::awaitable<Result<double>> read_temperature_c(ChamberProbe probe = ChamberProbe::air);
  boost::asio::awaitable<Status> set_ramp_c_per_min(double ramp_c_per_min);
  boost::asio::awaitable<Status> set_window_c(double window_c);
  boost::asio::awaitable<Status> set_soak_s(double soak_s);
  // Within the window of the setpoint for the soak time.
  boost::asio::awaitable<Result<bool>> at_temperature();
  boost::asio::awaitable<Result<ChamberAlarms>> read_alarms();
  boost::asio::awaitable<Status> clear_alarms();
  // Air flow on or off; with it off the chamber drifts to ambient.
  boost::asio::awaitable<Status> set_enabled(bool air_flow_on);
  // The limits the instrument enforces itself (ULIM?/LLIM?), or, for a model without them,
  // the station limits within the model's range.
  boost::asio::awaitable<Result<ChamberLimits>> read_limits_c();
  ChamberLimits station_limits_c() const;

  // Setpoint to config option "safe_temperature_c" (default 25 C, clamped into the station
  // limits), air flow on so that the chamber actually gets there.
  boost::asio::awaitable<Status> safe_state() override;
  boost::asio::awaitable<Status> reapply_settings() override;
  boost::asio::awaitable<Result<std::string>> sample_reading() override;
  nlohmann::json settings() const override;
  Capabilities capabilities() const override;

 private:
  boost::asio::awaitable<Status> send(std::string_view format, double value);
  // One command, checked the model's way: SYST:ERR? after it (IEEE 488.2), or its own
  // acknowledgement ("OK:"/"NA:").
  boost::asio::awaitable<Status> command(std::string command);
  // The number in field `field` of the reply to `query`.
  boost::asio::awaitable<Result<double>> query_number(std::string_view query, int field);
  boost::asio::awaitable<Result<std::string>> query_reply(std::string query);
  boost::asio::awaitable<Status> program_limits();
  Status check_setpoint(double setpoint_c, std::string_view command) const;
  Status missing(std::string_view feature) const;

  const ThermalChamberDialect& dialect_;
  std::shared_ptr<Clock> clock_;
  std::optional<double> setpoint_c_;
  std::optional<double> ramp_c_per_min_;
  std::optional<double> window_c_;
  std::optional<double> soak_s_;
  std::optional<bool> air_flow_on_;
  // Soak timer for models without an at-temperature flag: simulated time the reading entered
  // the window (reset by any reading outside it and by a new setpoint).
  std::optional<double> in_window_since_s_;
};

}  // namespace ledlab::instruments
