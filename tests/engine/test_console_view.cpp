// How `ledlab run` shows progress: a bar redrawn in place on a terminal, plain lines otherwise.
#include "engine/run/console_view.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

using ledlab::engine::ConsoleView;
using ledlab::engine::format_duration;

TEST_CASE("durations read as a person would say them") {
  CHECK(format_duration(42) == "42 s");
  CHECK(format_duration(192) == "3 min 12 s");
  CHECK(format_duration(2 * 3600 + 5 * 60) == "2 h 05 min");
  CHECK(format_duration(3 * 86400 + 4 * 3600) == "3 d 04 h");
  CHECK(format_duration(-1) == "?");
}

TEST_CASE("without a terminal every progress call is one plain line, with an ETA once there is progress") {
  std::ostringstream out;
  ConsoleView view(out, false);
  view.progress(0, "setting 25 C");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  view.progress(0.5, "setting 55 C");
  view.line("  log text");
  const std::string text = out.str();
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("\033") == std::string::npos);
  CHECK_THAT(text, Catch::StartsWith("[  0%] setting 25 C\n[ 50%] setting 55 C (ETA "));
  CHECK_THAT(text, Catch::EndsWith("  log text\n"));
  REQUIRE(view.eta_s());
  CHECK(*view.eta_s() == Approx(view.active_s()).epsilon(0.2));  // half done: as long again
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

TEST_CASE("time paused or suspended does not count toward the ETA") {
  std::ostringstream out;
  ConsoleView view(out, false);
  view.progress(0.5, "half");
  view.state("paused");
  const double before = view.active_s();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(view.active_s() == Approx(before).margin(1e-3));
  view.state("running");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(view.active_s() > before);
}
