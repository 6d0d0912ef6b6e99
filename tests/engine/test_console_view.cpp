// How `ledlab run` shows progress: a bar redrawn in place on a terminal, plain lines otherwise.
#include "engine/run/console_view.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using ledlab::engine::ConsoleView;
using ledlab::engine::format_duration;

TEST_CASE("durations read as a person would say them") {
  CHECK(format_duration(42) == "42 s");
  CHECK(format_duration(192) == "3 min 12 s");
  CHECK(format_duration(2 * 3600 + 5 * 60) == "2 h 05 min");
  CHECK(format_duration(3 * 86400 + 4 * 3600) == "3 d 04 h");
  CHECK(format_duration(-1) == "?");
}

namespace {

// A clock the test moves by hand: no test here waits on the wall clock.
struct ManualClock {
  double now_s = 1000.0;
  ConsoleView::Clock clock() {
    return [this] { return now_s; };
  }
};

}  // namespace

TEST_CASE("without a terminal every progress call is one plain line, with an ETA once there is progress") {
  std::ostringstream out;
  ManualClock t;
  ConsoleView view(out, false, 100, t.clock());
  view.progress(0, "setting 25 C");
  t.now_s += 60;
  view.progress(0.5, "setting 55 C");
  view.line("  log text");
  const std::string text = out.str();
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("\033") == std::string::npos);
  CHECK_THAT(text, Catch::StartsWith("[  0%] setting 25 C\n[ 50%] setting 55 C (ETA 1 min 00 s)\n"));
  CHECK_THAT(text, Catch::EndsWith("  log text\n"));
  REQUIRE(view.eta_s());
  CHECK(*view.eta_s() == Approx(60));  // half done: as long again
}

TEST_CASE("there is no ETA until progress is measurable, and none of days from a slow first step") {
  std::ostringstream out;
  ManualClock t;
  ConsoleView view(out, false, 100, t.clock());
  // A burn-in's first step: a soak of 95 s for 0.01 % of the run projected 1106 days.
  t.now_s += 95;
  view.progress(1e-4, "soak at 85 C");
  CHECK_FALSE(view.eta_s());
  CHECK(out.str() == "[  0%] soak at 85 C\n");
  // A fast start: 5 % done in 2 s is too early to tell.
  ConsoleView fast(out, false, 100, t.clock());
  t.now_s += 2;
  fast.progress(0.05, "25 C");
  CHECK_FALSE(fast.eta_s());
  // Measurable: 2 % after 20 s of running.
  t.now_s += 18;
  fast.progress(0.02, "25 C");
  REQUIRE(fast.eta_s());
  CHECK(*fast.eta_s() == Approx(980));
  fast.progress(1.0, "done");
  CHECK(fast.eta_s() == 0.0);
}

TEST_CASE("the ETA counts down between progress calls and never goes below zero") {
  std::ostringstream out;
  ManualClock t;
  ConsoleView view(out, false, 100, t.clock());
  t.now_s += 100;
  view.progress(0.25, "a quarter");
  REQUIRE(view.eta_s());
  CHECK(*view.eta_s() == Approx(300));
  t.now_s += 100;  // no news for 100 s: 200 s to go, not 600 from a slower pace
  CHECK(*view.eta_s() == Approx(200));
  t.now_s += 1000;
  CHECK(*view.eta_s() == 0.0);
}

TEST_CASE("on a terminal the status line is redrawn in place and log lines scroll above it") {
  std::ostringstream out;
  ConsoleView view(out, true, 120);
  view.progress(0.25, "gating 2 Gb/s");
  view.line("  25 C done");
  view.state("suspended");
  const std::string text = out.str();
  CHECK_THAT(text, Catch::Contains("\r\033[2K[######..................]  25%"));
  CHECK_THAT(text, Catch::Contains("gating 2 Gb/s"));
  CHECK_THAT(text, Catch::Contains("\r\033[2K  25 C done\n"));  // the bar is cleared before a log line
  CHECK_THAT(text, Catch::Contains("[suspended]"));
}

TEST_CASE("a run waiting for the operator says so where its ETA would be") {
  std::ostringstream out;
  ConsoleView view(out, true, 120);
  view.progress(0.5, "lid check");
  view.state("waiting for operator");
  CHECK_THAT(out.str(), Catch::Contains(" 50%  ETA waits for the operator  [waiting for operator]  lid check"));
}

TEST_CASE("time paused or suspended does not count toward the ETA") {
  std::ostringstream out;
  ManualClock t;
  ConsoleView view(out, false, 100, t.clock());
  t.now_s += 30;
  view.progress(0.5, "half");
  view.state("paused");
  const double before = view.active_s();
  CHECK(before == Approx(30));
  t.now_s += 100;
  CHECK(view.active_s() == Approx(before));
  CHECK(*view.eta_s() == Approx(30));  // paused: the ETA waits too
  view.state("running");
  t.now_s += 20;
  CHECK(view.active_s() == Approx(50));
  CHECK(*view.eta_s() == Approx(10));
}
