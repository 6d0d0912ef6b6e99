#include "instruments/smu/smu.hpp"
#include "core/number_format.hpp"

#include "instruments/common/dialect_table.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <charconv>
#include <cmath>

namespace ledlab::instruments {

namespace asio = boost::asio;

namespace {
// SCPI-1999 vol. 1, 7.2.1.5: 9.91E37 is "not a number"; an SMU sends it for a reading it
// could not make (overflow). Any reading that large is no measurement.
constexpr double kScpiNan = 9.9e37;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}
}  // namespace

Smu::Smu(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const SmuDialect& dialect)
    : Instrument(std::move(config), std::move(session)), dialect_(dialect) {
  channels_ = static_cast<int>(config_.option("channels", 1));
  // check_smu_settings() made sure both limits exist; the options may only lower them.
  compliance_v_ = config_.option("compliance_v", config_.limit("max_compliance_v").value_or(0));
  compliance_a_ = config_.option("compliance_a", config_.limit("max_compliance_a").value_or(0));
  state_.resize(static_cast<std::size_t>(channels_));
  auto& t = settings_table_;
  t.declare_value("driver", "", "", dialect_.driver);
  t.declare_value("channels", "", "", channels_);  // a fact, read at attach where the model reports it
  // Both compliances go out together, every channel (send_compliance), before any level.
  t.declare_value("compliance_v", "V", dialect_.set_compliance_v, compliance_v_, [this] { return send_compliance(); });
  t.declare_value("compliance_a", "A", dialect_.set_compliance_a, compliance_a_);
  // Each channel's function, level and output, as last sourced (reapply_channels).
  t.declare({"outputs_on", "", dialect_.output_on,
             [this] { return nlohmann::json(std::ranges::count_if(state_, [](const Channel& c) { return c.output; })); },
             [this] { return reapply_channels(); }});
}

std::string Smu::format(std::string_view pattern, int channel, double value) const {
  return fmt::format(fmt::runtime(pattern), fmt::arg("ch", channel), fmt::arg("a", value), fmt::arg("v", value),
                     fmt::arg("first", 1), fmt::arg("last", channels_));
}

asio::awaitable<Status> Smu::attach() {
  if (auto st = co_await Instrument::attach(); !st) co_return st;
  if (!dialect_.channel_count.empty()) {
    auto n = co_await session_->query_int(std::string(dialect_.channel_count));
    if (!n) co_return fail(n.error());
    if (*n < 1 || *n > 100000)
      co_return fail(error(Errc::protocol, fmt::format("reports {} channels", *n), dialect_.channel_count));
    channels_ = static_cast<int>(*n);
    state_.assign(static_cast<std::size_t>(channels_), Channel{});
  }
  co_return Status{};
}

asio::awaitable<Status> Smu::initialize() {
  if (auto st = co_await Instrument::initialize(); !st) co_return st;
  // Outputs off before anything else: whatever the last user left on stays off until a script
  // asks for it.
  if (auto st = co_await safe_state(); !st) co_return st;
  if (!dialect_.setup.empty()) {
    const bool per_channel = dialect_.setup.find("{ch}") != std::string_view::npos;
    for (int ch = 1; ch <= (per_channel ? channels_ : 1); ++ch)
      if (auto st = co_await session_->write(format(dialect_.setup, ch)); !st) co_return st;
    if (auto st = co_await check_errors(dialect_.setup); !st) co_return st;
  }
  co_return co_await send_compliance();
}

Status Smu::check_channel(int channel, std::string_view command) const {
  if (channel < 1 || channel > channels_)
    return fail(error(Errc::invalid_argument, fmt::format("channel {} is not 1..{}", channel, channels_), command));
  return {};
}

// Levels are refused, never clamped: a sweep that asks for more than the station allows is a
// script error the operator must see.
Status Smu::check_level(Mode mode, double level, std::string_view command) const {
  const char* what = mode == Mode::current ? "current_a" : "voltage_v";
  if (!std::isfinite(level))
    return fail(error(Errc::invalid_argument, fmt::format("{} {} is not a finite number", what, level), command));
  if (mode == Mode::current) {
    const double max = config_.limit("max_current_a").value_or(0);
    // Written so that a NaN limit refuses (the station file refuses one before this).
    if (!(std::fabs(level) <= max))
      return fail(error(Errc::limit, fmt::format("current {} A is beyond the station limit max_current_a = {} A", level, max),
                        command));
  } else if (!(std::fabs(level) <= compliance_v_)) {
    return fail(error(Errc::limit,
                      fmt::format("voltage {} V is beyond the compliance voltage {} V (station max_compliance_v = {} V)",
                                  level, compliance_v_, config_.limit("max_compliance_v").value_or(0)),
                      command));
  }
  return {};
}

