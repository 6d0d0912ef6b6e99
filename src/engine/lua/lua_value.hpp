#pragma once
// Values crossing the Lua/C++ border travel as JSON: host callbacks take and return
// nlohmann::json, so the embedder never touches the Lua stack.
#include <lua.hpp>
#include <nlohmann/json.hpp>

#include <optional>

namespace ledlab::lua {

// Lua is C: its errors are longjmps that skip C++ destructors. Nothing here raises a Lua
// error (short of running out of memory), so callers can hold C++ objects around these calls.

// Converts the value at `index` to JSON. A table whose keys are exactly 1..n becomes an array,
// any other table an object (number and boolean keys become their text, no metamethods are
// called). Functions, userdata and threads become null. nullopt when tables nest deeper than
// 64 levels (or contain a cycle).
std::optional<nlohmann::json> to_json(lua_State* L, int index);

// Converts the arguments from `first` to the top of the stack: one argument is returned as
// that value, several (or none) as an array.
std::optional<nlohmann::json> args_to_json(lua_State* L, int first);
// The same, always as an array with one entry per argument, so that f({1, 2}) (one table) and
// f(1, 2) (two numbers) stay apart.
std::optional<nlohmann::json> args_list_to_json(lua_State* L, int first);

// Pushes exactly one Lua value for `value` (null becomes nil).
void push_json(lua_State* L, const nlohmann::json& value);

}  // namespace ledlab::lua
