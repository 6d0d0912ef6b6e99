#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "core/number_format.hpp"

#include "core/log.hpp"
#include "instruments/common/registry.hpp"
#include "scpi/numbers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::instruments {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kModule = "thermal_chamber";

// One formatter for every value placeholder; a format uses the one it names.
std::string format_command(std::string_view format, double value) {
  return fmt::format(fmt::runtime(format), fmt::arg("c", value), fmt::arg("rate", value), fmt::arg("window", value),
                     fmt::arg("s", value));
}

template <class T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

bool bit_set(long long reg, int bit) { return bit >= 0 && ((reg >> bit) & 1) != 0; }

// Field `field` (from 0) of a comma-separated reply; the whole reply when it has one field.
std::optional<std::string_view> reply_field(std::string_view reply, int field) {
  for (int i = 0; i < field; ++i) {
    const auto comma = reply.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    reply.remove_prefix(comma + 1);
  }
  return reply.substr(0, reply.find(','));
}

}  // namespace

std::string ChamberAlarms::describe() const {
  std::string out;
  auto add = [&](bool on, std::string_view what) {
    if (!on) return;
    if (!out.empty()) out += ", ";
    out += what;
  };
  add(over_temperature, "over-temperature");
  add(low_flow, "low flow");
  add(low_air, "low air");
  if (out.empty() && raw != 0) out = raw_is_count ? fmt::format("{} alarm(s) active", raw) : fmt::format("error register {:#x}", raw);
  return out.empty() ? "none" : out;
}

ThermalChamber::ThermalChamber(InstrumentConfig config, std::unique_ptr<scpi::Session> session,
                               const ThermalChamberDialect& dialect)
    : Instrument(std::move(config), std::move(session)), dialect_(dialect), clock_(std::make_shared<Clock>(1.0)) {
  // Settings the station file gives up front are sent at initialize.
  auto from_config = [this](const char* key) -> std::optional<double> {
    if (config_.options.contains(key)) return config_.options.at(key);
    return std::nullopt;
  };
  ramp_c_per_min_ = from_config("ramp_c_per_min");
  window_c_ = from_config("window_c");
  soak_s_ = from_config("soak_s");
}

Status ThermalChamber::missing(std::string_view feature) const {
  return fail(error(Errc::config, fmt::format("the {} dialect has no {}", dialect_.driver, feature)));
}

ChamberLimits ThermalChamber::station_limits_c() const {
  ChamberLimits l{dialect_.min_setpoint_c, dialect_.max_setpoint_c};
  if (auto lo = config_.limit("min_c")) l.min_c = std::max(l.min_c, *lo);
  if (auto hi = config_.limit("max_c")) l.max_c = std::min(l.max_c, *hi);
  return l;
}

Status ThermalChamber::check_setpoint(double setpoint_c, std::string_view command) const {
  if (!std::isfinite(setpoint_c))
    return fail(error(Errc::invalid_argument, fmt::format("setpoint {} is not a temperature", setpoint_c), command));
  if (setpoint_c < dialect_.min_setpoint_c || setpoint_c > dialect_.max_setpoint_c)
    return fail(error(Errc::limit,
                      fmt::format("setpoint_c {} is outside the {} range [{}, {}]", setpoint_c, dialect_.driver,
                                  dialect_.min_setpoint_c, dialect_.max_setpoint_c),
                      command));
  if (auto st = check_limit("setpoint_c", setpoint_c, "min_c", "max_c"); !st) {
    Error e = st.error();
    e.command = command;
    return fail(std::move(e));
  }
  return {};
}

asio::awaitable<Status> ThermalChamber::send(std::string_view format, double value) {
  co_return co_await command(format_command(format, value));
}

asio::awaitable<Status> ThermalChamber::command(std::string cmd) {
  if (dialect_.speaks_ieee488()) co_return co_await session_->write_checked(std::move(cmd));
  auto reply = co_await session_->query(cmd);
  if (!reply) co_return fail(reply.error());
  if (reply->starts_with(dialect_.ack_ok)) co_return Status{};
  if (reply->starts_with(dialect_.ack_error)) {
    Error e = error(Errc::instrument, fmt::format("refused: {}", reply->substr(dialect_.ack_error.size())), cmd);
    co_return fail(std::move(e));
  }
  co_return fail(error(Errc::protocol, fmt::format("answered '{}' instead of {} or {}", reply->substr(0, 60),
                                                   dialect_.ack_ok, dialect_.ack_error),
                       cmd));
}

