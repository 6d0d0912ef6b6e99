#include "instruments/pattern_generator/pattern_generator.hpp"
#include "core/number_format.hpp"

#include "instruments/common/dialect_table.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::instruments {

namespace asio = boost::asio;

namespace {
// The instrument refused a setting (SCPI error): it kept the old one, so the driver does too.
// After a transport failure the new value stays, for reapply_settings to send.
bool refused(const Status& st) { return !st && st.error().code == Errc::instrument; }

// "SOUR1:CURR:OFFS {a}" -> "SOUR1:CURR:OFFS": the command a refusal names.
std::string_view header(std::string_view format) { return format.substr(0, format.find(' ')); }
}  // namespace

std::string_view to_string(Waveform waveform) {
  switch (waveform) {
    case Waveform::sine: return "SIN";
    case Waveform::square: return "SQU";
    case Waveform::ramp: return "RAMP";
    case Waveform::pulse: return "PULS";
    case Waveform::prbs: return "PRBS";
    case Waveform::noise: return "NOIS";
    case Waveform::arb: return "ARB";
    case Waveform::dc: return "DC";
  }
  return "SIN";
}

PatternGenerator::PatternGenerator(InstrumentConfig config, std::unique_ptr<scpi::Session> session,
                                   const PatternGeneratorDialect& dialect)
    : Instrument(std::move(config), std::move(session)), dialect_(dialect),
      resistance_ohm_(config_.option("drive_resistance_ohm", 50.0)),
      drive_offset_v_(config_.option("drive_offset_v", 0.0)),
      frequency_hz_(config_.option("frequency_hz", 1e6)) {
  // Re-applied in this order, with the output off (reapply_settings): the load first, the
  // drive last, the output on only if it was.
  auto& t = settings_table_;
  const auto set_only = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nlohmann::json::value_t::discarded);
  };
  t.declare_value("driver", "", "", dialect_.driver);
  t.declare({"current_mode", "", "", [this] { return nlohmann::json(current_mode()); }});
  t.declare_value("drive_resistance_ohm", "ohm", dialect_.set_load, resistance_ohm_,
                  [this] { return send(dialect_.set_load, resistance_ohm_, "declare its load"); });
  t.declare({"function", "", dialect_.set_function, [this] { return nlohmann::json(to_string(function_)); },
             [this] { return send(dialect_.set_function, 0, "set a function"); }});
  t.declare_value("frequency_hz", "Hz", dialect_.set_frequency, frequency_hz_,
                  [this] { return send(dialect_.set_frequency, frequency_hz_, "set a frequency"); });
  t.declare({"modulation_current_a", "A", modulation_command(), [this] { return nlohmann::json(modulation_current_a()); },
             [this] { return apply_modulation(); }});
  t.declare({"bias_current_a", "A", bias_command(), [this] { return nlohmann::json(bias_current_a()); },
             [this] { return apply_bias(); }});
  // The same two levels as set through the voltage API; recorded only when set that way.
  t.declare({"amplitude_vpp", "V", "", [this, set_only] { return set_only(modulation_.voltage_v); }});
  t.declare({"offset_v", "V", "", [this, set_only] { return set_only(bias_.voltage_v); }});
  t.declare_value("output_on", "", dialect_.output_on, output_on_, [this] { return apply_output(); },
                  [this] { return output_on_; });
}

double PatternGenerator::current_of(const Level& level, double voltage_offset_v) const {
  if (!level.voltage_v) return level.current_a;
  return std::max(0.0, *level.voltage_v - voltage_offset_v) / resistance_ohm_;
}

double PatternGenerator::bias_current_a() const { return current_of(bias_, drive_offset_v_); }
double PatternGenerator::modulation_current_a() const { return current_of(modulation_, 0.0); }

Status PatternGenerator::check_drive(double bias_a, double modulation_pp_a, std::string_view command) const {
  // Negated comparisons and isfinite: NaN and infinity are refused, never compared away.
  if (!(bias_a >= 0) || !(modulation_pp_a >= 0) || !std::isfinite(bias_a) || !std::isfinite(modulation_pp_a))
    return fail(error(Errc::invalid_argument,
                      fmt::format("drive currents must be finite and >= 0 A (bias {} A, modulation {} A)", bias_a,
                                  modulation_pp_a),
                      header(command)));
  // The emitter sees bias + modulation / 2 at the top of every cycle.
  return check_limit("peak drive current (bias + modulation/2) in A", bias_a + modulation_pp_a / 2, "", "max_current_a",
                     header(command));
}

std::string_view PatternGenerator::bias_command() const {
  return current_mode() ? dialect_.set_bias_current : dialect_.set_offset;
}

std::string_view PatternGenerator::modulation_command() const {
  return dialect_.set_modulation_current.empty() ? dialect_.set_amplitude : dialect_.set_modulation_current;
}

