// The roles that serve a socket's DUT as a whole: the chamber it sits in and the pattern
// generator that drives every lane at once. Their methods are the instrument's own, except
// that a chamber without a DUT probe answers chamber.dut_temperature with its air where
// pre-flight allows it.
#include "engine/run/binding_args.hpp"
#include "engine/socket/role_bindings.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"

#include <fmt/format.h>

namespace ledlab::engine::socket {

namespace asio = boost::asio;
using nlohmann::json;
using instruments::ChamberProbe;
using instruments::PatternGenerator;
using instruments::ThermalChamber;
using namespace binding;

void note_fallback(FallbacksUsed& used, bool FallbacksUsed::*which, std::string note) {
  if (used.*which) return;
  used.*which = true;
  used.notes.push_back(std::move(note));
}

namespace {

asio::awaitable<Result<json>> dut_temperature(RoleBinding rb, ThermalChamber* ch) {
  if (ch->dialect().read_dut.empty() && rb.allowed->dut_temperature_from_air) {
    note_fallback(*rb.used, &FallbacksUsed::dut_temperature_from_air,
                  fmt::format("{}: DUT temperature is the chamber's air: driver '{}' has no DUT probe", rb.role->describe(),
                              ch->config().driver));
    co_return co_await as_json(ch->read_temperature_c(ChamberProbe::air));
  }
  co_return co_await as_json(ch->read_temperature_c(ChamberProbe::dut));
}

}  // namespace

void bind_chamber_role(lua::SequenceRunner& runner, const RoleBinding& rb, ThermalChamber* ch) {
  const std::string n = rb.role->map().role;
  add(runner, n + ".set_setpoint", one_number(n + ".set_setpoint", "celsius", [ch](double c) { return ch->set_setpoint_c(c); }));
  add(runner, n + ".temperature", no_args(n + ".temperature", [ch] { return ch->read_temperature_c(ChamberProbe::air); }));
  add(runner, n + ".dut_temperature", no_args(n + ".dut_temperature", [rb, ch] { return dut_temperature(rb, ch); }));
  add(runner, n + ".at_temperature", no_args(n + ".at_temperature", [ch] { return ch->at_temperature(); }));
  add(runner, n + ".set_window", one_number(n + ".set_window", "celsius", [ch](double c) { return ch->set_window_c(c); }));
  add(runner, n + ".set_soak", one_number(n + ".set_soak", "seconds", [ch](double s) { return ch->set_soak_s(s); }));
}

void bind_pattern_generator_role(lua::SequenceRunner& runner, const RoleBinding& rb, PatternGenerator* pg) {
  const std::string n = rb.role->map().role;
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

}  // namespace ledlab::engine::socket