asio::awaitable<Result<std::string>> ThermalChamber::query_reply(std::string query) {
  auto reply = co_await session_->query(query);
  if (!reply) co_return fail(reply.error());
  // A model without an error queue says why it refused a query in its reply.
  if (!dialect_.speaks_ieee488() && reply->starts_with(dialect_.ack_error))
    co_return fail(error(Errc::instrument, fmt::format("refused: {}", reply->substr(dialect_.ack_error.size())), query));
  co_return reply;
}

asio::awaitable<Result<double>> ThermalChamber::query_number(std::string_view query, int field) {
  if (dialect_.speaks_ieee488() && field == 0) co_return co_await session_->query_double(std::string(query));
  auto reply = co_await query_reply(std::string(query));
  if (!reply) co_return fail(reply.error());
  const auto text = reply_field(*reply, field);
  const auto value = text ? scpi::parse_real(*text) : std::nullopt;
  if (!value)
    co_return fail(error(Errc::protocol, fmt::format("reply '{}' has no number in field {}", reply->substr(0, 60), field),
                         query));
  co_return *value;
}

asio::awaitable<Status> ThermalChamber::attach() {
  if (dialect_.identify.empty()) co_return co_await Instrument::attach();
  if (auto st = co_await session_->connect(); !st) co_return st;
  auto reply = co_await query_reply(std::string(dialect_.identify));
  if (!reply) co_return fail(reply.error());
  scpi::Identity id;  // assigned field by field: no braced lists in a coroutine (GCC 12)
  id.manufacturer = dialect_.maker;
  id.model = dialect_.description;
  id.firmware = *reply;
  id.raw = *reply;
  identity_ = std::move(id);
  co_return Status{};
}

asio::awaitable<Status> ThermalChamber::heartbeat() {
  if (dialect_.heartbeat.empty()) co_return co_await Instrument::heartbeat();
  auto reply = co_await query_reply(std::string(dialect_.heartbeat));
  if (!reply) co_return fail(reply.error());
  co_return Status{};
}

asio::awaitable<Status> ThermalChamber::program_limits() {
  if (dialect_.set_upper_limit.empty() || dialect_.set_lower_limit.empty()) co_return Status{};
  // The instrument refuses a lower limit above its upper one (and the reverse), whatever it
  // holds from before: open the lower limit first, then set upper, then lower.
  const ChamberLimits l = station_limits_c();
  if (auto st = co_await send(dialect_.set_lower_limit, dialect_.min_setpoint_c); !st) co_return st;
  if (auto st = co_await send(dialect_.set_upper_limit, l.max_c); !st) co_return st;
  co_return co_await send(dialect_.set_lower_limit, l.min_c);
}

asio::awaitable<Status> ThermalChamber::initialize() {
  // Without IEEE 488.2 there is no status to clear (*CLS) nor error queue to drain.
  if (dialect_.speaks_ieee488()) {
    if (auto st = co_await Instrument::initialize(); !st) co_return st;
  } else if (auto st = co_await attach(); !st) {
    co_return st;
  }
  if (!dialect_.select_setpoint.empty())
    if (auto st = co_await command(std::string(dialect_.select_setpoint)); !st) co_return st;
  if (auto st = co_await program_limits(); !st) co_return st;
  if (!setpoint_c_) {
    // Adopt what the chamber holds, unless it is outside the limits: then go to safe.
    auto held = co_await setpoint_c();
    if (!held) co_return fail(held.error());
    if (check_setpoint(*held, dialect_.get_setpoint)) {
      setpoint_c_ = *held;
    } else {
      // The safe temperature was checked against the same limits when the station was
      // loaded (check_chamber_settings); set_setpoint_c refuses it again if it is not.
      const ChamberLimits l = station_limits_c();
      setpoint_c_ = config_.option("safe_temperature_c", 25.0);
      log::warn(kModule, "{}: setpoint {} C found outside the limits [{}, {}]; moving to {} C", name(), *held, l.min_c,
                l.max_c, *setpoint_c_);
    }
  }
  co_return co_await reapply_settings();
}

