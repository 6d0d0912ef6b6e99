// The pre-flight check of a run or a batch (engine/preflight.hpp, README "Pre-flight"): part
// of RunHost (run_host.hpp). Runs after the instruments are attached (connected, *IDN? read,
// channel counts learnt) and before any of them is initialised: a refused run has sent no
// setting, no setpoint and no drive, and is not brought to a safe state it never left.
#include "engine/run/run_host.hpp"

#include "db/json_text.hpp"

#include <fmt/format.h>

namespace ledlab::engine::detail {

asio::awaitable<bool> RunHost::preflight() {
  if (!prepared_.needs.declared) co_return true;  // a script without needs{}: nothing to compare
  auto reports = co_await attach_and_check(*station_, prepared_.needs);
  if (!reports) {
    // Nothing was checked, so nothing may be switched on.
    for (auto& run : runs_) run->outcome_ = lua::RunOutcome{lua::RunStatus::failed, "pre-flight: " + reports.error().describe(), {}};
    co_return false;
  }
  preflight_ = std::move(*reports);
  // Each run is judged on its own socket's report (a batch may use some of the station's
  // sockets only); its fallbacks are what its lane adapters may use.
  std::vector<PreflightReport> refused;
  for (auto& run : runs_) {
    run->preflight_ = report_for(*preflight_, run->socket_);
    std::vector<PreflightReport> mine;
    if (run->preflight_) {
      mine.push_back(*run->preflight_);
      *run->allowed_fallbacks_ = run->preflight_->use;
      if (!run->preflight_->ok()) refused.push_back(*run->preflight_);
    }
    const std::string text = describe(mine);
    run->line(text);
    run->event(all_ok(mine) ? db::EventKind::info : db::EventKind::fault, "preflight", text,
               preflight_event_data(prepared_.needs, mine));
  }
  if (refused.empty()) co_return true;
  preflight_refused_ = true;
  const std::string why = refusal_message(runs_.front()->run_.sequence, refused);
  for (auto& run : runs_) run->outcome_ = lua::RunOutcome{lua::RunStatus::failed, why, {}};
  co_return false;
}

json SocketRun::provenance_settings(const instruments::Instrument& inst) const {
  json settings = inst.settings();
  if (!preflight_ || !settings.is_object()) return settings;
  // What the instrument declared and what stands in for what it lacks, beside its settings:
  // a result measured with a fallback says so in the run's provenance.
  settings["capabilities"] = inst.capabilities().to_json();
  json used = json::array();
  for (const auto& item : preflight_->fallbacks)
    if (item.instrument == inst.name()) used.push_back(item.what);
  if (!used.empty()) settings["fallbacks"] = used;
  return settings;
}

}  // namespace ledlab::engine::detail