asio::awaitable<Status> Smu::check_errors(std::string_view command) {
  auto errors = co_await session_->drain_errors();
  if (!errors) co_return fail(errors.error());
  if (!errors->empty()) {
    const auto& first = errors->front();
    Error e = error(Errc::instrument, fmt::format("{},\"{}\"", first.code, first.message), command);
    e.scpi_code = first.code;
    co_return fail(std::move(e));
  }
  co_return Status{};
}

asio::awaitable<Status> Smu::send_level(int channel, Mode mode, double level) {
  auto& st = state_[static_cast<std::size_t>(channel - 1)];
  if (st.mode != mode || st.level == 0) {
    // The function first: a level of the other kind would otherwise be taken as the present
    // function's (Keithley 2400 manual, SOURce subsystem: the level commands are per function).
    const auto mode_cmd = mode == Mode::current ? dialect_.source_current_mode : dialect_.source_voltage_mode;
    if (auto s = co_await session_->write(format(mode_cmd, channel)); !s) co_return s;
  }
  const auto level_cmd = mode == Mode::current ? dialect_.set_current : dialect_.set_voltage;
  if (auto s = co_await session_->write(format(level_cmd, channel, level)); !s) co_return s;
  st.mode = mode;
  st.level = level;
  co_return Status{};
}

// Channels first..last at one level: the limits are checked once, before anything is sent,
// and the instrument's error queue once after.
asio::awaitable<Status> Smu::source(Mode mode, int first, int last, double level) {
  const std::string cmd = format(mode == Mode::current ? dialect_.set_current : dialect_.set_voltage, first, level);
  if (auto st = check_level(mode, level, cmd); !st) co_return st;
  for (int ch = first; ch <= last; ++ch)
    if (auto st = co_await send_level(ch, mode, level); !st) co_return st;
  co_return co_await check_errors(cmd);
}

asio::awaitable<Status> Smu::source_current_a(int channel, double current_a) {
  if (auto st = check_channel(channel, format(dialect_.set_current, channel, current_a)); !st) co_return st;
  co_return co_await source(Mode::current, channel, channel, current_a);
}

asio::awaitable<Status> Smu::source_voltage_v(int channel, double voltage_v) {
  if (auto st = check_channel(channel, format(dialect_.set_voltage, channel, voltage_v)); !st) co_return st;
  co_return co_await source(Mode::voltage, channel, channel, voltage_v);
}

asio::awaitable<Status> Smu::source_current_all_a(double current_a) { return source(Mode::current, 1, channels_, current_a); }

asio::awaitable<Status> Smu::source_voltage_all_v(double voltage_v) { return source(Mode::voltage, 1, channels_, voltage_v); }

asio::awaitable<Status> Smu::send_output(int channel, bool on) {
  if (auto st = co_await session_->write(format(on ? dialect_.output_on : dialect_.output_off, channel)); !st) co_return st;
  state_[static_cast<std::size_t>(channel - 1)].output = on;
  co_return Status{};
}

asio::awaitable<Status> Smu::set_output(int channel, bool on) {
  const std::string cmd = format(on ? dialect_.output_on : dialect_.output_off, channel);
  if (auto st = check_channel(channel, cmd); !st) co_return st;
  if (auto st = co_await send_output(channel, on); !st) co_return st;
  co_return co_await check_errors(cmd);
}

asio::awaitable<Status> Smu::set_output_all(bool on) {
  for (int ch = 1; ch <= channels_; ++ch)
    if (auto st = co_await send_output(ch, on); !st) co_return st;
  co_return co_await check_errors(format(on ? dialect_.output_on : dialect_.output_off, 1));
}

asio::awaitable<Status> Smu::send_compliance() {
  for (int ch = 1; ch <= channels_; ++ch) {
    if (!dialect_.set_compliance_v.empty())
      if (auto st = co_await session_->write(format(dialect_.set_compliance_v, ch, compliance_v_)); !st) co_return st;
    if (!dialect_.set_compliance_a.empty())
      if (auto st = co_await session_->write(format(dialect_.set_compliance_a, ch, compliance_a_)); !st) co_return st;
  }
  co_return co_await check_errors(dialect_.set_compliance_v);
}

