#include "engine/lua/sandbox.hpp"

#include "core/log.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ledlab::lua {
namespace {

// Lua 5.4 manual, section 4.6 (lua_Alloc): when `block` is NULL, `old_size` encodes the kind
// of object being created, not a size; a call with `new_size` 0 frees; Lua assumes that a
// call that does not grow the block never fails.
void* counting_alloc(void* ud, void* block, std::size_t old_size, std::size_t new_size) {
  auto& budget = *static_cast<MemoryBudget*>(ud);
  const std::size_t held = block != nullptr ? old_size : 0;
  if (new_size == 0) {
    std::free(block);
    budget.used_bytes -= held;
    return nullptr;
  }
  const MemoryBudget::Request request{block, old_size, new_size};
  const std::size_t room = budget.limit_bytes - std::min(budget.used_bytes, budget.limit_bytes);
  if (budget.enforced && new_size > held && new_size - held > room) {
    budget.exceeded = true;
    budget.refused = request;
    return nullptr;
  }
  void* moved = std::realloc(block, new_size);
  if (moved == nullptr) return nullptr;  // the machine is out of memory: Lua's own error
  budget.used_bytes = budget.used_bytes - held + new_size;
  // lmem.c retries a refused request once after an emergency collection: if that freed
  // enough, the script goes on and no limit was hit.
  const auto& r = budget.refused;
  if (budget.exceeded && r.block == block && r.old_size == old_size && r.new_size == new_size) budget.exceeded = false;
  return moved;
}

int on_panic(lua_State* L) {
  const char* message = lua_tostring(L, -1);
  log::error("lua", "unprotected error in the sequence host: {}", message != nullptr ? message : "(not a string)");
  return 0;  // Lua aborts the process after the panic function returns
}

bool memory_exceeded(lua_State* L) {
  const MemoryBudget* budget = budget_of(L);
  return budget != nullptr && budget->exceeded;
}

const char kFatalTag = 0;  // its address identifies the fatal error object

constexpr std::array kSafeBase{"assert", "error",    "ipairs", "pairs",  "next",         "select",
                               "tonumber", "tostring", "type", "rawequal", "rawget",     "rawlen",
                               "rawset", "getmetatable", "_VERSION"};

// Names a script might reach for; reading them gives a clear error instead of nil.
constexpr std::array kForbidden{"load",     "loadstring", "loadfile", "dofile",  "require",
                                "package",  "io",         "debug",    "collectgarbage",
                                "coroutine", "module",    "setfenv",  "getfenv", "print"};

[[noreturn]] void not_available(lua_State* L, const char* what) {
  luaL_where(L, 1);  // level 0 is this C function, level 1 the script line that asked
  lua_pushfstring(L, "'%s' is not available in a sequence (sandbox)", what);
  lua_concat(L, 2);
  lua_error(L);
  __builtin_unreachable();
}

// __index of the environment: forbidden globals raise, any other unknown global is nil.
int env_index(lua_State* L) {
  const char* key = lua_tostring(L, 2);
  if (key != nullptr) {
    for (const char* name : kForbidden)
      if (std::strcmp(key, name) == 0) not_available(L, key);
  }
  lua_pushnil(L);
  return 1;
}

// __index of a trimmed library table (upvalue 1 is its name): every missing member raises.
int library_index(lua_State* L) {
  const char* lib = lua_tostring(L, lua_upvalueindex(1));
  const char* key = luaL_tolstring(L, 2, nullptr);
  lua_pushfstring(L, "%s.%s", lib, key);
  not_available(L, lua_tostring(L, -1));
}

void guard_library(lua_State* L, const char* name) {
  lua_createtable(L, 0, 1);
  lua_pushstring(L, name);
  lua_pushcclosure(L, library_index, 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

// pcall/xpcall as in the base library (lbaselib.c), except that the fatal error and the
// memory limit are rethrown.
int finish_pcall(lua_State* L, int status, lua_KContext extra) {
  if (status != LUA_OK && status != LUA_YIELD) {
    if (is_fatal(L, -1) || memory_exceeded(L)) lua_error(L);
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);
    return 2;
  }
  return lua_gettop(L) - static_cast<int>(extra);
}

int safe_pcall(lua_State* L) {
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  const int status = lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 0, 0, finish_pcall);
  return finish_pcall(L, status, 0);
}

// Message handler wrapper: the user's handler never sees (or replaces) the fatal object.
int xpcall_handler(lua_State* L) {
  if (is_fatal(L, 1)) return 1;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

int safe_xpcall(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, xpcall_handler, 1);
  lua_replace(L, 2);
  lua_pushboolean(L, 1);
  lua_pushvalue(L, 1);
  lua_rotate(L, 3, 2);  // stack: f, handler, true, f, args...
  const int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finish_pcall);
  return finish_pcall(L, status, 2);
}

