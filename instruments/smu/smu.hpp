#pragma once
// Source-measure unit: sources a current (or a voltage) into each lane of the array and
// measures the voltage and current at its terminals. A channel per lane (channel n = lane n,
// as on the power meter). One driver class serves every model; the model's SCPI dialect is a
// table (dialects.cpp).
//
// Safety: every level is checked against the station's limits before anything is sent
// (max_current_a, max_compliance_v, max_compliance_a; the station file must give all three),
// NaN and infinities are refused, and the safe state switches every output off.
#include "instruments/common/instrument.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

// Command formats of one SMU model. {ch} is the channel (1-based), {a} amperes, {v} volts,
// {first}/{last} a channel range. An empty format means the model lacks the feature.
struct SmuDialect {
  std::string_view driver;                  // station file name: driver = "ledlab-smu"
  std::string_view description;
  // The *IDN? replies the dialect serves, and where that comes from (dialect_identity.hpp).
  DialectIdentity identity{};
  std::string_view source_current_mode;     // ":SOUR{ch}:FUNC:MODE CURR"
  std::string_view source_voltage_mode;
  std::string_view set_current;             // ":SOUR{ch}:CURR {a}"
  std::string_view set_voltage;
  std::string_view set_compliance_v;        // limit on V while sourcing current
  std::string_view set_compliance_a;        // limit on I while sourcing voltage
  std::string_view output_on;               // ":OUTP{ch} ON"
  std::string_view output_off;
  std::string_view setup;                   // sent once per channel at initialize (';' separated)
  std::string_view measure;                 // query -> "V,I" for one channel
  std::string_view measure_voltage;         // used where `measure` is empty: two queries
  std::string_view measure_current;
  std::string_view measure_range;           // query -> "V1,I1,V2,I2,..." for {first}..{last}
  std::string_view channel_count;           // query, or empty: from config option "channels"
};

const SmuDialect* find_smu_dialect(std::string_view driver);
std::vector<std::string> smu_dialect_names();

struct SmuReading {
  double voltage_v = 0;
  double current_a = 0;
};

class Smu : public Instrument {
 public:
  Smu(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const SmuDialect& dialect);

  int channel_count() const { return channels_; }
  boost::asio::awaitable<Status> attach() override;
  boost::asio::awaitable<Status> initialize() override;

  // One channel. Levels are refused beyond the station's limits: |current| <= max_current_a,
  // |voltage| <= the compliance voltage in force (itself <= max_compliance_v).
  boost::asio::awaitable<Status> source_current_a(int channel, double current_a);
  boost::asio::awaitable<Status> source_voltage_v(int channel, double voltage_v);
  boost::asio::awaitable<Status> set_output(int channel, bool on);
  boost::asio::awaitable<Result<SmuReading>> measure(int channel);
  // Every channel (the whole array) at once.
  boost::asio::awaitable<Status> source_current_all_a(double current_a);
  boost::asio::awaitable<Status> source_voltage_all_v(double voltage_v);
  boost::asio::awaitable<Status> set_output_all(bool on);
  boost::asio::awaitable<Result<std::vector<SmuReading>>> measure_all();
  // Compliance of every channel: the largest |V| while sourcing current, |I| while sourcing
  // voltage. Refused above the station's max_compliance_v / max_compliance_a.
  boost::asio::awaitable<Status> set_compliance_v(double voltage_v);
  boost::asio::awaitable<Status> set_compliance_a(double current_a);
  double compliance_v() const { return compliance_v_; }
  double compliance_a() const { return compliance_a_; }
  // Electrical power of the LED driver per lane that the station declares
  // (options.driver_power_per_lane_w), for energy per bit with the driver in scope.
  std::optional<double> declared_driver_power_per_lane_w() const;

  boost::asio::awaitable<Status> safe_state() override;
  Capabilities capabilities() const override;
  boost::asio::awaitable<Result<std::string>> sample_reading() override;

 private:
  enum class Mode { current, voltage };
  struct Channel {
    Mode mode = Mode::current;
    double level = 0;  // A or V, as the mode says
    bool output = false;
  };

  std::string format(std::string_view pattern, int channel, double value = 0) const;
  Status check_channel(int channel, std::string_view command) const;
  Status check_level(Mode mode, double level, std::string_view command) const;
  Status check_compliance(std::string_view what, double value, std::string_view unit, const char* limit_key,
                          std::string_view command) const;
  boost::asio::awaitable<Status> source(Mode mode, int first, int last, double level);
  boost::asio::awaitable<Status> send_level(int channel, Mode mode, double level);
  boost::asio::awaitable<Status> send_output(int channel, bool on);
  boost::asio::awaitable<Status> send_compliance();
  // Every channel's function and level (where not 0) and its output, then the error queue.
  boost::asio::awaitable<Status> reapply_channels();
  boost::asio::awaitable<Status> check_errors(std::string_view command);
  Result<std::vector<SmuReading>> parse_pairs(const std::string& reply, std::size_t expected,
                                              std::string_view command) const;

  const SmuDialect& dialect_;
  int channels_ = 1;
  double compliance_v_ = 0;
  double compliance_a_ = 0;
  std::vector<Channel> state_;
};

}  // namespace ledlab::instruments
