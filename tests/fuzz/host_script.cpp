// The script check_host_input runs: bytes -> calls of host functions with hostile arguments.
// Every byte string gives a valid script, so mutations explore arguments, not Lua syntax.
#include "fuzz/input_targets.hpp"
#include "fuzz/lua_gen.hpp"

#include <fmt/format.h>

#include <array>

namespace ledlab::fuzz {
namespace {

// Host functions a call may name: the built-ins and the fakes check_host_input registers.
constexpr std::array<std::string_view, 24> kFunctions = {
    "sleep",      "log",       "progress",   "record",     "result",    "checkpoint", "params",    "now",
    "wait_until", "parallel",  "dev.echo",   "dev.read",   "dev.fail",  "dev.throw",  "dev.weird", "dev.hold",
    "dev.abort",  "calc.echo", "calc.fail",  "calc.throw", "sleep",     "record",     "checkpoint", "dev.echo"};

std::string arguments(Bytes& in) {
  const unsigned n = in.next() % 8;
  if (n == 7) return fmt::format("table.unpack(seq({}))", in.next() + 100);  // many arguments
  return hostile_list(in, n % 6);
}

std::string call(Bytes& in) {
  const std::string_view f = kFunctions[in.next() % kFunctions.size()];
  return fmt::format("{}({})", f, arguments(in));
}

std::string statement(Bytes& in);

// Half the statements run under pcall, so that one error does not end the script there.
std::string guarded_statement(Bytes& in) {
  if (in.next() % 2 == 0) return statement(in);
  return "pcall(function() " + statement(in) + " end)";
}

std::string statement(Bytes& in) {
  switch (in.next() % 8) {
    case 5: {
      const std::string_view f = kFunctions[in.next() % kFunctions.size()];
      const std::string args = arguments(in);
      return fmt::format("pcall({}{}{})", f, args.empty() ? "" : ", ", args);
    }
    case 6: {
      const std::string first = call(in);
      return fmt::format("parallel {{ function() {} end, function() {} end }}", first, call(in));
    }
    case 7: return fmt::format("do local v = {} if v ~= nil then record(v) end end", call(in));
    default: return call(in);
  }
}

}  // namespace

std::string host_script(std::string_view input) {
  if (input.starts_with("--lua\n")) return std::string(input);  // a script as it stands
  Bytes in(input);
  std::string script(kHostileHelpers);  // lines 1-6; calls start at line 7
  for (int n = 0; n < 32 && !in.done(); ++n) script += guarded_statement(in) + "\n";
  return script;
}

}  // namespace ledlab::fuzz
