#pragma once
// Values crossing the Lua/C++ border travel as JSON: host callbacks take and return
// nlohmann::json, so the embedder never touches the Lua stack.
#include "core/error.hpp"

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include <cstddef>

namespace ledlab::lua {

// Lua is C: its errors are longjmps that skip C++ destructors. Nothing here raises a Lua
// error (short of running out of memory), so callers can hold C++ objects around these calls.

// What one conversion may produce. A table reached twice (shared) is converted twice, so the
// bounds count what the JSON would hold, not what the script holds: a table shared two ways
// at each of 40 levels is 2^40 values.
inline constexpr int kMaxJsonDepth = 64;
inline constexpr std::size_t kMaxJsonValues = 1'000'000;
inline constexpr std::size_t kMaxJsonTextBytes = std::size_t{64} << 20;

// Converts the value at `index` to JSON. A table whose keys are exactly 1..n becomes an array,
// any other table an object (number and boolean keys become their text, no metamethods are
// called). Functions, userdata and threads become null. Errc::invalid_argument, saying which,
// when a table contains itself, tables nest deeper than kMaxJsonDepth, or the result would
// hold more than kMaxJsonValues values or kMaxJsonTextBytes of strings and keys.
Result<nlohmann::json> to_json(lua_State* L, int index);

// Converts the arguments from `first` to the top of the stack: one argument is returned as
// that value, several (or none) as an array. The bounds apply to all of them together.
Result<nlohmann::json> args_to_json(lua_State* L, int first);
// The same, always as an array with one entry per argument, so that f({1, 2}) (one table) and
// f(1, 2) (two numbers) stay apart.
Result<nlohmann::json> args_list_to_json(lua_State* L, int first);

// Pushes exactly one Lua value for `value` (null becomes nil).
void push_json(lua_State* L, const nlohmann::json& value);

}  // namespace ledlab::lua
