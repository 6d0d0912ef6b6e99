// Operator prompts (prompt{} in a sequence) and the one operator-command path: a prompt
// answered at the run's terminal, timing out on virtual time, refusing answers that are not
// among its choices; pause, resume and abort through the same commands.
#include "db/reader.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/run/operator_commands.hpp"
#include "engine/run/operator_console.hpp"
#include "engine/run/operator_prompt.hpp"
#include "engine/run/run_sequence.hpp"
#include "support/in_process_run.hpp"
#include "support/sim_run_request.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <sstream>

using namespace ledlab;
using nlohmann::json;

namespace {

struct Event {
  std::optional<double> t_s;
  db::EventKind kind;
  std::string source, message;
  json data;
};

struct Ran {
  int code = -1;
  std::string out;
  std::vector<Event> events;
};

Ran run(const engine::RunRequest& req) {
  Ran r;
  auto ran = test::run_in_process(req);
  r.code = ran.code;
  r.out = ran.out;
  auto events = ran.reader->events(ran.run.id);
  REQUIRE(events);
  for (const auto& e : *events)
    r.events.push_back({e.t_s, e.kind, e.source, e.message, json::parse(e.data_json, nullptr, false)});
  return r;
}

const Event* find(const Ran& r, const std::string& text) {
  for (const auto& e : r.events)
    if (e.message.find(text) != std::string::npos) return &e;
  return nullptr;
}

engine::RunRequest request(const std::string& name, const std::string& script) {
  auto station = engine::load_station(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  REQUIRE(station);
  return test::script_run_request(name, script, std::move(*station));
}

// The run's terminal as a test: types the given lines, one after each prompt it is shown.
class TypingConsole final : public engine::OperatorConsole {
 public:
  explicit TypingConsole(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  void start(boost::asio::io_context& io, LineHandler on_line) override {
    io_ = &io;
    on_line_ = std::move(on_line);
  }
  void stop() override { stopped = true; }
  void prompt(const engine::PendingPrompt& p, std::string_view) override {
    shown.push_back(p.spec.text);
    if (next_ < lines_.size()) boost::asio::post(*io_, [this, line = lines_[next_++]] { on_line_(line); });
  }
  engine::ControlSender who() const override { return {.user = "tess", .host = "bench-1", .pid = 0, .via = "the run's terminal"}; }

  std::vector<std::string> shown;
  bool stopped = false;

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
  boost::asio::io_context* io_ = nullptr;
  LineHandler on_line_;
};

}  // namespace

TEST_CASE("a prompt is answered at the run's terminal, by number or by name, and the answer is logged with who gave it") {
  auto req = request("prompt-terminal", R"lua(
local a = prompt{text = "Move the fibre bundle to block B", choices = {"OK", "Skip"}}
log("first: " .. a)
local b = prompt{text = "Check the lid", choices = {"Closed", "Open"}, timeout = 600, default = "Open"}
log("second: " .. b)
)lua");
  // The first answer by its number in the list, the second by name, ignoring case.
  auto console = std::make_shared<TypingConsole>(std::vector<std::string>{"2", "closed"});
  req.console = console;
  const Ran r = run(req);
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("first: Skip") && Catch::Contains("second: Closed"));
  CHECK(console->shown == std::vector<std::string>{"Move the fibre bundle to block B", "Check the lid"});
  CHECK(console->stopped);
  const Event* asked = find(r, "waiting for operator: Move the fibre bundle to block B (choices: OK, Skip)");
  REQUIRE(asked);
  CHECK(asked->source == "prompt");
  CHECK(asked->data.at("choices") == json({"OK", "Skip"}));
  CHECK(asked->data.at("timeout_s").is_null());
  CHECK(find(r, "(choices: Closed, Open; timeout 600 s, default Open)"));
  const Event* answer = find(r, "answered 'Skip' by tess via the run's terminal on host bench-1 (typed) to: Move the fibre");
  REQUIRE(answer);
  CHECK(answer->kind == db::EventKind::operator_action);
  CHECK(answer->data.at("choice") == "Skip");
  CHECK(answer->data.at("answered_by").at("user") == "tess");
  CHECK(answer->data.at("answered_at").get<std::string>().starts_with("20"));
  CHECK(find(r, "answered 'Closed' by tess"));
}

TEST_CASE("a prompt times out on virtual time: its default is taken, and without one the script gets an error") {
  auto req = request("prompt-timeout", R"lua(
local c = prompt{text = "Swap the DUT", choices = {"Done", "Stop"}, timeout = 600, default = "Stop"}
log("took " .. c)
local ok, err = pcall(prompt, {text = "Nobody there?", timeout = 30})
log("second: " .. tostring(ok) .. " " .. tostring(err))
)lua");
  const Ran r = run(req);
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("took Stop"));
  CHECK_THAT(r.out, Catch::Contains("second: false") && Catch::Contains("prompt 'Nobody there?': no answer within 30 s and no default"));
  const Event* asked = find(r, "waiting for operator: Swap the DUT");
  const Event* timed_out = find(r, "no answer to 'Swap the DUT' within 600 s: going on with its default 'Stop'");
  REQUIRE(asked);
  REQUIRE(timed_out);
  // 600 s of the run's clock between the question and the timeout, however fast the machine.
  REQUIRE(asked->t_s);
  REQUIRE(timed_out->t_s);
  CHECK(*timed_out->t_s - *asked->t_s == Approx(600).margin(1e-6));
  CHECK(timed_out->data.at("taken") == "Stop");
  CHECK(find(r, "no answer to 'Nobody there?' within 30 s and no default: the script gets an error"));
}

