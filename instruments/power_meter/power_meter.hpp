#pragma once
// Optical power meter: one reading per channel (per lane of the array under test), in watts.
// One driver class serves every model; the model's SCPI dialect is a table (dialects.cpp).
#include "instruments/common/instrument.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

// Command formats of one power meter model. {ch} is the channel (1-based), {nm}/{n} values.
// An empty format means the model lacks the feature.
struct PowerMeterDialect {
  std::string_view driver;          // station file name: driver = "ledlab-opm"
  std::string_view description;
  // The *IDN? replies the dialect serves, and where that comes from (dialect_identity.hpp).
  DialectIdentity identity{};
  std::string_view set_wavelength;  // "SENS{ch}:CORR:WAV {nm}"
  std::string_view set_unit_watt;
  std::string_view set_autorange;
  std::string_view set_averaging;   // "SENS{ch}:AVER {n}"
  std::string_view read_power;      // "MEAS{ch}:POW?"
  std::string_view read_all;        // "READ:POW:ALL?" -> block of little-endian float64
  std::string_view channel_count;   // query, or empty: from config option "channels"
};

const PowerMeterDialect* find_power_meter_dialect(std::string_view driver);
std::vector<std::string> power_meter_dialect_names();

class PowerMeter : public Instrument {
 public:
  PowerMeter(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const PowerMeterDialect& dialect);

  int channel_count() const { return channels_; }
  boost::asio::awaitable<Status> attach() override;
  boost::asio::awaitable<Status> initialize() override;
  boost::asio::awaitable<Status> set_wavelength_nm(double wavelength_nm);
  boost::asio::awaitable<Status> set_averaging(int count);
  boost::asio::awaitable<Result<double>> read_power_w(int channel);
  // All channels at once (one block transfer where the model has it).
  boost::asio::awaitable<Result<std::vector<double>>> read_all_w();

  boost::asio::awaitable<Status> safe_state() override;
  Capabilities capabilities() const override;
  boost::asio::awaitable<Result<std::string>> sample_reading() override;

 private:
  boost::asio::awaitable<Status> apply_wavelength();
  Status check_channel(int channel, std::string_view command) const;

  const PowerMeterDialect& dialect_;
  int channels_ = 1;
  double wavelength_nm_;
  int averaging_ = 1;
};

}  // namespace ledlab::instruments