asio::awaitable<Status> PatternGenerator::send(std::string_view f, double value, std::string_view what) {
  if (f.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot {}", dialect_.driver, what)));
  const std::string number = fmt::format("{:.9g}", value);
  co_return co_await session_->write_checked(fmt::format(fmt::runtime(f), fmt::arg("v", number), fmt::arg("a", number),
                                                         fmt::arg("hz", number), fmt::arg("ohm", number),
                                                         fmt::arg("function", to_string(function_))));
}

asio::awaitable<Status> PatternGenerator::apply_bias() {
  if (bias_.voltage_v) co_return co_await send(dialect_.set_offset, *bias_.voltage_v, "set an offset voltage");
  if (current_mode()) co_return co_await send(dialect_.set_bias_current, bias_.current_a, "set a bias current");
  // Voltage source through the series resistance: V = Vf + I R.
  co_return co_await send(dialect_.set_offset, drive_offset_v_ + bias_.current_a * resistance_ohm_, "set a bias current");
}

asio::awaitable<Status> PatternGenerator::apply_modulation() {
  if (modulation_.voltage_v) co_return co_await send(dialect_.set_amplitude, *modulation_.voltage_v, "set an amplitude");
  if (!dialect_.set_modulation_current.empty())
    co_return co_await send(dialect_.set_modulation_current, modulation_.current_a, "set a modulation current");
  co_return co_await send(dialect_.set_amplitude, modulation_.current_a * resistance_ohm_, "set a modulation current");
}

asio::awaitable<Status> PatternGenerator::apply_output() {
  const std::string_view f = output_on_ ? dialect_.output_on : dialect_.output_off;
  if (f.empty())
    co_return fail(error(Errc::invalid_argument, fmt::format("driver '{}' cannot switch its output", dialect_.driver)));
  co_return co_await session_->write_checked(std::string(f));
}

asio::awaitable<Status> PatternGenerator::initialize() {
  if (!(resistance_ohm_ > 0))
    co_return fail(error(Errc::config, fmt::format("drive_resistance_ohm {} must be > 0", resistance_ohm_)));
  if (auto st = co_await Instrument::initialize(); !st) co_return st;
  co_return co_await reapply_settings();
}

asio::awaitable<Status> PatternGenerator::set_function(Waveform waveform) {
  const Waveform before = function_;
  function_ = waveform;
  auto st = co_await send(dialect_.set_function, 0, "set a function");
  if (refused(st)) function_ = before;
  co_return st;
}

asio::awaitable<Status> PatternGenerator::set_frequency_hz(double frequency_hz) {
  if (!(frequency_hz > 0))
    co_return fail(error(Errc::invalid_argument, fmt::format("frequency {} Hz must be > 0", frequency_hz),
                         header(dialect_.set_frequency)));
  if (auto st = check_limit("frequency_hz", frequency_hz, "", "max_frequency_hz", header(dialect_.set_frequency)); !st)
    co_return st;
  const double before = frequency_hz_;
  frequency_hz_ = frequency_hz;
  auto st = co_await send(dialect_.set_frequency, frequency_hz_, "set a frequency");
  if (refused(st)) frequency_hz_ = before;
  co_return st;
}

asio::awaitable<Status> PatternGenerator::set_level(Level& level, Level next, bool is_bias) {
  const Level before = level;
  level = next;
  // Two plain co_awaits: GCC 12 mishandles a co_await on a conditional of two awaitables.
  Status st;
  if (is_bias) st = co_await apply_bias();
  else st = co_await apply_modulation();
  if (refused(st)) level = before;
  co_return st;
}

asio::awaitable<Status> PatternGenerator::set_amplitude_vpp(double amplitude_vpp) {
  if (!(amplitude_vpp >= 0) || !std::isfinite(amplitude_vpp))
    co_return fail(error(Errc::invalid_argument, fmt::format("amplitude {} Vpp must be finite and >= 0", amplitude_vpp),
                         header(dialect_.set_amplitude)));
  const Level next{0, amplitude_vpp};
  if (auto st = check_drive(bias_current_a(), current_of(next, 0.0), dialect_.set_amplitude); !st) co_return st;
  co_return co_await set_level(modulation_, next, false);
}

asio::awaitable<Status> PatternGenerator::set_offset_v(double offset_v) {
  // current_of() clips a NaN to 0 A: refuse it before.
  if (!std::isfinite(offset_v))
    co_return fail(error(Errc::invalid_argument, fmt::format("offset {} V is not a finite number", offset_v),
                         header(dialect_.set_offset)));
  const Level next{0, offset_v};
  if (auto st = check_drive(current_of(next, drive_offset_v_), modulation_current_a(), dialect_.set_offset); !st)
    co_return st;
  co_return co_await set_level(bias_, next, true);
}

asio::awaitable<Status> PatternGenerator::set_bias_current_a(double bias_a) {
  if (auto st = check_drive(bias_a, modulation_current_a(), bias_command()); !st) co_return st;
  co_return co_await set_level(bias_, Level{bias_a, std::nullopt}, true);
}

asio::awaitable<Status> PatternGenerator::set_modulation_current_a(double modulation_pp_a) {
  if (auto st = check_drive(bias_current_a(), modulation_pp_a, modulation_command()); !st) co_return st;
  co_return co_await set_level(modulation_, Level{modulation_pp_a, std::nullopt}, false);
}

asio::awaitable<Status> PatternGenerator::set_drive_a(double bias_a, double modulation_pp_a) {
  if (auto st = check_drive(bias_a, modulation_pp_a, bias_command()); !st) co_return st;
  // Lower the one that falls first, so the instrument never holds a peak above both settings.
  const Level bias{bias_a, std::nullopt}, modulation{modulation_pp_a, std::nullopt};
  if (bias_a < bias_current_a()) {
    if (auto st = co_await set_level(bias_, bias, true); !st) co_return st;
    co_return co_await set_level(modulation_, modulation, false);
  }
  if (auto st = co_await set_level(modulation_, modulation, false); !st) co_return st;
  co_return co_await set_level(bias_, bias, true);
}

asio::awaitable<Status> PatternGenerator::set_output(bool on) {
  const bool before = output_on_;
  output_on_ = on;
  auto st = co_await apply_output();
  if (refused(st)) output_on_ = before;
  co_return st;
}

asio::awaitable<Status> PatternGenerator::safe_state() {
  output_on_ = false;
  bias_ = Level{};
  Status first = co_await apply_output();
  Status second = co_await apply_bias();
  co_return first ? second : first;
}

asio::awaitable<Status> PatternGenerator::reapply_settings() {
  // Output off while the rest changes; switched on last if it was on.
  if (auto st = co_await session_->write_checked(std::string(dialect_.output_off)); !st) co_return st;
  co_return co_await Instrument::reapply_settings();
}

asio::awaitable<Result<std::string>> PatternGenerator::sample_reading() {
  // Asked of the instrument, not of the driver's memory: check may attach mid-run.
  auto output = co_await session_->query("OUTP1?");
  if (!output) co_return fail(output.error());
  auto frequency = co_await session_->query_double("SOUR1:FREQ?");
  if (!frequency) co_return fail(frequency.error());
  std::string drive;
  if (current_mode()) {
    auto bias = co_await session_->query_double("SOUR1:CURR:OFFS?");
    if (!bias) co_return fail(bias.error());
    drive = fmt::format(", bias {} mA", fixed(*bias * 1e3, 2));
  }
  co_return fmt::format("output {}{}, {:.4g} MHz", (*output == "1" || *output == "ON") ? "on" : "off", drive, *frequency / 1e6);
}

Capabilities PatternGenerator::capabilities() const {
  Capabilities c{.kind = kind(), .driver = std::string(dialect_.driver)};
  c.current_mode = current_mode();
  c.max_current_a = config_.limit("max_current_a");
  return c;
}

namespace {
std::unique_ptr<Instrument> make_pattern_generator(InstrumentConfig config, std::unique_ptr<scpi::Session> session) {
  const PatternGeneratorDialect* d = find_pattern_generator_dialect(config.driver);
  if (!d) return nullptr;
  return std::make_unique<PatternGenerator>(std::move(config), std::move(session), *d);
}

// Station-file keys (README "Station files"); the hardware_* options are the twin's.
std::vector<SettingKey> pattern_generator_keys() {
  return {
      {"limits", "max_current_a", 0, 10, true},
      {"limits", "max_frequency_hz", 0, 1e12, true},
      {"options", "drive_resistance_ohm", 0, 1e9, true},
      {"options", "drive_offset_v", -1000, 1000},
      {"options", "frequency_hz", 0, 1e12, true},
      {"options", "hardware_max_current_a", 0, 10, true},
      {"options", "hardware_max_frequency_hz", 0, 1e12, true},
  };
}

// The starting frequency must pass the limit set_frequency_hz applies.
std::optional<SettingProblem> check_pattern_generator(const InstrumentConfig& config) {
  const auto max = config.limit("max_frequency_hz");
  if (max && config.options.contains("frequency_hz") && !(config.options.at("frequency_hz") <= *max))
    return SettingProblem{"options", "frequency_hz",
                          fmt::format("{} Hz is above limits.max_frequency_hz = {}", config.options.at("frequency_hz"), *max)};
  return std::nullopt;
}
}  // namespace

LEDLAB_REGISTER_DRIVER(pattern_generator, pattern_generator_dialect_names(), make_pattern_generator,
                       pattern_generator_keys(), check_pattern_generator, identity_in<find_pattern_generator_dialect>);

}  // namespace ledlab::instruments
