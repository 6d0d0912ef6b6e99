#pragma once
// What every instrument driver shares: a name from the station file, its kind, the SCPI
// session it talks through, its identity, and the two duties the engine relies on:
// bringing it to a safe state and re-applying its settings after a reconnect.
#include "core/clock.hpp"
#include "instruments/common/capabilities.hpp"
#include "core/error.hpp"
#include "scpi/session.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>

namespace ledlab::instruments {

// Safety limits and options from the station file: "max_current_a", "min_c", ...
struct InstrumentConfig {
  std::string name;    // "chamber"
  std::string kind;    // "thermal_chamber"
  std::string driver;  // dialect, e.g. "thermostream"
  std::string address; // as written in the station file
  scpi::SessionOptions session;
  std::map<std::string, double> limits;
  std::map<std::string, double> options;

  std::optional<double> limit(const std::string& key) const;
  double option(const std::string& key, double fallback) const;
};

class Instrument {
 public:
  Instrument(InstrumentConfig config, std::unique_ptr<scpi::Session> session);
  virtual ~Instrument() = default;
  // The run's clock, for drivers that time something themselves (a chamber's soak without a
  // flag of its own). Drivers that do not keep time ignore it.
  virtual void set_clock(std::shared_ptr<Clock>) {}

  const std::string& name() const { return config_.name; }
  const std::string& kind() const { return config_.kind; }
  const InstrumentConfig& config() const { return config_; }
  scpi::Session& session() { return *session_; }
  const std::optional<scpi::Identity>& identity() const { return identity_; }

  // Connects, reads *IDN? and learns what the instrument has (channels, lanes) without
  // changing any setting: what `ledlab check` does to an instrument that may be mid-run.
  virtual boost::asio::awaitable<Status> attach();
  // attach(), then clears status (*CLS), drains stale errors and applies the driver's settings.
  virtual boost::asio::awaitable<Status> initialize();
  // Drive off, gates stopped, chamber to its safe temperature: whatever "safe" is for the kind.
  virtual boost::asio::awaitable<Status> safe_state() = 0;
  // Sends the settings the driver last applied again (after a reconnect or power cycle).
  virtual boost::asio::awaitable<Status> reapply_settings() = 0;
  // A snapshot of the settings for the run's provenance.
  virtual nlohmann::json settings() const = 0;
  // What the driver can do on this instrument (capabilities.hpp), for the pre-flight check.
  // Valid after attach(): channel counts come from the instrument where the model reports
  // them. The base declares the kind and driver only; every kind overrides it.
  virtual Capabilities capabilities() const;
  // One reading in words, for `ledlab check --read` and the main job ("chamber air 25.02 C").
  virtual boost::asio::awaitable<Result<std::string>> sample_reading();
  // Proves the link is alive without disturbing the instrument (the engine's link heartbeat):
  // the status byte (serial poll or *STB?) by default; a model without IEEE 488.2 common
  // commands overrides it with a query of its own.
  virtual boost::asio::awaitable<Status> heartbeat();
  // Whether the instrument has the IEEE 488.2 common commands and the SCPI error queue
  // (*IDN?, *CLS, *OPC?, SYST:ERR?); `ledlab check` leaves them out where it has not.
  virtual bool speaks_ieee488() const { return true; }

 protected:
  // Fails with Errc::limit naming the instrument, the command and the limit when `value` is
  // outside it, and with Errc::invalid_argument when it is not a finite number (NaN or
  // infinity never passes a limit, nor goes to an instrument without one).
  Status check_limit(std::string_view what, double value, std::string_view min_key, std::string_view max_key,
                     std::string_view command = {}) const;
  Error error(Errc code, std::string message, std::string_view command = {}) const;

  InstrumentConfig config_;
  std::unique_ptr<scpi::Session> session_;
  std::optional<scpi::Identity> identity_;
};

}  // namespace ledlab::instruments
