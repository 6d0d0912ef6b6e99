// The operator's part of a run: prompt{} in its script, and the one path (OperatorCommands)
// by which the control socket, the run's terminal and signals steer it.
#include "engine/run/run_host.hpp"

#include "db/json_text.hpp"
#include "engine/run/operator_console.hpp"

#include <fmt/format.h>

#include <csignal>

namespace ledlab::engine::detail {

namespace {

json prompt_json(const PendingPrompt& p) {
  return {{"prompt_id", p.id}, {"text", p.spec.text}, {"choices", p.spec.choices},
          {"timeout_s", p.spec.timeout_s ? json(*p.spec.timeout_s) : json(nullptr)},
          {"default", p.spec.default_choice ? json(*p.spec.default_choice) : json(nullptr)}};
}

}  // namespace

OperatorOrigin RunHost::terminal_origin() const {
  if (request_.console) return {request_.console->who(), {}};
  // Ctrl-C at a run without a console: whoever runs it, on this host. No pid: a signal does
  // not say which process sent it.
  ControlSender terminal = this_process("the run's terminal");
  terminal.pid = 0;
  return {terminal, {}};
}

void SocketRun::install_control() {
  const RunRequest& request = host_.request_;
  OperatorPrompts::Hooks prompt_hooks;
  prompt_hooks.asked = [this, &request](const PendingPrompt& p) {
    view_.line(describe(p.spec));
    view_.line(fmt::format("  answer with {}`ledlab ctl answer {} CHOICE` or in the dashboard",
                           request.console ? "a choice (or its number) and Enter here, " : "", run_.uuid.substr(0, 8)));
    event(db::EventKind::state, "prompt", describe(p.spec), prompt_json(p));
    // Whoever watches the station from afar learns that it waits on somebody at the bench.
    alert(AlertEvent::prompt, describe(p.spec).substr(std::string_view("waiting for operator: ").size()),
          {{"prompt", prompt_json(p)}});
    if (request.console) request.console->prompt(p, run_.uuid);
    publish_state();
  };
  prompt_hooks.timed_out = [this](const PendingPrompt& p, const std::optional<std::string>& taken) {
    const std::string msg =
        taken ? fmt::format("no answer to '{}' within {:g} s: going on with its default '{}'", p.spec.text, *p.spec.timeout_s, *taken)
              : fmt::format("no answer to '{}' within {:g} s and no default: the script gets an error", p.spec.text,
                            *p.spec.timeout_s);
    view_.line(msg);
    json data = prompt_json(p);
    data["taken"] = taken ? json(*taken) : json(nullptr);
    event(db::EventKind::state, "prompt", msg, data);
  };
  prompts_ = std::make_unique<OperatorPrompts>(host_.clock_, std::move(prompt_hooks));
  // prompt{text=, choices=, timeout=, default=} -> the chosen string
  runner_->add_async("prompt", [this](json args) { return prompt_operator(std::move(args)); });

  OperatorCommands::Hooks hooks;
  hooks.line = [this](const std::string& text) { view_.line(text); };
  hooks.action = [this](const std::string& message, const json& data) {
    event(db::EventKind::operator_action, "operator", message, data);
  };
  hooks.changed = [this] { publish_state(); };
  commands_ = std::make_unique<OperatorCommands>(*runner_, *prompts_, std::move(hooks));

  OperatorCommands::Queries queries;
  queries.status = [this] {
    const std::string state = state_name();
    return state == "waiting for operator" ? describe(prompts_->pending()->spec) : state;
  };
  queries.snapshot = [this] {
    publish_state();
    snapshot_.elapsed_s = view_.active_s();
    snapshot_.eta_s = view_.eta_s();
    snapshot_.sim_time_s = host_.clock_->now_s();
    snapshot_.records = recorder_->records();
    snapshot_.results = recorder_->results();
    return db::json_text(to_json(snapshot_));
  };
  auto endpoint = ControlEndpoint::open(host_.io_, run_.uuid, [this, queries](std::string_view line) -> std::string {
    // A run whose script has ended takes no more pause, resume, abort or answer; it still
    // tells its state while the others of its batch go on.
    if (outcome_) {
      auto parsed = parse_control_line(line);
      if (parsed && parsed->verb != "status" && parsed->verb != "snapshot")
        return fmt::format("error: the run has ended ({})", state_name());
    }
    return commands_->control(line, queries);
  });
  if (endpoint) endpoint_ = std::move(*endpoint);
  else view_.line(fmt::format("warning: {}; `ledlab ctl` cannot reach this run", endpoint.error().message));
}

asio::awaitable<Result<json>> SocketRun::prompt_operator(json args) {
  auto spec = prompt_from_json(args);
  if (!spec) co_return fail(spec.error());
  auto chosen = co_await prompts_->ask(std::move(*spec));
  publish_state();  // the prompt has gone
  if (!chosen) co_return fail(chosen.error());
  co_return json(*chosen);
}

void RunHost::watch_console() {
  if (!request_.console) return;
  request_.console->start(io_, [this](std::string line) {
    // One terminal for the batch: the answer goes to the first run whose prompt waits (the
    // others' come next, in turn); anything else goes to every run still going.
    for (auto& run : runs_)
      if (run->live() && run->prompts_ && run->prompts_->pending()) {
        run->commands_->console_line(line, terminal_origin());
        return;
      }
    for (auto& run : runs_)
      if (run->live() && run->commands_) run->commands_->console_line(line, terminal_origin());
  });
}

void RunHost::on_signal(int signal_number) {
  // The batch acts as one: Ctrl-C pauses every run while any is going, again (or SIGTERM)
  // aborts them all.
  bool any_going = false;
  for (auto& run : runs_)
    if (run->live() && run->runner_ && !run->runner_->paused() && !run->runner_->abort_requested()) any_going = true;
  const OperatorOrigin terminal = terminal_origin();
  for (auto& run : runs_) {
    if (!run->live() || !run->commands_) continue;
    if (signal_number == SIGINT && any_going) {
      OperatorOrigin who = terminal;
      who.key = "Ctrl-C";
      run->commands_->pause(who, request_.console ? "Enter resumes, Ctrl-C again aborts" : "Ctrl-C again aborts");
    } else {
      run->commands_->abort(terminal, signal_number == SIGTERM ? "stopped by SIGTERM" : "second Ctrl-C by " + describe(terminal));
    }
    run->publish_state();
  }
}

// The waiting prompt in the live view: its state, and why in the message (unless a suspension
// says why already).
void SocketRun::publish_prompt() {
  const auto& p = prompts_ ? prompts_->pending() : std::optional<PendingPrompt>();
  const bool waiting_message = snapshot_.message.starts_with("waiting for operator: ");
  if (!p) {
    snapshot_.prompt.reset();
    if (waiting_message) snapshot_.message.clear();
    return;
  }
  snapshot_.prompt = PromptStatus{.id = p->id, .text = p->spec.text, .choices = p->spec.choices,
                                  .timeout_s = p->spec.timeout_s, .default_choice = p->spec.default_choice,
                                  .asked_s = p->asked_s};
  if (host_.holds_.empty()) snapshot_.message = describe(p->spec);
}

}  // namespace ledlab::engine::detail