Status Smu::check_compliance(std::string_view what, double value, std::string_view unit, const char* limit_key,
                             std::string_view command) const {
  if (!std::isfinite(value) || !(value > 0))
    return fail(error(Errc::invalid_argument, fmt::format("{} {} {} is not a finite number > 0", what, value, unit), command));
  const double max = config_.limit(limit_key).value_or(0);
  if (!(value <= max))
    return fail(error(Errc::limit, fmt::format("{} {} {} is above the station limit {} = {} {}", what, value, unit, limit_key,
                                               max, unit),
                      command));
  return {};
}

asio::awaitable<Status> Smu::set_compliance_v(double voltage_v) {
  const std::string cmd = format(dialect_.set_compliance_v, 1, voltage_v);
  if (auto st = check_compliance("compliance voltage", voltage_v, "V", "max_compliance_v", cmd); !st) co_return st;
  // A voltage already sourced above the new compliance would be out of bounds.
  for (const auto& c : state_)
    if (c.mode == Mode::voltage && !(std::fabs(c.level) <= voltage_v))
      co_return fail(error(Errc::limit, fmt::format("compliance {} V is below the {} V a channel sources", voltage_v, c.level), cmd));
  compliance_v_ = voltage_v;
  co_return co_await send_compliance();
}

asio::awaitable<Status> Smu::set_compliance_a(double current_a) {
  const std::string cmd = format(dialect_.set_compliance_a, 1, current_a);
  if (auto st = check_compliance("compliance current", current_a, "A", "max_compliance_a", cmd); !st) co_return st;
  compliance_a_ = current_a;
  co_return co_await send_compliance();
}