void copy_field(lua_State* L, int from, int to, const char* name) {
  lua_getfield(L, from, name);
  lua_setfield(L, to, name);
}

// setmetatable (Lua 5.4 manual, section 6.1), refusing a finalizer. The collector runs __gc
// metamethods with hooks switched off, so an endless finalizer could not be stopped by the
// runaway guard. A table is marked for finalization only if its metatable has __gc when it is
// set (manual, section 2.5.3), so this check is enough.
int safe_setmetatable(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const int kind = lua_type(L, 2);
  luaL_argexpected(L, kind == LUA_TNIL || kind == LUA_TTABLE, 2, "nil or table");
  if (kind == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    const bool finalizer = lua_rawget(L, 2) != LUA_TNIL;
    lua_pop(L, 1);
    if (finalizer) {
      luaL_where(L, 1);
      lua_pushliteral(L, "__gc metamethods (finalizers) are not available in a sequence (sandbox): the collector "
                         "runs them where the runaway guard cannot stop them");
      lua_concat(L, 2);
      return lua_error(L);
    }
  }
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// Calls the library function in upvalue 1 with this function's arguments. Its own errors name
// their position as the caller's, which is this C function (no line): they get the script line.
int call_original(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  if (lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0) == LUA_OK) return lua_gettop(L);
  if (lua_type(L, -1) == LUA_TSTRING && !memory_exceeded(L)) {
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

// string.rep of an empty piece and separator loops n times in C doing nothing (lstrlib.c),
// where no hook runs: the result is "" at once. A large result is refused by the allocator.
int guarded_rep(lua_State* L) {
  std::size_t piece = 0, separator = 0;
  luaL_checklstring(L, 1, &piece);
  const lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &separator);
  if (n > 0 && piece + separator == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  // The library fills a buffer that lauxlib allocates without Lua's retry after an emergency
  // collection, then copies it into the string: if both do not fit, collect first.
  const MemoryBudget* budget = budget_of(L);
  const auto count = static_cast<std::size_t>(n);
  if (budget != nullptr && n > 0 && count <= budget->limit_bytes / (piece + separator)) {
    const std::size_t bytes = count * piece + (count - 1) * separator;
    if (budget->used_bytes + 2 * bytes > budget->limit_bytes) lua_gc(L, LUA_GCCOLLECT);
  }
  return call_original(L);
}

// table.move copies element by element in C, where no hook runs, however many are asked for.
int guarded_move(lua_State* L) {
  const lua_Integer first = luaL_checkinteger(L, 2);
  const lua_Integer last = luaL_checkinteger(L, 3);
  if (last >= first && (first <= 0 ? last >= kMaxMoveElements + first : last - first >= kMaxMoveElements))
    return luaL_error(L, "table.move of more than %I elements is refused in a sequence (sandbox)",
                      static_cast<lua_Integer>(kMaxMoveElements));
  return call_original(L);
}

// Pushes a copy of library `name` (from the table at `from`) without `removed`, with member
// `guarded` replaced by `guard` (the original as its upvalue). The library itself stays as
// it was in package.loaded, where error messages find its functions' names.
void push_library_copy(lua_State* L, int from, const char* name, const char* removed, const char* guarded,
                       lua_CFunction guard) {
  lua_getfield(L, from, name);
  const int lib = lua_gettop(L);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, lib) != 0) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  if (removed != nullptr) {
    lua_pushnil(L);
    lua_setfield(L, -2, removed);
  }
  lua_getfield(L, lib, guarded);
  lua_pushcclosure(L, guard, 1);
  lua_setfield(L, -2, guarded);
  lua_remove(L, lib);
}

}  // namespace

lua_State* new_state(MemoryBudget& budget) {
  lua_State* L = lua_newstate(counting_alloc, &budget);
  if (L == nullptr) return nullptr;
  lua_atpanic(L, on_panic);
  lua_setwarnf(L, nullptr, nullptr);  // warnings (from the collector) off, as luaL_newstate has them
  return L;
}

