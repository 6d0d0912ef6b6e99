#include "engine/run/instrument_bindings.hpp"

#include "core/clock.hpp"
#include "instruments/bert/bert.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/smu/smu.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;
using instruments::Bert;
using instruments::PatternGenerator;
using instruments::PowerMeter;
using instruments::Smu;
using instruments::ThermalChamber;

namespace {

// Methods are registered with lua::Arguments::list: `args` holds one entry per argument, so
// set_drive({0.003, 0.001}) is one table, not two numbers.
std::string_view type_name(const json& v) {
  if (v.is_null()) return "nil";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  return "a table";
}

Status count_args(const json& args, std::size_t count, std::string_view method, std::string_view usage) {
  if (args.size() == count) return {};
  return fail(Errc::invalid_argument, fmt::format("{}: expected {} argument{} ({}), got {}", method, count,
                                                  count == 1 ? "" : "s", usage, args.size()));
}

// Argument n (0-based) as a finite number. The drivers check ranges and limits themselves;
// a NaN or infinity is refused here already, naming the argument.
Result<double> number_arg(const json& args, std::size_t n, std::string_view method, std::string_view what) {
  const json& v = args.at(n);
  if (!v.is_number())
    return fail(Errc::invalid_argument, fmt::format("{}: argument {} ({}) must be a number, not {}", method, n + 1, what, type_name(v)));
  const double x = v.get<double>();
  if (!std::isfinite(x))
    return fail(Errc::invalid_argument, fmt::format("{}: argument {} ({}) must be a finite number, not {}", method, n + 1, what, x));
  return x;
}

// Argument n as a whole number in lo..hi: a lane, a count. Refused, not truncated or wrapped
// (gate_bits(-1) once became 18446744073709551615 bits).
Result<std::int64_t> whole_arg(const json& args, std::size_t n, std::string_view method, std::string_view what,
                               std::int64_t lo, std::int64_t hi) {
  auto x = number_arg(args, n, method, what);
  if (!x) return fail(x.error());
  if (*x != std::floor(*x) || *x < static_cast<double>(lo) || *x > static_cast<double>(hi))
    return fail(Errc::invalid_argument,
                fmt::format("{}: argument {} ({}) must be a whole number from {} to {}, not {}", method, n + 1, what, lo, hi, *x));
  return static_cast<std::int64_t>(*x);
}

// The methods below take (args) with one entry per argument.
using Method = std::function<asio::awaitable<Result<json>>(json)>;
void add(lua::SequenceRunner& runner, const std::string& name, Method fn) {
  runner.add_async(name, std::move(fn), lua::Arguments::list);
}

json ok() { return json(); }

template <class T>
asio::awaitable<Result<json>> as_json(asio::awaitable<Result<T>> op) {
  auto r = co_await std::move(op);
  if (!r) co_return fail(r.error());
  co_return json(*r);
}

asio::awaitable<Result<json>> as_json(asio::awaitable<Status> op) {
  auto r = co_await std::move(op);
  if (!r) co_return fail(r.error());
  co_return ok();
}

// A method without arguments: refuses any it is given (a misplaced value is a script bug).
template <class Op>
Method no_args(std::string method, Op op) {
  return [method, op](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 0, method, "none"); !st) co_return fail(st.error());
    co_return co_await as_json(op());
  };
}

void bind_power_meter(lua::SequenceRunner& runner, const std::string& n, PowerMeter* pm) {
  add(runner, n + ".read_all", no_args(n + ".read_all", [pm] { return pm->read_all_w(); }));
  add(runner, n + ".read", [pm, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".read", "channel"); !st) co_return fail(st.error());
    auto ch = whole_arg(a, 0, n + ".read", "channel", 1, std::numeric_limits<int>::max());
    if (!ch) co_return fail(ch.error());
    co_return co_await as_json(pm->read_power_w(static_cast<int>(*ch)));
  });
  add(runner, n + ".set_wavelength", [pm, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".set_wavelength", "nm"); !st) co_return fail(st.error());
    auto nm = number_arg(a, 0, n + ".set_wavelength", "nm");
    if (!nm) co_return fail(nm.error());
    co_return co_await as_json(pm->set_wavelength_nm(*nm));
  });
}

// A method of one number argument.
template <class Op>
Method one_number(std::string method, std::string what, Op op) {
  return [method, what, op](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, method, what); !st) co_return fail(st.error());
    auto x = number_arg(a, 0, method, what);
    if (!x) co_return fail(x.error());
    co_return co_await as_json(op(*x));
  };
}