Result<std::vector<SmuReading>> Smu::parse_pairs(const std::string& reply, std::size_t expected,
                                                 std::string_view command) const {
  std::vector<double> values;
  std::string_view rest(reply);
  while (true) {
    const auto comma = rest.find(',');
    std::string_view field = trim(rest.substr(0, comma));
    if (field.starts_with('+')) field.remove_prefix(1);  // from_chars takes no '+' (SCPI NR3 may carry one)
    double v = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
    if (field.empty() || ec != std::errc() || end != field.data() + field.size() || !std::isfinite(v))
      return fail(error(Errc::protocol, fmt::format("reading '{}' is not a number", field), command));
    if (std::fabs(v) >= kScpiNan) return fail(error(Errc::protocol, fmt::format("reading {} is SCPI NaN (no measurement)", v), command));
    values.push_back(v);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (values.size() != 2 * expected)
    return fail(error(Errc::protocol, fmt::format("{} values, expected voltage and current of {} channel{}", values.size(),
                                                  expected, expected == 1 ? "" : "s"),
                      command));
  std::vector<SmuReading> out(expected);
  for (std::size_t i = 0; i < expected; ++i) out[i] = {values[2 * i], values[2 * i + 1]};
  return out;
}

asio::awaitable<Result<SmuReading>> Smu::measure(int channel) {
  if (!dialect_.measure.empty()) {
    const std::string cmd = format(dialect_.measure, channel);
    if (auto st = check_channel(channel, cmd); !st) co_return fail(st.error());
    auto reply = co_await session_->query(cmd);
    if (!reply) co_return fail(reply.error());
    auto pairs = parse_pairs(*reply, 1, cmd);
    if (!pairs) co_return fail(pairs.error());
    co_return pairs->front();
  }
  const std::string vcmd = format(dialect_.measure_voltage, channel), icmd = format(dialect_.measure_current, channel);
  if (auto st = check_channel(channel, vcmd); !st) co_return fail(st.error());
  auto v = co_await session_->query(vcmd);
  if (!v) co_return fail(v.error());
  auto i = co_await session_->query(icmd);
  if (!i) co_return fail(i.error());
  auto pairs = parse_pairs(*v + "," + *i, 1, vcmd);
  if (!pairs) co_return fail(pairs.error());
  co_return pairs->front();
}

asio::awaitable<Result<std::vector<SmuReading>>> Smu::measure_all() {
  if (dialect_.measure_range.empty()) {
    std::vector<SmuReading> out;
    for (int ch = 1; ch <= channels_; ++ch) {
      auto r = co_await measure(ch);
      if (!r) co_return fail(r.error());
      out.push_back(*r);
    }
    co_return out;
  }
  const std::string cmd = format(dialect_.measure_range, 1);
  auto reply = co_await session_->query(cmd);
  if (!reply) co_return fail(reply.error());
  co_return parse_pairs(*reply, static_cast<std::size_t>(channels_), cmd);
}

asio::awaitable<Status> Smu::safe_state() {
  // Every output off, whatever the driver believes: after a reconnect its belief may be stale.
  for (int ch = 1; ch <= channels_; ++ch)
    if (auto st = co_await send_output(ch, false); !st) co_return st;
  co_return co_await check_errors(format(dialect_.output_off, 1));
}

asio::awaitable<Status> Smu::reapply_channels() {
  for (int ch = 1; ch <= channels_; ++ch) {
    const Channel c = state_[static_cast<std::size_t>(ch - 1)];
    if (c.level != 0) {
      state_[static_cast<std::size_t>(ch - 1)].level = 0;  // resend the function too
      if (auto st = co_await send_level(ch, c.mode, c.level); !st) co_return st;
    }
    if (c.output)
      if (auto st = co_await send_output(ch, true); !st) co_return st;
  }
  co_return co_await check_errors(dialect_.set_current);
}

std::optional<double> Smu::declared_driver_power_per_lane_w() const {
  const auto it = config_.options.find("driver_power_per_lane_w");
  if (it == config_.options.end()) return std::nullopt;
  return it->second;
}

Capabilities Smu::capabilities() const {
  Capabilities c{.kind = kind(), .driver = std::string(dialect_.driver), .channels = channels_};
  c.bulk_read = !dialect_.measure_range.empty();
  c.max_current_a = config_.limit("max_current_a");
  return c;
}

asio::awaitable<Result<std::string>> Smu::sample_reading() {
  auto r = co_await measure(1);
  if (!r) co_return fail(r.error());
  co_return fmt::format("channel 1: {} V, {:.4g} A", fixed(r->voltage_v, 4), r->current_a);
}

namespace {
std::unique_ptr<Instrument> make_smu(InstrumentConfig config, std::unique_ptr<scpi::Session> session) {
  const SmuDialect* d = find_smu_dialect(config.driver);
  if (!d) return nullptr;
  return std::make_unique<Smu>(std::move(config), std::move(session), *d);
}

// Station-file keys (README "Station files"). 210 V / 10 A cover the Keithley 2400-class and
// B2900-class ranges; the station's own limits are what protect the array.
std::vector<SettingKey> smu_keys() {
  return {
      {"limits", "max_current_a", 0, 10, true},
      {"limits", "max_compliance_v", 0, 210, true},
      {"limits", "max_compliance_a", 0, 10, true},
      {"options", "compliance_v", 0, 210, true},
      {"options", "compliance_a", 0, 10, true},
      {"options", "channels", 1, 100000, false, true},
      {"options", "driver_power_per_lane_w", 0, 10, false},
  };
}

// An SMU without limits could drive an array to destruction: the three limits are required,
// and the start-up compliance may only be below them.
std::optional<SettingProblem> check_smu_settings(const InstrumentConfig& c) {
  // A one-channel model has no channel in its commands: several "channels" would all be one.
  const SmuDialect* d = find_smu_dialect(c.driver.empty() ? "ledlab-smu" : c.driver);
  if (d && d->set_current.find("{ch}") == std::string_view::npos && c.option("channels", 1) != 1)
    return SettingProblem{"options", "channels", fmt::format("the {} has one channel", d->description)};
  for (const char* key : {"max_current_a", "max_compliance_v", "max_compliance_a"})
    if (!c.limit(key)) return SettingProblem{"limits", key, "required for a source-measure unit"};
  for (const auto& [option, limit] : {std::pair{"compliance_v", "max_compliance_v"}, std::pair{"compliance_a", "max_compliance_a"}}) {
    const auto it = c.options.find(option);
    if (it != c.options.end() && !(it->second <= *c.limit(limit)))
      return SettingProblem{"options", option, fmt::format("{} is above limits.{} = {}", it->second, limit, *c.limit(limit))};
  }
  return std::nullopt;
}
}  // namespace

LEDLAB_REGISTER_DRIVER(smu, smu_dialect_names(), make_smu, smu_keys(), check_smu_settings, identity_in<find_smu_dialect>);

}  // namespace ledlab::instruments
