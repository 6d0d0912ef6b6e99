#pragma once
// Pattern / waveform generator that drives the Micro-LED array: a waveform (or PRBS) at a
// modulation frequency, and the drive current of every emitter as a bias plus a peak-to-peak
// modulation around it. Models with a current output take currents directly; a voltage
// generator (a real 33500B) drives the array through a series resistance from the station file
// (option "drive_resistance_ohm"), so currents become voltages. One driver class serves every
// model; the model's SCPI dialect is a table (dialects.cpp).
#include "instruments/common/instrument.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

enum class Waveform { sine, square, ramp, pulse, prbs, noise, arb, dc };
std::string_view to_string(Waveform waveform);  // the 33500B's word: "SIN", "PRBS", ...

// Command formats of one generator model. {v}/{a}/{hz}/{ohm}/{function} are values. An empty
// current format means the model has no current mode: the driver sends voltages over the
// series resistance instead.
struct PatternGeneratorDialect {
  std::string_view driver;  // station file name: driver = "ledlab-pg"
  std::string_view description;
  // The *IDN? replies the dialect serves, and where that comes from (dialect_identity.hpp).
  DialectIdentity identity{};
  std::string_view set_function;           // "SOUR1:FUNC {function}"
  std::string_view set_frequency;          // "SOUR1:FREQ {hz}"
  std::string_view set_amplitude;          // "SOUR1:VOLT {v}" peak to peak
  std::string_view set_offset;             // "SOUR1:VOLT:OFFS {v}"
  std::string_view set_load;               // "OUTP1:LOAD {ohm}"
  std::string_view output_on;
  std::string_view output_off;
  std::string_view set_bias_current;       // "SOUR1:CURR:OFFS {a}" or empty
  std::string_view set_modulation_current; // "SOUR1:CURR:AMPL {a}" peak to peak, or empty
};

const PatternGeneratorDialect* find_pattern_generator_dialect(std::string_view driver);
std::vector<std::string> pattern_generator_dialect_names();

class PatternGenerator : public Instrument {
 public:
  PatternGenerator(InstrumentConfig config, std::unique_ptr<scpi::Session> session,
                   const PatternGeneratorDialect& dialect);

  bool current_mode() const { return !dialect_.set_bias_current.empty(); }
  Waveform function() const { return function_; }
  double frequency_hz() const { return frequency_hz_; }
  bool output_on() const { return output_on_; }
  // The drive per emitter as the driver last set it (voltages converted over the resistance).
  double bias_current_a() const;
  double modulation_current_a() const;

  // Declares the load (the series resistance) and sends every setting: output off at first.
  boost::asio::awaitable<Status> initialize() override;

  boost::asio::awaitable<Status> set_function(Waveform waveform);
  // Station limit "max_frequency_hz".
  boost::asio::awaitable<Status> set_frequency_hz(double frequency_hz);
  // Voltages at the declared load; checked against "max_current_a" as current = V / R.
  boost::asio::awaitable<Status> set_amplitude_vpp(double amplitude_vpp);
  boost::asio::awaitable<Status> set_offset_v(double offset_v);
  // Currents per emitter. Station limit "max_current_a": bias + modulation / 2 (the peak).
  boost::asio::awaitable<Status> set_bias_current_a(double bias_a);
  boost::asio::awaitable<Status> set_modulation_current_a(double modulation_pp_a);
  // Both at once, checked as one peak (no refusal of a valid pair for its intermediate state).
  boost::asio::awaitable<Status> set_drive_a(double bias_a, double modulation_pp_a);
  boost::asio::awaitable<Status> set_output(bool on);

  // Output off, then bias 0. Tries both even when the first fails; reports the first failure.
  boost::asio::awaitable<Status> safe_state() override;
  boost::asio::awaitable<Status> reapply_settings() override;
  boost::asio::awaitable<Result<std::string>> sample_reading() override;
  Capabilities capabilities() const override;

 private:
  // One output level, set either as a current or as a voltage (the last one set wins).
  struct Level {
    double current_a = 0;
    std::optional<double> voltage_v;  // set through the voltage API
  };

  double current_of(const Level& level, double voltage_offset_v) const;
  // Refuses (naming `command`, a dialect format) drive currents that are not finite and >= 0
  // or whose peak exceeds the station limit "max_current_a".
  Status check_drive(double bias_a, double modulation_pp_a, std::string_view command) const;
  std::string_view bias_command() const;
  std::string_view modulation_command() const;
  boost::asio::awaitable<Status> send(std::string_view format, double value, std::string_view what);
  boost::asio::awaitable<Status> apply_bias();
  boost::asio::awaitable<Status> apply_modulation();
  boost::asio::awaitable<Status> apply_output();
  // Sets one level and sends it; keeps the old one if the instrument refuses.
  boost::asio::awaitable<Status> set_level(Level& level, Level next, bool is_bias);

  const PatternGeneratorDialect& dialect_;
  double resistance_ohm_;  // series resistance the generator drives the array through
  double drive_offset_v_;  // forward voltage of the emitters, added to the offset in voltage mode
  Waveform function_ = Waveform::square;
  double frequency_hz_;
  Level bias_;
  Level modulation_;
  bool output_on_ = false;
};

}  // namespace ledlab::instruments