MemoryBudget* budget_of(lua_State* L) {
  void* ud = nullptr;
  if (lua_getallocf(L, &ud) != counting_alloc) return nullptr;
  return static_cast<MemoryBudget*>(ud);
}

std::string script_position(lua_State* T) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(T, level, &ar) != 0; ++level) {
    if (lua_getinfo(T, "Sl", &ar) != 0 && ar.currentline > 0) return fmt::format("{}:{}: ", ar.short_src, ar.currentline);
  }
  return {};
}

std::string caller_position(lua_State* T) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(T, level, &ar) != 0; ++level) {
    if (lua_getinfo(T, "Sl", &ar) == 0) break;
    if (std::string_view(ar.source).starts_with("@[ledlab ")) continue;
    if (ar.currentline > 0) return fmt::format("{}:{}: ", ar.short_src, ar.currentline);
    break;
  }
  return {};
}

std::string memory_limit_message(lua_State* T, MemoryBudget& budget) {
  budget.exceeded = false;
  return fmt::format("{}script memory limit of {:g} MiB exceeded", script_position(T),
                     static_cast<double>(budget.limit_bytes) / (1 << 20));
}

void push_sandbox_env(lua_State* L) {
  luaL_openlibs(L);
  lua_pushglobaltable(L);
  const int g = lua_gettop(L);
  lua_newtable(L);
  const int env = lua_gettop(L);
  for (const char* name : kSafeBase) copy_field(L, g, env, name);
  lua_pushcfunction(L, safe_pcall);
  lua_setfield(L, env, "pcall");
  lua_pushcfunction(L, safe_xpcall);
  lua_setfield(L, env, "xpcall");
  lua_pushcfunction(L, safe_setmetatable);
  lua_setfield(L, env, "setmetatable");

  // string: string methods ("x"):upper() look the library up through the string metatable,
  // so that now leads to the sandbox's copy, which has no dump (no bytecode can be produced).
  push_library_copy(L, g, "string", "dump", "rep", guarded_rep);
  guard_library(L, "string");
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_pushvalue(L, -3);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 2);
  lua_setfield(L, env, "string");

  push_library_copy(L, g, "table", nullptr, "move", guarded_move);
  lua_setfield(L, env, "table");
  for (const char* lib : {"math", "utf8"}) {
    lua_getfield(L, g, lib);
    lua_setfield(L, env, lib);
  }
  lua_getfield(L, env, "table");
  lua_getfield(L, -1, "unpack");
  lua_setfield(L, env, "unpack");
  lua_pop(L, 1);

  lua_getfield(L, g, "os");
  const int os = lua_gettop(L);
  lua_createtable(L, 0, 3);
  for (const char* name : {"time", "clock", "date"}) copy_field(L, os, lua_gettop(L), name);
  guard_library(L, "os");
  lua_setfield(L, env, "os");
  lua_pop(L, 1);

  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, env_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, env);
  lua_remove(L, g);
}

int load_chunk(lua_State* L, std::string_view text, std::string_view name, int env_index) {
  env_index = lua_absindex(L, env_index);
  const std::string chunkname = "@" + std::string(name);
  const int status = luaL_loadbufferx(L, text.data(), text.size(), chunkname.c_str(), "t");
  if (status != LUA_OK && text.starts_with(LUA_SIGNATURE[0])) {
    // Lua's refusal of a binary chunk names neither the chunk nor a line (ldo.c, checkmode).
    lua_pushfstring(L, "%s:1: %s: a sequence must be Lua source text (sandbox)", chunkname.c_str() + 1,
                    lua_tostring(L, -1));
    lua_remove(L, -2);
    return status;
  }
  if (status != LUA_OK) return status;
  lua_pushvalue(L, env_index);
  lua_setupvalue(L, -2, 1);  // a main chunk's only upvalue is _ENV
  return LUA_OK;
}

void raise_fatal(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kFatalTag));
  lua_error(L);
  __builtin_unreachable();
}

bool is_fatal(lua_State* L, int index) {
  return lua_type(L, index) == LUA_TLIGHTUSERDATA && lua_touserdata(L, index) == &kFatalTag;
}

}  // namespace ledlab::lua
