#include "engine/run/instrument_bindings.hpp"

#include "core/clock.hpp"
#include "instruments/bert/bert.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/power_meter/power_meter.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

namespace asio = boost::asio;
using nlohmann::json;
using instruments::Bert;
using instruments::PatternGenerator;
using instruments::PowerMeter;
using instruments::ThermalChamber;

namespace {

// The n-th argument as a number, with an error naming the method when it is missing.
Result<double> number_arg(const json& args, std::size_t n, std::string_view method) {
  const json* v = args.is_array() ? (n < args.size() ? &args[n] : nullptr) : (n == 0 ? &args : nullptr);
  if (!v || !v->is_number()) return fail(Errc::invalid_argument, fmt::format("{}: argument {} must be a number", method, n + 1));
  return v->get<double>();
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

void bind_power_meter(lua::SequenceRunner& runner, const std::string& n, PowerMeter* pm) {
  runner.add_async(n + ".read_all", [pm](json) { return as_json(pm->read_all_w()); });
  runner.add_async(n + ".read", [pm, n](json a) -> asio::awaitable<Result<json>> {
    auto ch = number_arg(a, 0, n + ".read");
    if (!ch) co_return fail(ch.error());
    co_return co_await as_json(pm->read_power_w(static_cast<int>(*ch)));
  });
  runner.add_async(n + ".set_wavelength", [pm, n](json a) -> asio::awaitable<Result<json>> {
    auto nm = number_arg(a, 0, n + ".set_wavelength");
    if (!nm) co_return fail(nm.error());
    co_return co_await as_json(pm->set_wavelength_nm(*nm));
  });
}

void bind_chamber(lua::SequenceRunner& runner, const std::string& n, ThermalChamber* ch) {
  runner.add_async(n + ".set_setpoint", [ch, n](json a) -> asio::awaitable<Result<json>> {
    auto c = number_arg(a, 0, n + ".set_setpoint");
    if (!c) co_return fail(c.error());
    co_return co_await as_json(ch->set_setpoint_c(*c));
  });
  runner.add_async(n + ".temperature", [ch](json) { return as_json(ch->read_temperature_c(instruments::ChamberProbe::air)); });
  runner.add_async(n + ".dut_temperature", [ch](json) { return as_json(ch->read_temperature_c(instruments::ChamberProbe::dut)); });
  runner.add_async(n + ".at_temperature", [ch](json) { return as_json(ch->at_temperature()); });
  runner.add_async(n + ".set_window", [ch, n](json a) -> asio::awaitable<Result<json>> {
    auto w = number_arg(a, 0, n + ".set_window");
    if (!w) co_return fail(w.error());
    co_return co_await as_json(ch->set_window_c(*w));
  });
  runner.add_async(n + ".set_soak", [ch, n](json a) -> asio::awaitable<Result<json>> {
    auto s = number_arg(a, 0, n + ".set_soak");
    if (!s) co_return fail(s.error());
    co_return co_await as_json(ch->set_soak_s(*s));
  });
}

void bind_bert(lua::SequenceRunner& runner, const std::string& n, Bert* b, std::shared_ptr<Clock> clock) {
  runner.add_async(n + ".set_bit_rate", [b, n](json a) -> asio::awaitable<Result<json>> {
    auto r = number_arg(a, 0, n + ".set_bit_rate");
    if (!r) co_return fail(r.error());
    co_return co_await as_json(b->set_bit_rate_hz(*r));
  });
  // Gates all lanes for a number of bits and returns {errors={...}, bits={...}} per lane.
  runner.add_async(n + ".gate_bits", [b, n, clock](json a) -> asio::awaitable<Result<json>> {
    auto bits = number_arg(a, 0, n + ".gate_bits");
    if (!bits) co_return fail(bits.error());
    if (auto st = co_await b->set_gate_bits(static_cast<std::uint64_t>(*bits)); !st) co_return fail(st.error());
    if (auto st = co_await b->start_gate(); !st) co_return fail(st.error());
    // A 1e-12 gate takes 25 min at 2 Gb/s: wait it out on the run's clock first, so *OPC?
    // (bounded by the session's opc_timeout) only covers the end of the gate.
    co_await clock->sleep(*bits / b->bit_rate_hz());
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
  runner.add_async(n + ".amplitudes", [b](json) { return as_json(b->read_amplitudes_w()); });
  // PRBS order of generator and detector both: 7, 15, 23 or 31.
  runner.add_async(n + ".set_pattern", [b, n](json a) -> asio::awaitable<Result<json>> {
    auto order = number_arg(a, 0, n + ".set_pattern");
    if (!order) co_return fail(order.error());
    auto pattern = instruments::prbs_from_order(static_cast<int>(*order));
    if (!pattern) co_return fail(Errc::invalid_argument, fmt::format("{}.set_pattern: PRBS{} (use 7, 15, 23 or 31)", n, *order));
    co_return co_await as_json(b->set_pattern(*pattern));
  });
}

void bind_pattern_generator(lua::SequenceRunner& runner, const std::string& n, PatternGenerator* pg) {
  runner.add_async(n + ".set_drive", [pg, n](json a) -> asio::awaitable<Result<json>> {
    auto bias = number_arg(a, 0, n + ".set_drive");
    if (!bias) co_return fail(bias.error());
    auto mod = number_arg(a, 1, n + ".set_drive");
    if (!mod) co_return fail(mod.error());
    co_return co_await as_json(pg->set_drive_a(*bias, *mod));
  });
  runner.add_async(n + ".set_frequency", [pg, n](json a) -> asio::awaitable<Result<json>> {
    auto f = number_arg(a, 0, n + ".set_frequency");
    if (!f) co_return fail(f.error());
    co_return co_await as_json(pg->set_frequency_hz(*f));
  });
  runner.add_async(n + ".output", [pg, n](json a) -> asio::awaitable<Result<json>> {
    if (!a.is_boolean()) co_return fail(Errc::invalid_argument, n + ".output: argument must be true or false");
    co_return co_await as_json(pg->set_output(a.get<bool>()));
  });
}

}  // namespace

void bind_instruments(lua::SequenceRunner& runner, const Station& station, std::shared_ptr<Clock> clock) {
  for (const auto& inst : station.instruments()) {
    const std::string& n = inst->name();
    if (auto* pm = dynamic_cast<PowerMeter*>(inst.get())) bind_power_meter(runner, n, pm);
    else if (auto* ch = dynamic_cast<ThermalChamber*>(inst.get())) bind_chamber(runner, n, ch);
    else if (auto* b = dynamic_cast<Bert*>(inst.get())) bind_bert(runner, n, b, clock);
    else if (auto* pg = dynamic_cast<PatternGenerator*>(inst.get())) bind_pattern_generator(runner, n, pg);
  }
}

}  // namespace ledlab::engine