void bind_chamber(lua::SequenceRunner& runner, const std::string& n, ThermalChamber* ch) {
  using instruments::ChamberProbe;
  add(runner, n + ".set_setpoint", one_number(n + ".set_setpoint", "celsius", [ch](double c) { return ch->set_setpoint_c(c); }));
  add(runner, n + ".temperature", no_args(n + ".temperature", [ch] { return ch->read_temperature_c(ChamberProbe::air); }));
  add(runner, n + ".dut_temperature", no_args(n + ".dut_temperature", [ch] { return ch->read_temperature_c(ChamberProbe::dut); }));
  add(runner, n + ".at_temperature", no_args(n + ".at_temperature", [ch] { return ch->at_temperature(); }));
  add(runner, n + ".set_window", one_number(n + ".set_window", "celsius", [ch](double c) { return ch->set_window_c(c); }));
  add(runner, n + ".set_soak", one_number(n + ".set_soak", "seconds", [ch](double s) { return ch->set_soak_s(s); }));
}

void bind_bert(lua::SequenceRunner& runner, const std::string& n, Bert* b, std::shared_ptr<Clock> clock) {
  add(runner, n + ".set_bit_rate", one_number(n + ".set_bit_rate", "hz", [b](double hz) { return b->set_bit_rate_hz(hz); }));
  // Gates all lanes for a number of bits and returns {errors={...}, bits={...}} per lane.
  add(runner, n + ".gate_bits", [b, n, clock](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".gate_bits", "bits"); !st) co_return fail(st.error());
    auto whole = whole_arg(a, 0, n + ".gate_bits", "bits", 1, static_cast<std::int64_t>(Bert::kMaxGateBits));
    if (!whole) co_return fail(whole.error());
    const auto bits = static_cast<std::uint64_t>(*whole);
    if (auto st = co_await b->set_gate_bits(bits); !st) co_return fail(st.error());
    if (auto st = co_await b->start_gate(); !st) co_return fail(st.error());
    // A 1e-12 gate takes 25 min at 2 Gb/s: wait it out on the run's clock first, so *OPC?
    // (bounded by the session's opc_timeout) only covers the end of the gate.
    co_await clock->sleep(static_cast<double>(bits) / b->bit_rate_hz());
    if (auto st = co_await b->wait_gate(); !st) co_return fail(st.error());
    auto counts = co_await b->read_all();
    if (!counts) co_return fail(counts.error());
    json errors = json::array(), total = json::array();
    for (const auto& c : *counts) {
      errors.push_back(c.errors);
      total.push_back(c.bits);
    }
    co_return json{{"errors", errors}, {"bits", total}};
  });
  add(runner, n + ".amplitudes", no_args(n + ".amplitudes", [b] { return b->read_amplitudes_w(); }));
  // PRBS order of generator and detector both: 7, 15, 23 or 31.
  add(runner, n + ".set_pattern", [b, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".set_pattern", "PRBS order"); !st) co_return fail(st.error());
    auto order = whole_arg(a, 0, n + ".set_pattern", "PRBS order", 7, 31);
    if (!order) co_return fail(order.error());
    auto pattern = instruments::prbs_from_order(static_cast<int>(*order));
    if (!pattern) co_return fail(Errc::invalid_argument, fmt::format("{}.set_pattern: PRBS{} (use 7, 15, 23 or 31)", n, *order));
    co_return co_await as_json(b->set_pattern(*pattern));
  });
}

void bind_pattern_generator(lua::SequenceRunner& runner, const std::string& n, PatternGenerator* pg) {
  add(runner, n + ".set_drive", [pg, n](json a) -> asio::awaitable<Result<json>> {
    const std::string method = n + ".set_drive";
    if (auto st = count_args(a, 2, method, "bias_a, modulation_a"); !st) co_return fail(st.error());
    auto bias = number_arg(a, 0, method, "bias_a");
    if (!bias) co_return fail(bias.error());
    auto mod = number_arg(a, 1, method, "modulation_a");
    if (!mod) co_return fail(mod.error());
    co_return co_await as_json(pg->set_drive_a(*bias, *mod));
  });
  add(runner, n + ".set_frequency", one_number(n + ".set_frequency", "hz", [pg](double hz) { return pg->set_frequency_hz(hz); }));
  add(runner, n + ".output", [pg, n](json a) -> asio::awaitable<Result<json>> {
    if (a.size() != 1 || !a[0].is_boolean())
      co_return fail(Errc::invalid_argument, n + ".output: expected one argument, true or false");
    co_return co_await as_json(pg->set_output(a[0].get<bool>()));
  });
}

// Free coroutines: their frames hold the pointer, not a lambda's captures.
asio::awaitable<Result<json>> smu_readings(Smu* smu) {
  auto r = co_await smu->measure_all();
  if (!r) co_return fail(r.error());
  json v = json::array(), i = json::array();
  for (const auto& x : *r) {
    v.push_back(x.voltage_v);
    i.push_back(x.current_a);
  }
  co_return json{{"voltage_v", v}, {"current_a", i}};
}

