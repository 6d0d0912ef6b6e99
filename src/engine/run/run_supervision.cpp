// Supervision of the station for every run of a batch (run_host.hpp): holds from interlocks
// and lost links, link recovery, the guard around every instrument call, the batch's steps on
// shared instruments, and what the station says to every run (events, alerts, the state).
#include "engine/run/run_host.hpp"

#include "core/activity.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ledlab::engine::detail {

namespace {

constexpr int kMaxRepeats = 20;  // repeats of one call after suspensions before it gives up

// A short text of what an instrument call returned, for the live view.
std::string describe_reading(const std::string& call, const json& value) {
  if (value.is_number()) return fmt::format("{} = {:.6g}", call, value.get<double>());
  if (value.is_boolean()) return fmt::format("{} = {}", call, value.get<bool>());
  if (value.is_array() && !value.empty() && value[0].is_number()) {
    double sum = 0;
    for (const auto& v : value) sum += v.is_number() ? v.get<double>() : 0.0;
    return fmt::format("{}: {} values, mean {:.4g}", call, value.size(), sum / static_cast<double>(value.size()));
  }
  return call;
}

}  // namespace

void RunHost::event(db::EventKind kind, const std::string& source, const std::string& message, json data) {
  for (auto& run : runs_) run->event(kind, source, message, data);
}

void RunHost::say(std::string_view text) {
  // A lone run keeps its status line below the text; a batch's runs print plain lines.
  if (runs_.size() == 1) runs_.front()->line(text);
  else {
    out_ << text << '\n';
    out_.flush();
  }
}

void RunHost::alert(AlertEvent event, const std::string& message, json extra) {
  for (auto& run : runs_) run->alert(event, message, extra);
}

void RunHost::publish_state() {
  for (auto& run : runs_) run->publish_state();
}

void RunHost::set_instrument_status(const std::string& name, const std::function<void(InstrumentStatus&)>& change) {
  for (auto& run : runs_)
    if (auto* st = run->instrument_status(name)) change(*st);
}

bool RunHost::every_run_aborting() const {
  // Before the scripts start (setting up) no run is ending; an ended one is.
  return std::all_of(runs_.begin(), runs_.end(),
                     [](const auto& run) { return run->outcome_.has_value() || run->runner_->abort_requested(); });
}

void RunHost::abort_all(const std::string& why) {
  for (auto& run : runs_)
    if (!run->outcome_ && !run->runner_->abort_requested()) run->runner_->abort(why);
}

void RunHost::hold(const std::string& holder, const std::string& why) {
  const bool first = holds_.empty();
  if (!holds_.insert(holder).second) return;
  ++suspension_generation_;
  ++suspensions_;
  for (auto& run : runs_) {
    run->runner_->hold(holder);
    run->snapshot_.message = why;
  }
  if (first) {
    event(db::EventKind::state, "engine", "suspended: " + why, {{"holder", holder}});
    alert(AlertEvent::suspend, why, {{"holder", holder}});
  }
  say(fmt::format("suspended: {}", why));
  publish_state();
}

void RunHost::release(const std::string& holder, const std::string& why) {
  if (holds_.erase(holder) == 0) return;
  for (auto& run : runs_) run->runner_->release(holder);
  say(why);
  if (holds_.empty()) {
    for (auto& run : runs_) run->snapshot_.message.clear();
    event(db::EventKind::state, "engine", "running: " + why, {{"holder", holder}});
    alert(AlertEvent::resume, why, {{"holder", holder}});
    released_->cancel();
  }
  publish_state();
}

asio::awaitable<void> RunHost::wait_released(SocketRun& run) {
  while (!holds_.empty() && !run.runner_->abort_requested())
    co_await released_->async_wait(asio::as_tuple(asio::use_awaitable));
}

