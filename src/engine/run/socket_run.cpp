// One socket's run of a batch (run_host.hpp): its events, state, script API, control endpoint
// and the end of its record with the summary.
#include "engine/run/run_host.hpp"

#include "core/activity.hpp"
#include "db/json_text.hpp"
#include "db/reader.hpp"
#include "engine/run/analysis_bindings.hpp"
#include "engine/run/batch_bindings.hpp"
#include "engine/run/control_sender.hpp"
#include "engine/run/instrument_bindings.hpp"
#include "engine/run/recorded_bindings.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <stdexcept>

namespace ledlab::engine::detail {

SocketRun::SocketRun(RunHost& host, std::string socket, std::string dut_serial, bool terminal)
    : host_(host), socket_(std::move(socket)), dut_serial_(std::move(dut_serial)), view_(host.out_, terminal) {
  if (!socket_.empty()) view_.set_prefix(fmt::format("[{}] ", socket_));
}

void SocketRun::event(db::EventKind kind, const std::string& source, const std::string& message, json data) {
  if (run_.id == 0) return;  // no record yet
  // Stamped by the run's clock, as its samples are: on simulated time the wall clock is not the run's.
  std::optional<double> t_s;
  if (host_.clock_) t_s = host_.clock_->now_s();
  // Posted, never waited for: a refused event fails the run at its next checkpoint or its end.
  (void)host_.store_->post_event(run_.id, {.t_s = t_s, .kind = kind, .source = source, .message = message,
                                           .data_json = db::json_text(data)});
}

std::string SocketRun::state_name() const {
  if (outcome_) return std::string(lua::to_string(outcome_->status));
  if (runner_ && runner_->abort_requested()) return "aborting";
  if (!host_.holds_.empty()) return "suspended";
  if (runner_ && runner_->paused()) return "paused";
  if (prompts_ && prompts_->pending()) return "waiting for operator";
  return "running";
}

void SocketRun::publish_state() {
  const std::string state = state_name();
  snapshot_.state = state;
  snapshot_.suspensions = host_.suspensions_;
  publish_prompt();
  if (host_.monitor_) snapshot_.interlocks = host_.monitor_->status();
  for (auto& inst : snapshot_.instruments) {
    inst.alarm = false;
    for (const auto& lock : snapshot_.interlocks)
      if (lock.state != "ok" && host_.monitor_) inst.alarm = inst.alarm || lock.message.starts_with(inst.name + " ");
  }
  if (state != last_state_) {
    view_.state(state);
    last_state_ = state;
  }
}

InstrumentStatus* SocketRun::instrument_status(const std::string& name) {
  for (auto& i : snapshot_.instruments)
    if (i.name == name) return &i;
  return nullptr;
}

std::string SocketRun::instrument_of(const std::string& role) const {
  if (config_)
    if (const auto* r = config_->find(role)) return r->instrument;
  return role;
}

Status SocketRun::install_script_api() {
  lua::Sinks sinks;
  sinks.log = [this](std::string_view text) {
    view_.line(fmt::format("  {}", text));
    event(db::EventKind::info, "script", std::string(text));
  };
  sinks.progress = [this](double f, std::string_view text) {
    view_.progress(f, text);
    snapshot_.progress = view_.fraction();
    snapshot_.step = std::string(text);
  };
  sinks.record = [this](const json& r) { recorder_->record(r); };
  sinks.result = [this](const json& r) { recorder_->result(r); };
  sinks.checkpoint = [this](std::string_view name, const json& state) {
    if (host_.sim_) host_.save_bench_state(*this, name);
    if (auto st = host_.store_->checkpoint(run_.id, {std::string(name), db::json_text(state), host_.clock_->now_s()}); !st)
      throw std::runtime_error(st.error().describe());
  };
  lua::RunOptions options{.clock = host_.clock_, .memory_limit_bytes = host_.request_.script_memory_bytes,
                          .overrides = host_.prepared_.overrides};
  runner_ = std::make_unique<lua::SequenceRunner>(script_, options, sinks);
  runner_->set_call_wrapper([this](const std::string& name, lua::AsyncFunction fn) {
    return host_.batch_step(*this, name, host_.guard_call(*this, name, std::move(fn)));
  });
  // The socket's view of the station: its roles, lanes mapped onto the instruments' channels
  // (engine/socket/). A station without sockets: every instrument under its own name.
  // Fallbacks are read at each call: pre-flight fills allowed_fallbacks_ after this.
  if (config_) {
    auto bound = bind_socket(*runner_, *host_.station_, *config_, host_.locks_.get(), host_.clock_, allowed_fallbacks_);
    if (!bound) return fail(bound.error());
    fallbacks_used_ = *bound;
  } else if (auto st = bind_instruments(*runner_, *host_.station_, host_.clock_, allowed_fallbacks_); !st) {
    return st;
  }
  bind_analysis(*runner_);
  bind_batch(*runner_, {.socket = socket_, .coordinator = host_.coordinator_.get(), .locks = host_.locks_.get(),
                        .station = host_.station_.get(), .sections = &sections_});

  // resume_point() -> {name=, state=} of the checkpoint a resumed run goes on from, else nil.
  runner_->add_function("resume_point", [this](json) -> Result<json> {
    const auto& rewind = host_.rewind_;
    if (!rewind || !rewind->checkpoint) return json();
    return json{{"name", rewind->checkpoint->name}, {"state", json::parse(rewind->checkpoint->state_json, nullptr, false)}};
  });
  // recorded{quantity=, conditions={...}, ...} -> what this run has recorded so far (after a
  // resume: including what the killed process recorded before its last checkpoint).
  bind_recorded(*runner_, *recorder_, host_.request_.db);
  // interlock{name=, kind=, instrument=, band_c=, soak_s=, max_c=, action=, poll_s=}: the
  // station's monitor, shared by the batch (the same declaration from every socket is one).
  runner_->add_function("interlock", [this](json args) -> Result<json> {
    auto spec = interlock_from_json(args, "script");
    if (!spec) return fail(spec.error());
    if (auto st = host_.monitor_->add(*spec); !st) return fail(st.error());
    event(db::EventKind::info, "engine", fmt::format("interlock '{}' ({}) declared by the script", spec->name, spec->kind));
    host_.publish_state();
    return json();
  });
  return {};
}


// Read back from the store once the run has ended there: its verdict counts what was kept.
Result<db::RunVerdict> SocketRun::stored_verdict() {
  auto reader = db::Reader::open(host_.request_.db);
  if (!reader) return fail(reader.error());
  auto run = reader->run(run_.id);
  if (!run) return fail(run.error());
  return db::judge_run(*reader, *run);
}

namespace {

db::RunStatus store_status(lua::RunStatus s) {
  switch (s) {
    case lua::RunStatus::finished: return db::RunStatus::finished;
    case lua::RunStatus::aborted: return db::RunStatus::aborted;
    case lua::RunStatus::failed: return db::RunStatus::failed;
  }
  return db::RunStatus::failed;
}

int exit_code(lua::RunStatus s) {
  switch (s) {
    case lua::RunStatus::finished: return 0;
    case lua::RunStatus::aborted: return 4;
    case lua::RunStatus::failed: return 1;
  }
  return 1;
}

}  // namespace

int SocketRun::finish(lua::RunOutcome outcome) {
  // The store writes samples after record{} returned: a batch it refused fails the run here.
  if (auto st = recorder_->flush(); !st && outcome.status != lua::RunStatus::failed)
    outcome = lua::RunOutcome{lua::RunStatus::failed, st.error().describe(), {}};
  endpoint_.reset();  // the run no longer takes commands
  view_.finish();

  const auto status = store_status(outcome.status);
  event(db::EventKind::state, "engine", fmt::format("run {}", lua::to_string(outcome.status)), {{"message", outcome.message}});
  (void)host_.store_->end_run(run_.id, status, {}, outcome.message);
  (void)host_.store_->flush();

  auto& out = host_.out_;
  const std::string who = socket_.empty() ? "" : fmt::format("[{}] ", socket_);
  fmt::print(out, "{}run {} {}: {} record calls, {} results, {} suspension{}, {} wall{}\n", who, run_.uuid,
             lua::to_string(outcome.status), recorder_->records(), recorder_->results(), host_.suspensions_,
             host_.suspensions_ == 1 ? "" : "s", format_duration(view_.active_s()),
             outcome.message.empty() ? "" : "\n  " + outcome.message);
  if (!outcome.traceback.empty()) fmt::print(out, "{}\n", outcome.traceback);
  // The verdict as `ledlab show` and the report give it, from what the store kept.
  const auto verdict = stored_verdict();
  if (verdict) fmt::print(out, "{}{}\n", who, verdict->headline());
  else fmt::print(out, "{}verdict not read back: {}\n", who, verdict.error().describe());
  end_alerts(status, outcome.message, &verdict);
  fmt::print(out, "{}store: {} (ledlab show {})\n", who, host_.request_.db.string(), run_.uuid.substr(0, 8));
  if (outcome.status == lua::RunStatus::finished && host_.request_.verdict_exit_code &&
      (!verdict || verdict->outcome == db::RunOutcome::fail))
    return kVerdictFailedExitCode;  // a verdict that cannot be read is not a pass
  return exit_code(outcome.status);
}

}  // namespace ledlab::engine::detail
