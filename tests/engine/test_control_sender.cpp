// A control command names its sender: who, on which host, from which process and program.
#include "engine/run/control_sender.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>

#include <unistd.h>

using namespace ledlab;
using namespace ledlab::engine;

TEST_CASE("a control line carries its sender and reads back as the same verb and sender") {
  const ControlSender alice{.user = "alice", .host = "lab-3", .pid = 1234, .via = "dashboard"};
  const std::string line = control_line("pause", alice);
  CHECK(line.find('\n') == std::string::npos);
  auto parsed = parse_control_line(line);
  REQUIRE(parsed);
  CHECK(parsed->verb == "pause");
  REQUIRE(parsed->from);
  CHECK(parsed->from->user == "alice");
  CHECK(parsed->from->host == "lab-3");
  CHECK(parsed->from->pid == 1234);
  CHECK(parsed->from->via == "dashboard");
  CHECK(describe(parsed->from) == "alice via dashboard on host lab-3 (pid 1234)");
}

TEST_CASE("a bare verb is a command from a sender it cannot name") {
  auto parsed = parse_control_line("abort");
  REQUIRE(parsed);
  CHECK(parsed->verb == "abort");
  CHECK_FALSE(parsed->from);
  CHECK(describe(parsed->from) == "an unnamed sender via the control socket");
}

TEST_CASE("a verb followed by something other than a sender object is refused, naming the verb") {
  auto parsed = parse_control_line("pause now please");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == Errc::invalid_argument);
  CHECK_THAT(parsed.error().message, Catch::Contains("'pause'") && Catch::Contains("now please"));
}

TEST_CASE("a user name with quotes and a newline stays on one control line") {
  const ControlSender odd{.user = "o\"brien\nx", .host = "h", .pid = 1, .via = "ledlab ctl"};
  const std::string line = control_line("resume", odd);
  CHECK(line.find('\n') == std::string::npos);
  auto parsed = parse_control_line(line);
  REQUIRE(parsed);
  REQUIRE(parsed->from);
  CHECK(parsed->from->user == odd.user);
}

TEST_CASE("this process is named by $USER, its host name and its pid") {
  const char* saved = std::getenv("USER");
  const std::string before = saved ? saved : "";
  ::setenv("USER", "carol", 1);
  const ControlSender me = this_process("ledlab ctl");
  if (saved) ::setenv("USER", before.c_str(), 1);
  else ::unsetenv("USER");
  CHECK(me.user == "carol");
  CHECK(me.pid == ::getpid());
  CHECK_FALSE(me.host.empty());
  CHECK(me.via == "ledlab ctl");
}

TEST_CASE("a run's starter is ledlab run in this process, unless its launcher named itself") {
  ::unsetenv(kStartedVia);
  ::unsetenv(kStartedByPid);
  ControlSender plain = run_starter();
  CHECK(plain.via == "ledlab run");
  CHECK(plain.pid == ::getpid());
  ::setenv(kStartedVia, "dashboard", 1);
  ::setenv(kStartedByPid, "4242", 1);
  ControlSender launched = run_starter();
  ::unsetenv(kStartedVia);
  ::unsetenv(kStartedByPid);
  CHECK(launched.via == "dashboard");
  CHECK(launched.pid == 4242);
}

TEST_CASE("a control line carries one argument before its sender, spaces and quotes and all") {
  const ControlSender bob{.user = "bob", .host = "lab-1", .pid = 9, .via = "ledlab ctl"};
  auto parsed = parse_control_line(control_line("answer", "Move \"on\" now", bob));
  REQUIRE(parsed);
  CHECK(parsed->verb == "answer");
  REQUIRE(parsed->argument);
  CHECK(*parsed->argument == "Move \"on\" now");
  REQUIRE(parsed->from);
  CHECK(parsed->from->user == "bob");
  // Typed by hand: one bare word, with or without a sender after it.
  parsed = parse_control_line("answer OK");
  REQUIRE(parsed);
  CHECK(*parsed->argument == "OK");
  CHECK_FALSE(parsed->from);
  // A quoted argument that is never closed is refused, naming the verb.
  auto open = parse_control_line("answer \"OK");
  REQUIRE_FALSE(open);
  CHECK_THAT(open.error().message, Catch::Contains("'answer'") && Catch::Contains("not a closed JSON string"));
}