// A lost link: suspend the runs, reconnect with backoff, re-apply the instrument's settings,
// resume. Concurrent callers for the same instrument (several sockets) share one recovery.
asio::awaitable<Status> RunHost::recover_link(const std::string& name, const Error& why) {
  if (auto it = recoveries_.find(name); it != recoveries_.end() && !it->second->finished) {
    auto pending = it->second;
    co_await pending->done.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return pending->result;
  }
  auto recovery = std::make_shared<Recovery>(io_);
  recoveries_[name] = recovery;
  // A virtual clock stands still while the link is recovered (its backoff is wall time).
  Activity::Scope recovering(io_.get_executor());
  instruments::Instrument* inst = station_->find(name);
  const std::string holder = "link:" + name;
  set_instrument_status(name, [&](InstrumentStatus& st) {
    st.link = "reconnecting";
    st.fault = why.describe();
  });
  event(db::EventKind::fault, name, "lost link: " + why.describe());
  hold(holder, fmt::format("lost link to {} ({}); reconnecting", name, why.describe()));
  const auto started = std::chrono::steady_clock::now();
  const auto give_up = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                     std::chrono::duration<double>(prepared_.station.link_recovery_s));
  auto backoff = std::chrono::milliseconds(250);
  asio::steady_timer timer(io_);
  Status result;
  int attempt = 0;
  for (;;) {
    ++attempt;
    result = co_await inst->attach();
    if (result) result = co_await inst->reapply_settings();
    if (result || every_run_aborting()) break;
    if (std::chrono::steady_clock::now() + backoff > give_up) break;
    timer.expires_after(backoff);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30'000));
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (result) {
    set_instrument_status(name, [](InstrumentStatus& st) {
      st.link = "connected";
      st.fault.clear();
    });
    const std::string msg = fmt::format("link to {} restored after {} attempt{} in {:.1f} s; settings re-applied",
                                        name, attempt, attempt == 1 ? "" : "s", took);
    event(db::EventKind::info, name, msg);
    release(holder, msg);
  } else {
    set_instrument_status(name, [](InstrumentStatus& st) { st.link = "lost"; });
    fail_reason_ = fmt::format("lost link to {}: {} (gave up after {} attempts in {:.1f} s)", name,
                               result.error().describe(), attempt, took);
    event(db::EventKind::fault, name, fail_reason_);
    abort_all(fail_reason_);
    release(holder, "giving up on " + name);
  }
  recovery->result = result;
  recovery->finished = true;
  recovery->done.cancel();
  co_return result;
}

// Every instrument call goes through here: a lost link is recovered and the call repeated;
// a call that overlapped a suspension is repeated once the run resumes, so nothing measured
// during an excursion or an outage reaches the script (and so the store). A call on an
// instrument other sockets use too holds it for the call (InstrumentLocks), so a gate started
// by one socket is never restarted by another before it has been read.
lua::AsyncFunction RunHost::guard_call(SocketRun& run, const std::string& name, lua::AsyncFunction fn) {
  const std::string instrument = run.instrument_of(name.substr(0, name.find('.')));
  if (!station_->find(instrument)) return fn;
  // A socket's role adapters hold what they share for each step themselves (engine/socket/);
  // the instruments of a station without sockets are held for the call.
  const bool exclusive_per_call = !run.config_ && shared_.contains(instrument) &&
                                  station_->find(instrument)->kind() != "thermal_chamber";
  return [this, &run, name, instrument, exclusive_per_call, fn = std::move(fn)](json args) -> asio::awaitable<Result<json>> {
    for (int repeat = 0;; ++repeat) {
      co_await wait_released(run);
      const auto generation = suspension_generation_;
      InstrumentLocks::Guard use;
      if (exclusive_per_call) {
        std::vector<std::string> names;
        names.push_back(instrument);
        use = co_await locks_->acquire(std::move(names), run.socket_);
      }
      Result<json> r = co_await fn(args);
      use.release();
      if (!r && is_link_error(r.error().code) && !run.runner_->abort_requested()) {
        auto recovered = co_await recover_link(instrument, r.error());
        if (!recovered) co_return fail(r.error());
        if (repeat < kMaxRepeats) continue;
      }
      if (r && (generation != suspension_generation_ || !holds_.empty()) && repeat < kMaxRepeats &&
          !run.runner_->abort_requested()) {
        run.line(fmt::format("  {} overlapped a suspension: repeating it", name));
        continue;
      }
      if (auto* st = run.instrument_status(instrument)) {
        if (r) {
          st->last_reading = describe_reading(name, *r);
          st->last_reading_t_s = clock_->now_s();
          st->fault.clear();
        } else {
          st->fault = r.error().describe();
        }
      }
      co_return r;
    }
  };
}