asio::awaitable<Result<json>> smu_channels(Smu* smu) { co_return json(smu->channel_count()); }

asio::awaitable<Result<json>> smu_driver_power(Smu* smu) {
  const auto w = smu->declared_driver_power_per_lane_w();
  co_return w ? json(*w) : json();
}

// The SMU: a channel per lane. Readings come back as {voltage_v=, current_a=}; measure_all as
// two lists indexed by lane.
void bind_smu(lua::SequenceRunner& runner, const std::string& n, Smu* smu) {
  const auto lane_and_number = [smu, n](std::string method, std::string what, auto op) -> Method {
    return [smu, method = n + "." + method, what, op](json a) -> asio::awaitable<Result<json>> {
      if (auto st = count_args(a, 2, method, "lane, " + what); !st) co_return fail(st.error());
      auto lane = whole_arg(a, 0, method, "lane", 1, smu->channel_count());
      if (!lane) co_return fail(lane.error());
      auto x = number_arg(a, 1, method, what);
      if (!x) co_return fail(x.error());
      co_return co_await as_json(op(static_cast<int>(*lane), *x));
    };
  };
  add(runner, n + ".source_current", lane_and_number("source_current", "amperes",
                                                     [smu](int ch, double a) { return smu->source_current_a(ch, a); }));
  add(runner, n + ".source_voltage", lane_and_number("source_voltage", "volts",
                                                     [smu](int ch, double v) { return smu->source_voltage_v(ch, v); }));
  add(runner, n + ".source_current_all", one_number(n + ".source_current_all", "amperes",
                                                    [smu](double a) { return smu->source_current_all_a(a); }));
  add(runner, n + ".source_voltage_all", one_number(n + ".source_voltage_all", "volts",
                                                    [smu](double v) { return smu->source_voltage_all_v(v); }));
  add(runner, n + ".set_compliance_v", one_number(n + ".set_compliance_v", "volts",
                                                  [smu](double v) { return smu->set_compliance_v(v); }));
  add(runner, n + ".set_compliance_a", one_number(n + ".set_compliance_a", "amperes",
                                                  [smu](double a) { return smu->set_compliance_a(a); }));
  add(runner, n + ".output", [smu, n](json a) -> asio::awaitable<Result<json>> {
    if (a.size() != 2 || !a[1].is_boolean())
      co_return fail(Errc::invalid_argument, n + ".output: expected two arguments, a lane and true or false");
    auto lane = whole_arg(a, 0, n + ".output", "lane", 1, smu->channel_count());
    if (!lane) co_return fail(lane.error());
    co_return co_await as_json(smu->set_output(static_cast<int>(*lane), a[1].get<bool>()));
  });
  add(runner, n + ".output_all", [smu, n](json a) -> asio::awaitable<Result<json>> {
    if (a.size() != 1 || !a[0].is_boolean())
      co_return fail(Errc::invalid_argument, n + ".output_all: expected one argument, true or false");
    co_return co_await as_json(smu->set_output_all(a[0].get<bool>()));
  });
  add(runner, n + ".measure", [smu, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".measure", "lane"); !st) co_return fail(st.error());
    auto lane = whole_arg(a, 0, n + ".measure", "lane", 1, smu->channel_count());
    if (!lane) co_return fail(lane.error());
    auto r = co_await smu->measure(static_cast<int>(*lane));
    if (!r) co_return fail(r.error());
    co_return json{{"voltage_v", r->voltage_v}, {"current_a", r->current_a}};
  });
  add(runner, n + ".measure_all", no_args(n + ".measure_all", [smu] { return smu_readings(smu); }));
  add(runner, n + ".channels", no_args(n + ".channels", [smu] { return smu_channels(smu); }));
  add(runner, n + ".driver_power_per_lane", no_args(n + ".driver_power_per_lane", [smu] { return smu_driver_power(smu); }));
}

}  // namespace

void bind_instruments(lua::SequenceRunner& runner, const Station& station, std::shared_ptr<Clock> clock) {
  for (const auto& inst : station.instruments()) {
    const std::string& n = inst->name();
    if (auto* pm = dynamic_cast<PowerMeter*>(inst.get())) bind_power_meter(runner, n, pm);
    else if (auto* ch = dynamic_cast<ThermalChamber*>(inst.get())) bind_chamber(runner, n, ch);
    else if (auto* b = dynamic_cast<Bert*>(inst.get())) bind_bert(runner, n, b, clock);
    else if (auto* pg = dynamic_cast<PatternGenerator*>(inst.get())) bind_pattern_generator(runner, n, pg);
    else if (auto* smu = dynamic_cast<Smu*>(inst.get())) bind_smu(runner, n, smu);
  }
}

}  // namespace ledlab::engine
