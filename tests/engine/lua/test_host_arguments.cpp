// What the built-in host functions do with arguments a script should not give them, and how a
// sequence file is refused before it runs.
#include "lua_test_support.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace ledlab;
using namespace ledlab::lua;
using ledlab::lua::test::run_text;
using ledlab::lua::test::run_to_end;
namespace asio = boost::asio;

namespace {

void check_script_error(const std::string& text, const std::string& expect) {
  const auto outcome = run_text(text);
  INFO(text);
  CHECK(outcome.status == RunStatus::failed);
  CHECK_THAT(outcome.message, Catch::Contains(expect));
}

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::path(LEDLAB_BINARY_DIR) / ("host_arguments_" + name);
}

}  // namespace

TEST_CASE("sleep refuses a duration that is not a finite number from 0 to the cap, at the script's line") {
  // sleep(math.huge) used to return at once.
  check_script_error("local x = 1\nsleep(math.huge)\n", "seq.lua:2: sleep: inf s is not a duration from 0 to 1e+08 s");
  check_script_error("sleep(0/0)\n", "seq.lua:1: sleep: ");
  check_script_error("sleep(-1)\n", "seq.lua:1: sleep: -1 s is not a duration");
  check_script_error("sleep(2e8)\n", "seq.lua:1: sleep: 200000000 s is not a duration");
  check_script_error("sleep('soon')\n", "seq.lua:1: sleep: expected a number of seconds, got string");
  CHECK(run_text("sleep(0)\n").status == RunStatus::finished);
}

TEST_CASE("progress refuses a fraction that is not a number from 0 to 1") {
  check_script_error("progress(0/0, 'x')\n", "seq.lua:1: progress: the fraction done must be a number from 0 to 1");
  check_script_error("progress(1.5)\n", "seq.lua:1: progress: the fraction done must be a number from 0 to 1, got 1.5");
  check_script_error("progress(0.5, {})\n", "seq.lua:1: progress: the text must be a string, got table");
  check_script_error("checkpoint(3)\n", "seq.lua:1: checkpoint: the first argument must be a name, got number");
  check_script_error("params(3)\n", "seq.lua:1: params: expected a table, got number");
}

TEST_CASE("a host function taking its arguments as a list tells one table from several numbers") {
  asio::io_context io;
  std::vector<nlohmann::json> calls;
  SequenceRunner runner(SequenceScript("pg.set_drive(0.003, 0.001)\npg.set_drive({0.003, 0.001})\nnow_sync(5)\n", "seq.lua"));
  runner.add_async(
      "pg.set_drive",
      [&](nlohmann::json args) -> asio::awaitable<Result<nlohmann::json>> {
        calls.push_back(args);
        co_return nlohmann::json();
      },
      Arguments::list);
  runner.add_function("now_sync", [&](nlohmann::json args) -> Result<nlohmann::json> { calls.push_back(args); return nlohmann::json(); },
                      Arguments::list);
  const auto outcome = run_to_end(io, runner);
  INFO(outcome.message);
  REQUIRE(outcome.status == RunStatus::finished);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0] == nlohmann::json::array({0.003, 0.001}));
  CHECK(calls[1] == nlohmann::json::array({nlohmann::json::array({0.003, 0.001})}));  // one argument, a table
  CHECK(calls[2] == nlohmann::json::array({5}));
}

TEST_CASE("a directory given as the sequence is refused, not run as an empty script") {
  const auto dir = scratch("dir");
  std::filesystem::create_directories(dir);
  auto script = SequenceScript::load_file(dir);
  REQUIRE_FALSE(script);
  CHECK(script.error().code == Errc::invalid_argument);
  CHECK_THAT(script.error().message, Catch::Contains("is a directory, not a Lua file"));
}

TEST_CASE("a missing sequence file is refused naming the path") {
  auto script = SequenceScript::load_file(scratch("no_such.lua"));
  REQUIRE_FALSE(script);
  CHECK(script.error().code == Errc::not_found);
  CHECK_THAT(script.error().message, Catch::Contains("host_arguments_no_such.lua"));
}

TEST_CASE("a sequence file larger than 4 MiB is refused and one at the cap loads") {
  const auto big = scratch("big.lua");
  {
    std::ofstream out(big, std::ios::binary);
    out << std::string(SequenceScript::kMaxScriptBytes, '-');
  }
  REQUIRE(SequenceScript::load_file(big));
  {
    std::ofstream out(big, std::ios::binary | std::ios::app);
    out << '-';
  }
  auto script = SequenceScript::load_file(big);
  REQUIRE_FALSE(script);
  CHECK_THAT(script.error().message, Catch::Contains("is larger than 4 MiB"));
  std::filesystem::remove(big);
}