asio::awaitable<Status> ThermalChamber::set_setpoint_c(double setpoint_c) {
  const std::string cmd = format_command(dialect_.set_setpoint, setpoint_c);
  if (auto st = check_setpoint(setpoint_c, cmd); !st) co_return st;  // nothing sent
  if (auto st = co_await command(cmd); !st) co_return st;
  if (setpoint_c_ != setpoint_c) in_window_since_s_.reset();
  setpoint_c_ = setpoint_c;
  co_return Status{};
}

asio::awaitable<Result<double>> ThermalChamber::setpoint_c() {
  if (dialect_.get_setpoint.empty()) {
    if (setpoint_c_) co_return *setpoint_c_;
    co_return fail(missing("setpoint query").error());
  }
  co_return co_await query_number(dialect_.get_setpoint, dialect_.setpoint_field);
}

asio::awaitable<Result<double>> ThermalChamber::read_temperature_c(ChamberProbe probe) {
  const std::string_view format = probe == ChamberProbe::air ? dialect_.read_air : dialect_.read_dut;
  if (format.empty()) co_return fail(missing(probe == ChamberProbe::air ? "air probe" : "DUT probe").error());
  co_return co_await query_number(format, probe == ChamberProbe::air ? dialect_.air_field : 0);
}

asio::awaitable<Status> ThermalChamber::set_ramp_c_per_min(double ramp_c_per_min) {
  if (!(ramp_c_per_min >= 0))
    co_return fail(error(Errc::invalid_argument, fmt::format("ramp {} C/min is not >= 0", ramp_c_per_min),
                         dialect_.set_ramp));
  if (auto st = check_limit("ramp_c_per_min", ramp_c_per_min, "", "max_ramp_c_per_min", dialect_.set_ramp); !st)
    co_return st;
  if (dialect_.set_ramp.empty()) co_return missing("ramp command");
  if (auto st = co_await send(dialect_.set_ramp, ramp_c_per_min); !st) co_return st;
  ramp_c_per_min_ = ramp_c_per_min;
  co_return Status{};
}

asio::awaitable<Status> ThermalChamber::set_window_c(double window_c) {
  if (!(window_c > 0) || !std::isfinite(window_c))
    co_return fail(error(Errc::invalid_argument, fmt::format("window {} C is not a finite number > 0", window_c),
                         dialect_.set_window));
  if (!dialect_.set_window.empty())
    if (auto st = co_await send(dialect_.set_window, window_c); !st) co_return st;
  window_c_ = window_c;  // without a window command the driver applies it in at_temperature()
  co_return Status{};
}

asio::awaitable<Status> ThermalChamber::set_soak_s(double soak_s) {
  if (!(soak_s >= 0) || !std::isfinite(soak_s))
    co_return fail(error(Errc::invalid_argument, fmt::format("soak {} s is not a finite number >= 0", soak_s),
                         dialect_.set_soak));
  if (!dialect_.set_soak.empty())
    if (auto st = co_await send(dialect_.set_soak, soak_s); !st) co_return st;
  soak_s_ = soak_s;
  co_return Status{};
}

asio::awaitable<Result<bool>> ThermalChamber::at_temperature() {
  if (!dialect_.at_temperature.empty()) {
    auto reg = co_await session_->query_int(std::string(dialect_.at_temperature));
    if (!reg) co_return fail(reg.error());
    co_return (*reg & dialect_.at_temperature_mask) != 0;
  }
  // No flag: inside the window since the first reading that found it there, for the soak
  // time. The timer only knows what the polls saw, so poll faster than the soak time.
  auto setpoint = co_await setpoint_c();
  if (!setpoint) co_return fail(setpoint.error());
  auto air = co_await read_temperature_c(ChamberProbe::air);
  if (!air) co_return fail(air.error());
  const double now_s = clock_->now_s();
  if (std::fabs(*air - *setpoint) > window_c_.value_or(0.5)) {
    in_window_since_s_.reset();
    co_return false;
  }
  if (!in_window_since_s_) in_window_since_s_ = now_s;
  co_return now_s - *in_window_since_s_ >= soak_s_.value_or(0.0);
}

