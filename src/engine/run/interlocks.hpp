#pragma once
// Interlocks: conditions the engine watches for the whole run, whatever the script is doing.
//
//   chamber_band      the chamber's air temperature left its setpoint by more than band_c after
//                     it had settled -> suspend the run; once back in band for soak_s, resume.
//                     A new setpoint disarms it until the chamber is in band again (a ramp is
//                     not an excursion).
//   over_temperature  the chamber's own over-temperature alarm, or the air above max_c
//                     -> abort the run to the safe state.
//
// Declared in the station file ([interlocks.<name>]) or by the script (interlock{...}).
// The monitor only decides; what a trip does (hold the script, abort it, log it) is the
// embedder's, through Hooks.
#include "core/clock.hpp"
#include "core/error.hpp"
#include "engine/interlock_spec.hpp"
#include "engine/run/run_snapshot.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::instruments {
class Instrument;
class ThermalChamber;
}

namespace ledlab::engine {

class Station;

class InterlockMonitor {
 public:
  struct Hooks {
    // The interlock tripped: hold or abort, log it. `message` says what was seen, `air_c` the
    // chamber air temperature it read (NaN when the reading itself was not a number).
    std::function<void(const InterlockSpec&, const std::string& message, double air_c)> trip;
    // A suspending interlock is satisfied again (after its soak): release the hold.
    std::function<void(const InterlockSpec&, const std::string& message)> clear;
    // Informational: back in band, soaking.
    std::function<void(const InterlockSpec&, const std::string& message)> note;
    // The chamber's alarm flags changed to a set that is not empty (low air, low flow, ...):
    // log it as an alarm. Read by over_temperature interlocks.
    std::function<void(const InterlockSpec&, const std::string& message)> alarm;
    // A read failed with a link error: the embedder recovers the link (or gives up).
    std::function<boost::asio::awaitable<Status>(const std::string& instrument, const Error& error)> link_lost;
    // One reading of the environment log (set_environment_log): `chamber` numbers the chamber
    // from 1 in the order given, `quantity` is env_air_temperature, env_dut_temperature or
    // env_setpoint, in C.
    std::function<void(std::size_t chamber, const std::string& instrument, const std::string& quantity, double value_c)>
        environment;
  };

  InterlockMonitor(Station& station, std::shared_ptr<Clock> clock, Hooks hooks);

  // Adds or replaces (same name) an interlock; the instrument must be a chamber of the station.
  Status add(InterlockSpec spec);
  bool empty() const { return entries_.empty(); }

  // Also checks the link of each instrument every `period_s` simulated seconds (never more
  // often than every 50 ms of wall time) by reading its status byte (Session::status_byte: a
  // USB488 serial poll, else *STB?), so an instrument the script is not using
  // at the moment (the drive during a long soak) cannot go away unnoticed. 0 turns it off.
  void set_heartbeat(double period_s, std::vector<instruments::Instrument*> instruments);

  // Also logs the environment every `period_s` simulated seconds for as long as the run lasts:
  // each chamber of the station (in the station's order), its air temperature, its setpoint
  // and, where it has a DUT probe, the DUT temperature (hooks.environment), so plots show the
  // chamber between the script's own readings, excursions included. 0 turns it off.
  void set_environment_log(double period_s);

  // Watches every interlock until stop(). Run it beside the script on the run's executor.
  boost::asio::awaitable<void> run();
  void stop();

  std::vector<InterlockStatus> status() const;

 private:
  struct Entry {
    InterlockSpec spec;
    instruments::ThermalChamber* chamber = nullptr;
    std::string state = "ok";  // ok | tripped | soaking
    std::string message;
    bool armed = false;        // chamber_band: reached the band since the last setpoint change
    std::optional<double> setpoint_c;
    double soaking_since_s = 0;
    double next_poll_s = 0;
    std::string alarms = "none";  // over_temperature: the chamber's alarm flags last seen
  };
  boost::asio::awaitable<void> poll(Entry& entry);
  boost::asio::awaitable<void> heartbeat();
  boost::asio::awaitable<void> log_environment();
  // A read of `instrument` failed: a link error goes to the embedder's recovery.
  boost::asio::awaitable<void> read_failed(const std::string& instrument, const Error& error);
  boost::asio::awaitable<void> poll_band(Entry& entry);
  boost::asio::awaitable<void> poll_over_temperature(Entry& entry);
  void set_state(Entry& entry, std::string state, std::string message);

  Station& station_;
  std::shared_ptr<Clock> clock_;
  Hooks hooks_;
  std::vector<std::unique_ptr<Entry>> entries_;  // stable: the script may add while run() polls
  bool stopped_ = false;
  double heartbeat_s_ = 0;
  double next_heartbeat_s_ = 0;
  std::vector<instruments::Instrument*> heartbeat_of_;
  struct Logged {
    instruments::ThermalChamber* chamber = nullptr;
    bool dut_probe = true;  // false once the chamber said it has none
  };
  double environment_s_ = 0;
  double next_environment_s_ = 0;
  std::vector<Logged> logged_;
};

}  // namespace ledlab::engine