TEST_CASE("a prompt declared wrongly is a script error naming the field") {
  auto req = request("prompt-bad", "prompt{text = 'Go?', choices = {'Yes', 'yes'}}\n");
  const Ran r = run(req);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("prompt-bad.lua:1:") &&
                        Catch::Contains("prompt: choices: 'Yes' and 'yes' cannot be told apart (answers ignore case)"));
  CHECK(engine::prompt_from_json(json{{"text", "x"}, {"timeout", -1}}).error().message ==
        "prompt: timeout: -1 is not a number of seconds in (0, 1e+08]");
  CHECK(engine::prompt_from_json(json{{"text", "x"}, {"choices", {"A", "B"}}, {"default", "C"}}).error().message ==
        "prompt: default: 'C' is not one of the choices: A, B");
  CHECK(engine::prompt_from_json(json{{"text", "x"}, {"colour", "red"}}).error().message ==
        "prompt: unknown field 'colour' (text, choices, timeout, default)");
  CHECK(engine::prompt_from_json(json{{"choices", {"A"}}}).error().message == "prompt: text: missing (what the operator is asked)");
}

namespace {

// A script that waits on one prompt, driven by the test through OperatorCommands alone.
struct PromptBench {
  explicit PromptBench(std::string script = "log(prompt{text = 'Lid closed?', choices = {'Yes', 'No'}})\n")
      : runner{lua::SequenceScript(std::move(script), "bench.lua"), {}, sinks()} {}

  boost::asio::io_context io;
  std::shared_ptr<Clock> clock = Clock::virtual_time();
  engine::OperatorPrompts prompts{clock, prompt_hooks()};
  lua::SequenceRunner runner;
  std::vector<std::string> lines, actions, logged, timeouts;
  engine::OperatorCommands commands{runner, prompts, hooks()};
  engine::OperatorCommands::Queries queries{[] { return std::string("status"); }, [] { return std::string("{}"); }};
  std::optional<lua::RunOutcome> outcome;

  lua::Sinks sinks() {
    lua::Sinks s;
    s.log = [this](std::string_view text) { logged.emplace_back(text); };
    return s;
  }
  engine::OperatorPrompts::Hooks prompt_hooks() {
    engine::OperatorPrompts::Hooks h;
    h.timed_out = [this](const engine::PendingPrompt& p, const std::optional<std::string>&) { timeouts.push_back(p.spec.text); };
    return h;
  }
  engine::OperatorCommands::Hooks hooks() {
    engine::OperatorCommands::Hooks h;
    h.line = [this](const std::string& text) { lines.push_back(text); };
    h.action = [this](const std::string& message, const json&) { actions.push_back(message); };
    return h;
  }
  void start() {
    runner.add_async("prompt", [this](json args) { return ask(std::move(args)); });
    boost::asio::co_spawn(io, runner.run(), [this](std::exception_ptr, lua::RunOutcome o) { outcome = std::move(o); });
    while (!prompts.pending() && io.run_one() > 0) {
    }
  }
  boost::asio::awaitable<Result<json>> ask(json args) {
    auto spec = engine::prompt_from_json(args);
    if (!spec) co_return fail(spec.error());
    auto chosen = co_await prompts.ask(std::move(*spec));
    if (!chosen) co_return fail(chosen.error());
    co_return json(*chosen);
  }
};

}  // namespace