asio::awaitable<Result<ChamberAlarms>> ThermalChamber::read_alarms() {
  if (dialect_.read_alarms.empty()) co_return fail(missing("alarm register").error());
  ChamberAlarms a;
  if (dialect_.alarms_are_count) {
    auto count = co_await query_number(dialect_.read_alarms, 0);
    if (!count) co_return fail(count.error());
    a.raw = static_cast<long long>(*count);
    a.raw_is_count = true;
    co_return a;
  }
  auto reg = co_await session_->query_int(std::string(dialect_.read_alarms));
  if (!reg) co_return fail(reg.error());
  a.raw = *reg;
  a.over_temperature = bit_set(*reg, dialect_.over_temperature_bit);
  a.low_flow = bit_set(*reg, dialect_.low_flow_bit);
  a.low_air = bit_set(*reg, dialect_.low_air_bit);
  co_return a;
}

asio::awaitable<Status> ThermalChamber::clear_alarms() {
  if (dialect_.clear_alarms.empty()) co_return missing("alarm reset");
  in_window_since_s_.reset();
  co_return co_await command(std::string(dialect_.clear_alarms));
}

asio::awaitable<Status> ThermalChamber::set_enabled(bool air_flow_on) {
  if (dialect_.set_flow.empty()) co_return missing("air flow command");
  const std::string cmd = fmt::format(fmt::runtime(dialect_.set_flow), fmt::arg("on", air_flow_on ? 1 : 0),
                                      fmt::arg("onoff", air_flow_on ? dialect_.flow_on_word : dialect_.flow_off_word));
  if (auto st = co_await command(cmd); !st) co_return st;
  air_flow_on_ = air_flow_on;
  co_return Status{};
}

asio::awaitable<Result<ChamberLimits>> ThermalChamber::read_limits_c() {
  if (dialect_.get_upper_limit.empty() || dialect_.get_lower_limit.empty()) co_return station_limits_c();
  auto lo = co_await query_number(dialect_.get_lower_limit, dialect_.lower_limit_field);
  if (!lo) co_return fail(lo.error());
  auto hi = co_await query_number(dialect_.get_upper_limit, dialect_.upper_limit_field);
  if (!hi) co_return fail(hi.error());
  co_return ChamberLimits{*lo, *hi};
}

asio::awaitable<Status> ThermalChamber::safe_state() {
  // Not clamped: a safe temperature outside the limits is a bad station file, refused when it
  // is loaded (check_chamber_settings) and here again by set_setpoint_c, with its error.
  const double safe_c = config_.option("safe_temperature_c", 25.0);
  // Both steps are tried whatever the first one did: a half-safe chamber beats none.
  Status first;
  if (!dialect_.set_flow.empty()) first = co_await set_enabled(true);
  auto st = co_await set_setpoint_c(safe_c);
  if (!first) co_return first;
  co_return st;
}

asio::awaitable<Status> ThermalChamber::reapply_settings() {
  // Window, soak and ramp first, so that the move to the setpoint uses them.
  if (window_c_)
    if (auto st = co_await set_window_c(*window_c_); !st) co_return st;
  if (soak_s_)
    if (auto st = co_await set_soak_s(*soak_s_); !st) co_return st;
  if (ramp_c_per_min_)
    if (auto st = co_await set_ramp_c_per_min(*ramp_c_per_min_); !st) co_return st;
  if (air_flow_on_)
    if (auto st = co_await set_enabled(*air_flow_on_); !st) co_return st;
  if (setpoint_c_) co_return co_await set_setpoint_c(*setpoint_c_);
  co_return Status{};
}

