#pragma once
// The sandbox every sequence runs in: a Lua state whose allocations are capped, a fresh global
// environment with only the safe parts of the standard library, text chunks only, and an
// uncatchable "fatal" error that the engine uses to end a script (abort, runaway guard) even
// when the script wraps the call in pcall.
#include <lua.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace ledlab::lua {

// The bytes one Lua state holds, counted by its allocator, which refuses any allocation that
// would take the state over `limit_bytes`. Lua turns a refusal into a "not enough memory" error
// (Lua 5.4 manual, section 4.6: lua_Alloc may return NULL only when growing a block); the
// sandbox's pcall does not catch it, so the script ends there. Outlives its state.
struct MemoryBudget {
  explicit MemoryBudget(std::size_t limit) : limit_bytes(limit) {}
  std::size_t limit_bytes;
  std::size_t used_bytes = 0;
  // The limit holds only while script code runs (ScriptRunning): the engine's own pushes and
  // tracebacks happen outside any protected call, where a refusal would be a panic that aborts
  // the process with the instruments live. What they add is refused to the script next.
  bool enforced = false;
  // An allocation was refused and not granted on Lua's retry after its emergency collection:
  // the error being raised is the memory limit. Cleared by whoever reports it.
  bool exceeded = false;
  struct Request {
    const void* block = nullptr;
    std::size_t old_size = 0, new_size = 0;
  } refused;  // the last refused request, to recognise Lua's retry of it
};

// Enforces the budget for the scope of a lua_resume (or lua_pcall) of script code.
class ScriptRunning {
 public:
  explicit ScriptRunning(MemoryBudget& budget) : budget_(budget) { budget_.enforced = true; }
  ~ScriptRunning() { budget_.enforced = false; }
  ScriptRunning(const ScriptRunning&) = delete;
  ScriptRunning& operator=(const ScriptRunning&) = delete;

 private:
  MemoryBudget& budget_;
};

// A new Lua state whose allocations are counted against `budget`. nullptr if even the state
// does not fit.
lua_State* new_state(MemoryBudget& budget);

// The budget of a state made by new_state(), else nullptr.
MemoryBudget* budget_of(lua_State* L);

// "name:line: " of the innermost script function on the (possibly dead) thread's stack, or ""
// when no script function is on it. After lua_resume has failed the thread's frames are still
// there to read (Lua 5.4 manual, lua_resume).
std::string script_position(lua_State* T);

// "name:line: " of the code that called the C function running on T: the function one level up,
// or, when that is a ledlab helper written in Lua (a chunk named "[ledlab ...]"), the first
// caller above it that is not; "" when that is a C function. luaL_where(T, 1), but an error of
// a host function a helper calls names the script line that called the helper.
std::string caller_position(lua_State* T);

// The error a script over its memory budget ends with: "seq.lua:12: script memory limit of
// 512 MiB exceeded". Clears the budget's `exceeded` mark.
std::string memory_limit_message(lua_State* T, MemoryBudget& budget);

// Opens the standard libraries in `L` and pushes a new environment table that exposes only:
//   assert error ipairs pairs next pcall xpcall select tonumber tostring type rawequal rawget
//   rawlen rawset setmetatable getmetatable unpack _G _VERSION
//   string (without dump)  table  math  utf8  os.time os.clock os.date
// Reading a removed name (load, loadstring, loadfile, dofile, require, package, io, debug,
// collectgarbage, coroutine, os.execute, string.dump, ...) raises
// "file:line: 'io' is not available in a sequence (sandbox)".
// Guarded, because they would run where no hook can stop them:
//   setmetatable refuses a metatable with __gc (finalizers run inside the collector with hooks
//   off), string.rep of an empty piece returns "" at once, and table.move refuses more than
//   kMaxMoveElements elements (both loop in C).
void push_sandbox_env(lua_State* L);

inline constexpr long long kMaxMoveElements = 1LL << 24;

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
