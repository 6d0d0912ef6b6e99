// Objects a host function hands to a script (SequenceRunner::add_object) and helpers written
// in Lua on top of host functions (SequenceRunner::add_prelude).
#include "lua_test_support.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>

using namespace ledlab;
using namespace ledlab::lua;
using ledlab::lua::test::run_to_end;
namespace asio = boost::asio;
using nlohmann::json;

namespace {

struct Tally {
  int made = 0;
  int destroyed = 0;
};

// counter.new(start) -> an object with add(n) and total().
class Counter : public HostObject {
 public:
  Counter(double start, std::shared_ptr<Tally> tally) : total_(start), tally_(std::move(tally)) { ++tally_->made; }
  ~Counter() override { ++tally_->destroyed; }
  Result<json> call(std::string_view method, const json& args) override {
    if (method == "total") return total_;
    if (!args.is_array() || args.size() != 1 || !args[0].is_number()) return fail(Errc::invalid_argument, "expected a number");
    if (args[0].get<double>() < 0) return fail(Errc::invalid_argument, "negative");
    total_ += args[0].get<double>();
    return json();
  }

 private:
  double total_;
  std::shared_ptr<Tally> tally_;
};

struct Outcome {
  RunOutcome run;
  std::shared_ptr<Tally> tally;
};

Outcome run_with_counter(const std::string& text, RunOptions options = {}) {
  auto tally = std::make_shared<Tally>();
  asio::io_context io;
  {
    SequenceRunner runner(SequenceScript(text, "seq.lua"), std::move(options));
    runner.add_object("counter.new", "counter", {"add", "total"}, [tally](json args) -> Result<std::unique_ptr<HostObject>> {
      if (!args.is_number()) return fail(Errc::invalid_argument, "start must be a number");
      if (args.get<double>() == -13) throw std::runtime_error("unlucky");
      return std::make_unique<Counter>(args.get<double>(), tally);
    });
    runner.add_function("twice", [](json args) -> Result<json> {
      if (!args.is_number()) return fail(Errc::invalid_argument, "twice: expected a number");
      return 2 * args.get<double>();
    });
    runner.add_prelude("helpers", "local twice = twice\nfunction quadruple(x)\n  return twice(twice(x))\nend\n");
    Outcome out{run_to_end(io, runner), tally};
    return out;
  }
}

}  // namespace

TEST_CASE("a host object keeps its state from one method call to the next") {
  auto out = run_with_counter("local c = counter.new(5)\nc:add(2)\nc:add(3)\nassert(c:total() == 10, c:total())\n");
  INFO(out.run.message);
  CHECK(out.run.status == RunStatus::finished);
  CHECK(out.tally->made == 1);
  CHECK(out.tally->destroyed == 1);  // at the runner's end at the latest
}

TEST_CASE("objects a script drops are destroyed by the collector, so making many in turn never hits the cap") {
  auto out = run_with_counter("for i = 1, 3 * 256 do\n  local c = counter.new(i)\n  c:add(1)\nend\n");
  INFO(out.run.message);
  CHECK(out.run.status == RunStatus::finished);
  CHECK(out.tally->made == 3 * 256);
  CHECK(out.tally->destroyed == 3 * 256);
}

TEST_CASE("a script holding more objects than the cap is refused at the line that makes one more") {
  auto out = run_with_counter("local keep = {}\nfor i = 1, 300 do\n  keep[i] = counter.new(i)\nend\n");
  CHECK(out.run.status == RunStatus::failed);
  CHECK_THAT(out.run.message, Catch::Contains("seq.lua:3: counter.new: the script holds 256 objects already (at most 256)"));
  CHECK(out.tally->destroyed == out.tally->made);
}

TEST_CASE("object and method errors name the kind, the method and the script line") {
  auto bad_call = run_with_counter("local c = counter.new(1)\nc.add(2)\n");
  CHECK_THAT(bad_call.run.message, Catch::Contains("seq.lua:2: counter:add: call it on the object with a colon"));
  auto refused = run_with_counter("local c = counter.new(1)\n\nc:add(-1)\n");
  CHECK_THAT(refused.run.message, Catch::Contains("seq.lua:3: counter:add: invalid argument: negative"));
  auto bad_make = run_with_counter("local c = counter.new('x')\n");
  CHECK_THAT(bad_make.run.message, Catch::Contains("seq.lua:1: counter.new: invalid argument: start must be a number"));
  auto threw = run_with_counter("local c = counter.new(-13)\n");
  CHECK_THAT(threw.run.message, Catch::Contains("seq.lua:1: host function failed: unlucky"));
  auto caught = run_with_counter("local c = counter.new(1)\nlocal ok, e = pcall(c.add, c, -1)\nassert(not ok and e:find('negative'))\n");
  CHECK(caught.run.status == RunStatus::finished);
}

TEST_CASE("a script can neither read nor replace an object's metatable") {
  auto out = run_with_counter(
      "local c = counter.new(1)\nassert(getmetatable(c) == 'counter', tostring(getmetatable(c)))\n"
      "assert(not pcall(setmetatable, c, {}))\nassert(c.total ~= nil and c.nothing == nil)\n");
  INFO(out.run.message);
  CHECK(out.run.status == RunStatus::finished);
}

TEST_CASE("a host function's error inside a prelude helper names the script line that called the helper") {
  auto ok = run_with_counter("assert(quadruple(3) == 12)\n");
  INFO(ok.run.message);
  CHECK(ok.run.status == RunStatus::finished);
  auto bad = run_with_counter("local x = 1\nquadruple('three')\n");
  CHECK(bad.run.status == RunStatus::failed);
  CHECK_THAT(bad.run.message, Catch::StartsWith("seq.lua:2: invalid argument: twice: expected a number"));
}

TEST_CASE("a prelude that does not load is a programming error, thrown at once") {
  SequenceRunner runner(SequenceScript("", "seq.lua"));
  CHECK_THROWS_WITH(runner.add_prelude("broken", "function ("), Catch::Contains("[ledlab broken]:1:"));
}