Capabilities ThermalChamber::capabilities() const {
  Capabilities c{.kind = kind(), .driver = std::string(dialect_.driver)};
  c.dut_probe = !dialect_.read_dut.empty();
  c.at_temperature_flag = !dialect_.at_temperature.empty();
  const auto limits = station_limits_c();
  c.setpoint_c = Range{limits.min_c, limits.max_c};
  return c;
}

nlohmann::json ThermalChamber::settings() const {
  const ChamberLimits l = station_limits_c();
  return {{"driver", dialect_.driver},
          {"setpoint_c", or_null(setpoint_c_)},
          {"ramp_c_per_min", or_null(ramp_c_per_min_)},
          {"window_c", or_null(window_c_)},
          {"soak_s", or_null(soak_s_)},
          {"air_flow_on", or_null(air_flow_on_)},
          {"min_c", l.min_c},
          {"max_c", l.max_c},
          {"safe_temperature_c", config_.option("safe_temperature_c", 25.0)}};
}

asio::awaitable<Result<std::string>> ThermalChamber::sample_reading() {
  auto air = co_await read_temperature_c(ChamberProbe::air);
  if (!air) co_return fail(air.error());
  auto setpoint = co_await setpoint_c();
  if (!setpoint) co_return fail(setpoint.error());
  auto settled = co_await at_temperature();
  if (!settled) co_return fail(settled.error());
  std::string alarms = "alarms: none";
  if (!dialect_.read_alarms.empty()) {
    auto a = co_await read_alarms();
    if (!a) co_return fail(a.error());
    alarms = "alarms: " + a->describe();
  }
  co_return fmt::format("air {} C, setpoint {} C, {}, {}", fixed(*air, 2), fixed(*setpoint, 2),
                        *settled ? "at temperature" : "not at temperature", alarms);
}

namespace {
std::unique_ptr<Instrument> make_thermal_chamber(InstrumentConfig config, std::unique_ptr<scpi::Session> session) {
  const ThermalChamberDialect* d = find_thermal_chamber_dialect(config.driver);
  if (!d) return nullptr;
  return std::make_unique<ThermalChamber>(std::move(config), std::move(session), *d);
}

// Station-file keys (README "Station files"); "serial" is the twin's.
std::vector<SettingKey> thermal_chamber_keys() {
  constexpr double kAbsoluteZeroC = -273.15, kHottestC = 1000;
  return {
      {"limits", "min_c", kAbsoluteZeroC, kHottestC},
      {"limits", "max_c", kAbsoluteZeroC, kHottestC},
      {"limits", "max_ramp_c_per_min", 0, 1e4},
      {"options", "safe_temperature_c", kAbsoluteZeroC, kHottestC},
      {"options", "ramp_c_per_min", 0, 1e4},
      {"options", "window_c", 0, 100, true},
      {"options", "soak_s", 0, 1e7},
      {"options", "serial", 0, 99999, false, true},
  };
}

// Where the chamber goes at every end of a run must be a setpoint it accepts: inside the
// station limits and the model's range. Refused, not clamped: the station file is wrong.
std::optional<SettingProblem> check_chamber_settings(const InstrumentConfig& config) {
  const ThermalChamberDialect* d =
      find_thermal_chamber_dialect(config.driver.empty() ? thermal_chamber_dialect_names().front() : config.driver);
  if (!d) return std::nullopt;  // an unknown driver is the registry's to report
  const double lo = std::max(d->min_setpoint_c, config.limit("min_c").value_or(d->min_setpoint_c));
  const double hi = std::min(d->max_setpoint_c, config.limit("max_c").value_or(d->max_setpoint_c));
  if (const auto it = config.options.find("safe_temperature_c"); it != config.options.end() && !(it->second >= lo && it->second <= hi))
    return SettingProblem{"options", "safe_temperature_c",
                          fmt::format("{} C is outside the chamber's range [{}, {}] (station limits within the {} range)",
                                      it->second, lo, hi, d->driver)};
  return std::nullopt;
}
}  // namespace

LEDLAB_REGISTER_DRIVER(thermal_chamber, thermal_chamber_dialect_names(), make_thermal_chamber, thermal_chamber_keys(),
                       check_chamber_settings);

}  // namespace ledlab::instruments
