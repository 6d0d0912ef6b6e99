// The watchdog on its own: what it does when the loop it watches stops answering or does not
// act on a stop signal, and the forced safe state over connections of its own. Its times are
// wall times by nature (it watches a thread); the tests keep them short and assert on what
// happens, in which order, never on how long it took.
#include "engine/run/watchdog.hpp"
#include "engine/station.hpp"
#include "instruments/pattern_generator/pattern_generator.hpp"
#include "instruments/thermal_chamber/thermal_chamber.hpp"
#include "support/co_run.hpp"
#include "support/run_fixture.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <csignal>
#include <future>
#include <mutex>
#include <string>
#include <vector>

using namespace ledlab;
using namespace std::chrono_literals;

namespace {

// What the watchdog called, in order; `ended` is set by the end_process hook, which in a test
// stops short of ending the process.
struct Calls {
  std::mutex mutex;
  std::vector<std::string> events;
  std::promise<void> ended;

  void add(const std::string& event) {
    const std::lock_guard lock(mutex);
    events.push_back(event);
  }
  std::vector<std::string> seen() {
    const std::lock_guard lock(mutex);
    return events;
  }
  engine::Watchdog::Hooks hooks() {
    return {.interrupt = [this](const std::string& why) { add("interrupt: " + why); },
            .force = [this](const std::string& why) { add("force: " + why); },
            .end_process = [this] { ended.set_value(); }};
  }
};

constexpr engine::WatchdogOptions kShort{.timeout = 100ms, .grace = 100ms};

// Safety net only: a watchdog that never acts fails the test instead of hanging it.
bool wait(std::future<void>& f) { return f.wait_for(60s) == std::future_status::ready; }

}  // namespace

TEST_CASE("a watchdog whose loop stops answering asks the script to stop, then forces the safe state and ends") {
  Calls calls;
  auto ended = calls.ended.get_future();
  boost::asio::io_context engine;  // never run: its heartbeat never fires, like a stuck loop
  engine::Watchdog watchdog(kShort, calls.hooks());
  watchdog.watch(engine);
  REQUIRE(wait(ended));
  const auto events = calls.seen();
  REQUIRE(events.size() == 2);
  CHECK_THAT(events[0], Catch::StartsWith("interrupt: the engine loop did not answer for"));
  CHECK_THAT(events[0], Catch::Contains("the watchdog stopped the script"));
  CHECK_THAT(events[1], Catch::StartsWith("force: the engine loop did not answer for"));
  CHECK_THAT(events[1], Catch::Contains("stuck in a C function"));
}

TEST_CASE("a loop that answers again after the stop request is not forced") {
  Calls calls;
  std::promise<void> second;
  auto second_interrupt = second.get_future();
  boost::asio::io_context engine;
  engine::Watchdog* watched = nullptr;
  int interrupts = 0;
  engine::Watchdog::Hooks hooks = calls.hooks();
  // The first stop request is answered (a beat, as when the script stopped and the loop came
  // back); the loop then stalls again, which must be a new stop request, not the forced path.
  hooks.interrupt = [&](const std::string& why) {
    calls.add("interrupt: " + why);
    if (++interrupts == 1) watched->beat();
    else second.set_value();
  };
  engine::Watchdog watchdog(kShort, hooks);
  watched = &watchdog;
  watchdog.watch(engine);
  REQUIRE(wait(second_interrupt));
  const auto events = calls.seen();
  REQUIRE(events.size() >= 2);
  CHECK_THAT(events[0], Catch::StartsWith("interrupt:"));
  CHECK_THAT(events[1], Catch::StartsWith("interrupt:"));
}

TEST_CASE("SIGTERM that the engine does not act on ends in the forced path, naming the signal") {
  Calls calls;
  auto ended = calls.ended.get_future();
  engine::Watchdog watchdog(kShort, calls.hooks());  // not watching a loop: only the signal counts
  REQUIRE(std::raise(SIGTERM) == 0);
  REQUIRE(wait(ended));
  const auto events = calls.seen();
  REQUIRE(events.size() == 1);
  CHECK_THAT(events[0], Catch::StartsWith("force: SIGTERM was not acted on within 0.1 s"));
}

TEST_CASE("a stop signal the engine acts on is not forced, but a second Ctrl-C it does not act on is") {
  Calls calls;
  auto ended = calls.ended.get_future();
  engine::Watchdog watchdog(kShort, calls.hooks());
  REQUIRE(std::raise(SIGTERM) == 0);
  watchdog.signal_handled();  // the engine's handler ran
  REQUIRE(std::raise(SIGINT) == 0);
  REQUIRE(std::raise(SIGINT) == 0);
  REQUIRE(wait(ended));
  const auto events = calls.seen();
  REQUIRE(events.size() == 1);
  CHECK_THAT(events[0], Catch::StartsWith("force: a second Ctrl-C was not acted on"));
}

TEST_CASE("the forced safe state reaches every twin over connections of its own while the engine's stay open") {
  test::Twins twins;
  // The engine's side: the drive on and the chamber hot, through connections that stay open
  // (as a stuck engine thread keeps them).
  boost::asio::io_context io;
  auto station = engine::Station::create(twins.sim->config(), io.get_executor());
  REQUIRE(station);
  auto* pg = (*station)->get<instruments::PatternGenerator>("pg");
  auto* chamber = (*station)->get<instruments::ThermalChamber>("chamber");
  REQUIRE(pg);
  REQUIRE(chamber);
  auto set_up = [&]() -> boost::asio::awaitable<Status> {
    if (auto st = co_await pg->initialize(); !st) co_return st;
    if (auto st = co_await chamber->initialize(); !st) co_return st;
    if (auto st = co_await pg->set_drive_a(8e-3, 4e-3); !st) co_return st;
    if (auto st = co_await pg->set_output(true); !st) co_return st;
    co_return co_await chamber->set_setpoint_c(85);
  };
  const Status set = test::run(io, set_up());
  INFO((set ? std::string() : set.error().describe()));
  REQUIRE(set);
  const auto bench = twins.sim->bench();
  REQUIRE(bench->drive().output_on);

  const auto lines = engine::force_safe_state(twins.sim->config(), 30s);
  REQUIRE(lines.size() == 5);  // one per instrument of sim.toml
  for (const auto& line : lines) CHECK_THAT(line, Catch::EndsWith(": safe state reached"));
  CHECK_FALSE(bench->drive().output_on);
  CHECK(bench->drive().bias_current_a == 0);
  CHECK(bench->chamber_setpoint_c() == 25);
}
