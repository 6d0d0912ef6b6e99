#include "engine/lua/sandbox.hpp"

#include <array>
#include <cstring>
#include <string>

namespace ledlab::lua {
namespace {

const char kFatalTag = 0;  // its address identifies the fatal error object

constexpr std::array kSafeBase{"assert", "error",    "ipairs", "pairs",  "next",         "select",
                               "tonumber", "tostring", "type", "rawequal", "rawget",     "rawlen",
                               "rawset", "setmetatable", "getmetatable", "_VERSION"};

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

// pcall/xpcall as in the base library (lbaselib.c), except that the fatal error is rethrown.
int finish_pcall(lua_State* L, int status, lua_KContext extra) {
  if (status != LUA_OK && status != LUA_YIELD) {
    if (is_fatal(L, -1)) lua_error(L);
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

}  // namespace

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

  // string: the real table, because string methods ("x"):upper() look it up through the
  // string metatable; dump is removed from it so no bytecode can be produced.
  lua_getfield(L, g, "string");
  lua_pushnil(L);
  lua_setfield(L, -2, "dump");
  guard_library(L, "string");
  lua_setfield(L, env, "string");

  for (const char* lib : {"table", "math", "utf8"}) {
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