TEST_CASE("an answer that is not one of the prompt's choices is refused, listing the valid ones, and the prompt waits on") {
  PromptBench bench;
  CHECK(bench.commands.control("answer Yes", bench.queries) == "error: no prompt is waiting for an answer");
  bench.start();
  REQUIRE(bench.prompts.pending());
  const ledlab::engine::ControlSender ann{.user = "ann", .host = "lab-3", .pid = 77, .via = "ledlab ctl"};
  CHECK(bench.commands.control(engine::control_line("answer", "Maybe", ann), bench.queries) ==
        "error: answer to 'Lid closed?': 'Maybe' is not one of the choices: Yes, No");
  CHECK(bench.commands.control("answer", bench.queries) ==
        "error: answer needs a choice for 'Lid closed?': one of Yes, No");
  CHECK(bench.commands.control("pause now", bench.queries) == "error: control command 'pause' takes no argument (got 'now')");
  CHECK(bench.prompts.pending());
  CHECK(bench.actions.empty());
  CHECK(bench.commands.control(engine::control_line("answer", "no", ann), bench.queries) == "answered 'No'");
  // Answered once: a second answer finds the prompt taken.
  CHECK_THAT(bench.commands.control("answer Yes", bench.queries), Catch::StartsWith("error: 'Lid closed?' has been answered already"));
  bench.io.run();
  REQUIRE(bench.outcome);
  CHECK(bench.outcome->status == lua::RunStatus::finished);
  CHECK(bench.logged == std::vector<std::string>{"No"});
  CHECK(bench.actions == std::vector<std::string>{"answered 'No' by ann via ledlab ctl on host lab-3 (pid 77) to: Lid closed?"});
  CHECK_FALSE(bench.prompts.pending());
}

TEST_CASE("pause, resume and abort act once each, from the socket, the terminal and signals alike") {
  PromptBench bench;
  bench.start();
  const engine::OperatorOrigin terminal{engine::ControlSender{.user = "tess", .host = "bench-1", .pid = 0, .via = "the run's terminal"}, {}};
  bench.commands.signal(SIGINT, terminal, true);
  bench.commands.control("pause", bench.queries);  // already paused: nothing to do, nothing logged
  bench.commands.console_line("", terminal);
  bench.commands.control("resume", bench.queries);  // already running
  bench.commands.control("abort", bench.queries);
  bench.commands.signal(SIGTERM, terminal, true);  // already aborting
  CHECK(bench.actions == std::vector<std::string>{
                             "paused by tess via the run's terminal on host bench-1 (Ctrl-C): Enter resumes, Ctrl-C again aborts",
                             "resumed by tess via the run's terminal on host bench-1 (Enter)",
                             "abort: aborted by an unnamed sender via the control socket"});
  // The abort withdraws the prompt the script waits on.
  bench.io.run();
  REQUIRE(bench.outcome);
  CHECK(bench.outcome->status == lua::RunStatus::aborted);
  CHECK_FALSE(bench.prompts.pending());
}

TEST_CASE("aborting a run while a prompt with a timeout waits withdraws it: no default taken, no timeout logged") {
  PromptBench bench("log(prompt{text = 'Lid closed?', choices = {'Yes', 'No'}, timeout = 600, default = 'No'})\n");
  bench.start();
  REQUIRE(bench.prompts.pending());
  bench.commands.control("abort", bench.queries);
  bench.io.run();
  REQUIRE(bench.outcome);
  CHECK(bench.outcome->status == lua::RunStatus::aborted);
  CHECK(bench.timeouts.empty());  // once: "no answer within 600 s", the default taken, after 0 s
  CHECK(bench.logged.empty());    // the script never got 'No'
  CHECK(bench.clock->elapsed_s() < 600);
}

TEST_CASE("a prompt with more choices or longer text than a person reads is refused, naming the bound") {
  json many = {{"text", "Which fibre?"}, {"choices", json::array()}};
  for (std::size_t i = 0; i <= engine::kMaxPromptChoices; ++i) many["choices"].push_back("block " + std::to_string(i));
  auto r = engine::prompt_from_json(many);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("choices") && Catch::Contains("at most 32"));
  many["choices"].erase(many["choices"].size() - 1);
  CHECK(engine::prompt_from_json(many));  // 32 is fine

  auto long_text = engine::prompt_from_json({{"text", std::string(engine::kMaxPromptTextBytes + 1, 'x')}});
  REQUIRE_FALSE(long_text);
  CHECK_THAT(long_text.error().message, Catch::Contains("text") && Catch::Contains("at most 4096"));
  auto long_choice = engine::prompt_from_json({{"text", "ok?"}, {"choices", {std::string(engine::kMaxPromptChoiceBytes + 1, 'y')}}});
  REQUIRE_FALSE(long_choice);
  CHECK_THAT(long_choice.error().message, Catch::Contains("at most 200"));
}
