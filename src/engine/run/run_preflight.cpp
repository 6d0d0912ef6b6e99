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
  auto reports = co_await attach_and_check(*station_, prepared_.needs);
  // Nothing was checked, so nothing may be switched on.
  if (!reports) co_return lua::RunOutcome{lua::RunStatus::failed, "pre-flight: " + reports.error().describe(), {}};
  preflight_ = std::move(*reports);
  // One run over the station's socket(s); a batch gives each socket's run its own report's
  // fallbacks (report_for(socket)).
  fallbacks_ = combined(*preflight_);
  const std::string text = describe(*preflight_);
  view_.line(text);
  const bool ok = all_ok(*preflight_);
  event(ok ? db::EventKind::info : db::EventKind::fault, "preflight", text, preflight_event_data(prepared_.needs, *preflight_));
  if (ok) co_return std::nullopt;
  preflight_refused_ = true;
  co_return lua::RunOutcome{lua::RunStatus::failed, refusal_message(run_.sequence, *preflight_), {}};
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