// A shared chamber has one setpoint: `chamber.set_setpoint(t)` in every socket's script is
// one step of the batch (batch.once), sent once when every live socket has asked for it, and
// an error naming both sockets when they asked for different temperatures. Unchanged
// single-DUT sequences so run as a batch.
lua::AsyncFunction RunHost::batch_step(SocketRun& run, const std::string& name, lua::AsyncFunction fn) {
  const auto dot = name.find('.');
  if (dot == std::string::npos || name.substr(dot + 1) != "set_setpoint") return fn;
  const std::string instrument = run.instrument_of(name.substr(0, dot));
  const auto* inst = station_->find(instrument);
  if (!inst || inst->kind() != "thermal_chamber" || !shared_.contains(instrument)) return fn;
  return [this, &run, name, fn = std::move(fn)](json args) { return coordinator_->once(run.socket_, name, std::move(args), fn); };
}

// The station's interlocks and heartbeat watch for every run of the batch: a trip holds or
// aborts them all, the chamber's air goes into every run's record.
Status RunHost::install_monitor() {
  InterlockMonitor::Hooks hooks;
  hooks.trip = [this](const InterlockSpec& spec, const std::string& message, double air_c) {
    json data{{"interlock", spec.name}, {"action", spec.effective_action()}};
    if (std::isfinite(air_c)) data["air_c"] = air_c;  // what the interlock read, for plots (db/SCHEMA.md events)
    event(db::EventKind::alarm, spec.instrument, fmt::format("interlock '{}' tripped: {}", spec.name, message), data);
    if (spec.effective_action() == "abort") {
      say(fmt::format("interlock '{}' tripped: {}; aborting to the safe state", spec.name, message));
      abort_all(fmt::format("interlock '{}': {}", spec.name, message));
      publish_state();
    } else {
      hold("interlock:" + spec.name, fmt::format("interlock '{}': {}", spec.name, message));
    }
  };
  hooks.clear = [this](const InterlockSpec& spec, const std::string& message) {
    release("interlock:" + spec.name, fmt::format("interlock '{}' clear: {}", spec.name, message));
  };
  hooks.alarm = [this](const InterlockSpec& spec, const std::string& message) {
    event(db::EventKind::alarm, spec.instrument, message, {{"interlock", spec.name}});
    say(fmt::format("alarm: {}", message));
    publish_state();
  };
  hooks.note = [this](const InterlockSpec& spec, const std::string& message) {
    event(db::EventKind::info, spec.instrument, fmt::format("interlock '{}': {}", spec.name, message));
    say(fmt::format("interlock '{}': {}", spec.name, message));
    publish_state();
  };
  hooks.link_lost = [this](const std::string& instrument, const Error& error) { return recover_link(instrument, error); };
  hooks.environment = [this](std::size_t chamber, const std::string&, const std::string& quantity, double value_c) {
    json r{{"quantity", quantity}, {"unit", "C"}, {"value", value_c}};
    if (chamber > 1) r["conditions"] = {{"chamber", chamber}};  // one chamber: no conditions
    for (auto& run : runs_) {
      if (!run->script_running_ && run->outcome_) continue;
      try {
        run->recorder_->record(r);
      } catch (const std::exception&) {
        // The store failed or closed: the run's own writes report it; the log has nothing to add.
      }
    }
  };
  monitor_ = std::make_unique<InterlockMonitor>(*station_, clock_, std::move(hooks));
  std::vector<instruments::Instrument*> all;
  for (const auto& inst : station_->instruments()) all.push_back(inst.get());
  monitor_->set_heartbeat(prepared_.station.heartbeat_s, std::move(all));
  monitor_->set_environment_log(prepared_.station.environment_log_s);
  for (const auto& spec : prepared_.station.interlocks)
    if (auto st = monitor_->add(spec); !st) return st;
  return {};
}

}  // namespace ledlab::engine::detail
