// The pre-flight check of a run (engine/preflight.hpp, README "Pre-flight"): part of RunHost
// (run_host.hpp). Runs after the instruments are attached (connected, *IDN? read, channel
// counts learnt) and before any of them is initialised: a refused run has sent no setting,
// no setpoint and no drive, and is not brought to a safe state it never left.
#include "engine/run/run_host.hpp"

#include "db/json_text.hpp"

#include <fmt/format.h>

namespace ledlab::engine::detail {

asio::awaitable<std::optional<lua::RunOutcome>> RunHost::preflight() {
  if (!prepared_.needs.declared) co_return std::nullopt;  // a script without needs{}: nothing to compare
  for (const auto& inst : station_->instruments()) {
    if (auto st = co_await inst->attach(); !st) {
      // Nothing was checked, so nothing may be switched on.
      co_return lua::RunOutcome{lua::RunStatus::failed,
                                fmt::format("pre-flight: cannot attach {}: {}", inst->name(), st.error().describe()), {}};
    }
  }
  preflight_ = std::vector<PreflightReport>{};
  for (const auto& view : socket_views(*station_)) preflight_->push_back(engine::preflight(prepared_.needs, view));
  // One socket today; a batch (several sockets) gives each run its own socket's fallbacks.
  for (const auto& r : *preflight_) {
    fallbacks_.gate_by_time = fallbacks_.gate_by_time || r.use.gate_by_time;
    fallbacks_.dut_temperature_from_air = fallbacks_.dut_temperature_from_air || r.use.dut_temperature_from_air;
  }
  json reports = json::array();
  for (const auto& r : *preflight_) reports.push_back(r.to_json());
  const std::string text = describe(*preflight_);
  view_.line(text);
  const bool ok = all_ok(*preflight_);
  event(ok ? db::EventKind::info : db::EventKind::fault, "preflight", text,
        {{"needs", prepared_.needs.to_json()}, {"reports", reports}, {"fallbacks", fallbacks_.to_json()}});
  if (ok) co_return std::nullopt;
  preflight_refused_ = true;
  std::string missing;
  for (const auto& r : *preflight_)
    for (const auto& item : r.missing) missing += "\n  " + item.describe();
  co_return lua::RunOutcome{lua::RunStatus::failed,
                            fmt::format("pre-flight refused the station: it cannot run {}:{}", run_.sequence, missing), {}};
}

json RunHost::provenance_settings(const instruments::Instrument& inst) const {
  json settings = inst.settings();
  if (!preflight_ || !settings.is_object()) return settings;
  // What the instrument declared and what stands in for what it lacks, beside its settings:
  // a result measured with a fallback says so in the run's provenance.
  settings["capabilities"] = inst.capabilities().to_json();
  json used = json::array();
  for (const auto& r : *preflight_)
    for (const auto& item : r.fallbacks)
      if (item.instrument == inst.name()) used.push_back(item.what);
  if (!used.empty()) settings["fallbacks"] = used;
  return settings;
}

}  // namespace ledlab::engine::detail
