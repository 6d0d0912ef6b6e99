#pragma once
// The sandbox every sequence runs in: a fresh global environment with only the safe parts of
// the standard library, text chunks only, and an uncatchable "fatal" error that the engine
// uses to end a script (abort, runaway guard) even when the script wraps the call in pcall.
#include <lua.hpp>

#include <string_view>

namespace ledlab::lua {

// Opens the standard libraries in `L` and pushes a new environment table that exposes only:
//   assert error ipairs pairs next pcall xpcall select tonumber tostring type rawequal rawget
//   rawlen rawset setmetatable getmetatable unpack _G _VERSION
//   string (without dump)  table  math  utf8  os.time os.clock os.date
// Reading a removed name (load, loadstring, loadfile, dofile, require, package, io, debug,
// collectgarbage, coroutine, os.execute, string.dump, ...) raises
// "file:line: 'io' is not available in a sequence (sandbox)".
void push_sandbox_env(lua_State* L);

// Loads `text` as a text chunk (mode "t": precompiled bytecode is refused) named "@<name>" so
// errors read "name:line: ...", and sets its _ENV to the table at `env_index`. On success
// pushes the chunk and returns LUA_OK; otherwise pushes the error message.
int load_chunk(lua_State* L, std::string_view text, std::string_view name, int env_index);

// The fatal error object. pcall/xpcall in the sandbox rethrow it instead of returning false,
// so a script cannot swallow the engine's abort or the runaway guard. The reason itself is
// kept by whoever raised it (the runner), not in the error object.
[[noreturn]] void raise_fatal(lua_State* L);
bool is_fatal(lua_State* L, int index);

}  // namespace ledlab::lua
