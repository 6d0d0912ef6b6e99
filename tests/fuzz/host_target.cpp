// Host-function arguments: a generated script (host_script.cpp) run on a virtual clock. See
// input_targets.hpp.
#include "fuzz/input_targets.hpp"

#include "core/activity.hpp"
#include "core/clock.hpp"
#include "engine/lua/sequence_runner.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

namespace ledlab::fuzz {
namespace {

namespace asio = boost::asio;
using nlohmann::json;

constexpr std::uint64_t kInstructionBudget = 100'000;
constexpr std::size_t kMemoryLimit = std::size_t{8} << 20;
// Past this much simulated time, or this many turns of the loop, the run is aborted as an
// operator would: a script may wait forever (wait_until a condition that never comes).
constexpr double kEnoughSimulatedS = 1e9;
constexpr long kEnoughTurns = 20'000;

// The first thing wrong that a sink or fake function saw.
struct Findings {
  std::optional<std::string> first;
  void note(std::string what) {
    if (!first) first = std::move(what);
  }
};

// What the engine's recorder does with a value: JSON text for the store. Text that is not
// UTF-8 is replaced (db::json_text); the dump must not throw for any other reason.
void store(Findings& findings, std::string_view sink, const json& value) {
  try {
    (void)value.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const std::exception& e) {
    findings.note(fmt::format("{} got a value that does not dump: {}", sink, e.what()));
  }
}

json weird_reply() {
  json deep = json::array();
  for (int i = 0; i < 60; ++i) deep = json::array({deep});
  return json{{"nan", std::numeric_limits<double>::quiet_NaN()},
              {"inf", -std::numeric_limits<double>::infinity()},
              {"big", std::numeric_limits<std::uint64_t>::max()},
              {"min", std::numeric_limits<std::int64_t>::min()},
              {"text", std::string("\xff\xfe", 2)},
              {"deep", deep},
              {"list", json::array({1, "two", nullptr, json::object()})}};
}

void add_fakes(lua::SequenceRunner& runner, std::shared_ptr<Clock> clock, Findings& findings) {
  using lua::Arguments;
  const auto list_args = [&findings](std::string_view name, const json& args) {
    if (!args.is_array()) findings.note(fmt::format("{} got arguments that are not a list: {}", name, args.type_name()));
  };
  // Like the instrument bindings (engine/run/instrument_bindings.cpp): async, arguments as a list.
  runner.add_async("dev.echo", [list_args](json args) -> asio::awaitable<Result<json>> {
    list_args("dev.echo", args);
    co_return args;
  }, Arguments::list);
  runner.add_async("dev.read", [clock](json args) -> asio::awaitable<Result<json>> {
    co_await clock->sleep(0.5);  // an exchange that takes simulated time
    co_return json(args.is_number() ? args.get<double>() * 2 : 1.5);
  });
  runner.add_async("dev.fail", [](json) -> asio::awaitable<Result<json>> {
    co_return fail(Errc::instrument, "dev.fail: -222,\"Data out of range\"");
  }, Arguments::list);
  runner.add_async("dev.throw", [](json) -> asio::awaitable<Result<json>> {
    throw std::runtime_error("dev.throw: a driver threw");
    co_return json();
  }, Arguments::list);
  runner.add_async("dev.weird", [](json) -> asio::awaitable<Result<json>> { co_return weird_reply(); },
                   Arguments::list);
  // An interlock holding the script for a while, then letting it go.
  runner.add_async("dev.hold", [&runner, clock](json) -> asio::awaitable<Result<json>> {
    runner.hold("fuzz interlock");
    // Its own statement: GCC 12 destroys a lambda temporary twice when a co_await shares its
    // full-expression (here the captured clock was released twice and the heap corrupted).
    const auto executor = co_await asio::this_coro::executor;
    asio::co_spawn(executor, [&runner, clock]() -> asio::awaitable<void> {
      co_await clock->sleep(30);
      runner.release("fuzz interlock");
    }, asio::detached);
    co_return json();
  }, Arguments::list);
  runner.add_async("dev.abort", [&runner](json) -> asio::awaitable<Result<json>> {
    runner.abort("fuzz: aborted by a host function");
    co_return json();
  }, Arguments::list);
  runner.add_function("calc.echo", [list_args](json args) -> Result<json> {
    list_args("calc.echo", args);
    return args;
  }, Arguments::list);
  runner.add_function("calc.fail", [](json) -> Result<json> { return fail(Errc::invalid_argument, "calc.fail: no fit"); },
                      Arguments::list);
  runner.add_function("calc.throw", [](json) -> Result<json> { throw std::runtime_error("calc.throw: threw"); },
                      Arguments::list);
}

lua::Sinks sinks(Findings& findings) {
  lua::Sinks s;
  s.log = [](std::string_view) {};
  s.progress = [&findings](double fraction, std::string_view) {
    if (!(fraction >= 0 && fraction <= 1)) findings.note(fmt::format("progress got fraction {}", fraction));
  };
  s.record = [&findings](const json& v) { store(findings, "record", v); };
  // A store that refuses what it cannot keep, as a sink may: the script sees an error.
  s.result = [&findings](const json& v) {
    store(findings, "result", v);
    if (v.is_number_float() && !std::isfinite(v.get<double>()))
      throw std::invalid_argument("result: a non-finite number is not stored");
  };
  s.checkpoint = [&findings](std::string_view, const json& state) { store(findings, "checkpoint", state); };
  return s;
}

// The loop a run on a virtual clock drives (tests/core/test_virtual_clock.cpp): handlers first,
// then the jump to the next deadline when nothing else can happen.
void drive(asio::io_context& io, Clock& clock, lua::SequenceRunner& runner, const bool& ended) {
  auto& activity = Activity::of(io);
  for (long turn = 0; !ended; ++turn) {
    if ((turn > kEnoughTurns || clock.elapsed_s() > kEnoughSimulatedS) && !runner.abort_requested())
      runner.abort("fuzz: enough");
    if (io.poll_one() > 0) continue;
    if (!activity.busy() && clock.advance_to_next_deadline()) continue;
    if (io.stopped() || (clock.sleepers() == 0 && io.poll() == 0)) return;
  }
}

// "fuzz.lua:<line>: " at the start of `message`.
bool names_script_line(std::string_view message) {
  constexpr std::string_view kFile = "fuzz.lua:";
  if (!message.starts_with(kFile)) return false;
  message.remove_prefix(kFile.size());
  const auto digits = message.find_first_not_of("0123456789");
  return digits > 0 && digits != std::string_view::npos && message.substr(digits).starts_with(": ");
}

}  // namespace

HostRun run_host_script(const std::string& script) {
  Findings findings;
  auto clock = Clock::virtual_time();
  lua::RunOptions options;
  options.clock = clock;
  options.instruction_budget = kInstructionBudget;
  options.memory_limit_bytes = kMemoryLimit;
  asio::io_context io;  // outlives the runner, whose timers it serves
  lua::SequenceRunner runner(lua::SequenceScript(script, "fuzz.lua"), std::move(options), sinks(findings));
  add_fakes(runner, clock, findings);
  HostRun run;
  bool ended = false;
  asio::co_spawn(io, runner.run(), [&](std::exception_ptr e, lua::RunOutcome o) {
    ended = true;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        findings.note(fmt::format("the run threw: {}", x.what()));
      }
      return;
    }
    run.outcome = std::move(o);
  });
  drive(io, *clock, runner, ended);
  run.finding = std::move(findings.first);
  run.abort_requested = runner.abort_requested();
  return run;
}

std::optional<std::string> check_host_input(std::string_view input, std::uint64_t) {
  const HostRun run = run_host_script(host_script(input));
  if (run.finding) return run.finding;
  if (!run.outcome) return std::string("the run did not end (nothing left to run, no outcome)");
  switch (run.outcome->status) {
    case lua::RunStatus::finished: return std::nullopt;
    case lua::RunStatus::aborted:
      if (!run.abort_requested) return "the run ended as aborted unasked: " + run.outcome->message;
      return std::nullopt;
    case lua::RunStatus::failed: break;
  }
  if (!names_script_line(run.outcome->message))
    return "the run failed with a message that does not start with fuzz.lua:<line>: " +
           run.outcome->message.substr(0, 300);
  return std::nullopt;
}

}  // namespace ledlab::fuzz
