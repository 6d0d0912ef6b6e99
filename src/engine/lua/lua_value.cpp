#include "engine/lua/lua_value.hpp"

#include <string>

namespace ledlab::lua {
namespace {

constexpr int kMaxDepth = 64;

nlohmann::json convert(lua_State* L, int index, int depth, bool& too_deep) {
  index = lua_absindex(L, index);
  switch (lua_type(L, index)) {
    case LUA_TBOOLEAN: return lua_toboolean(L, index) != 0;
    case LUA_TNUMBER:
      if (lua_isinteger(L, index)) return static_cast<std::int64_t>(lua_tointeger(L, index));
      return lua_tonumber(L, index);
    case LUA_TSTRING: {
      std::size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return std::string(s, len);
    }
    case LUA_TTABLE: break;
    default: return nullptr;
  }
  if (depth >= kMaxDepth || !lua_checkstack(L, 4)) {
    too_deep = true;
    return nullptr;
  }
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, index));
  lua_Integer keys = 0;
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    ++keys;
    lua_pop(L, 1);
  }
  if (n > 0 && keys == n) {
    auto array = nlohmann::json::array();
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L, index, i);
      array.push_back(convert(L, -1, depth + 1, too_deep));
      lua_pop(L, 1);
    }
    return array;
  }
  auto object = nlohmann::json::object();
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    std::string key;
    switch (lua_type(L, -2)) {
      case LUA_TSTRING:
      case LUA_TNUMBER:
        lua_pushvalue(L, -2);  // convert a copy: lua_next needs the key untouched
        key = lua_tostring(L, -1);
        lua_pop(L, 1);
        break;
      case LUA_TBOOLEAN: key = lua_toboolean(L, -2) ? "true" : "false"; break;
      default: key = lua_typename(L, lua_type(L, -2)); break;
    }
    object[key] = convert(L, -1, depth + 1, too_deep);
    lua_pop(L, 1);
  }
  return object;
}

}  // namespace

std::optional<nlohmann::json> to_json(lua_State* L, int index) {
  bool too_deep = false;
  auto value = convert(L, index, 0, too_deep);
  if (too_deep) return std::nullopt;
  return value;
}

std::optional<nlohmann::json> args_to_json(lua_State* L, int first) {
  if (lua_gettop(L) == first) return to_json(L, first);
  return args_list_to_json(L, first);
}

std::optional<nlohmann::json> args_list_to_json(lua_State* L, int first) {
  const int top = lua_gettop(L);
  auto array = nlohmann::json::array();
  for (int i = first; i <= top; ++i) {
    auto value = to_json(L, i);
    if (!value) return std::nullopt;
    array.push_back(std::move(*value));
  }
  return array;
}

void push_json(lua_State* L, const nlohmann::json& value) {
  luaL_checkstack(L, 3, "converting a value");
  switch (value.type()) {
    case nlohmann::json::value_t::boolean: lua_pushboolean(L, value.get<bool>() ? 1 : 0); return;
    case nlohmann::json::value_t::number_integer: lua_pushinteger(L, value.get<std::int64_t>()); return;
    case nlohmann::json::value_t::number_unsigned:
      lua_pushinteger(L, static_cast<lua_Integer>(value.get<std::uint64_t>()));
      return;
    case nlohmann::json::value_t::number_float: lua_pushnumber(L, value.get<double>()); return;
    case nlohmann::json::value_t::string: {
      const auto& s = value.get_ref<const std::string&>();
      lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case nlohmann::json::value_t::array: {
      lua_createtable(L, static_cast<int>(value.size()), 0);
      lua_Integer i = 1;
      for (const auto& item : value) {
        push_json(L, item);
        lua_rawseti(L, -2, i++);
      }
      return;
    }
    case nlohmann::json::value_t::object: {
      lua_createtable(L, 0, static_cast<int>(value.size()));
      for (const auto& [key, item] : value.items()) {
        lua_pushlstring(L, key.data(), key.size());
        push_json(L, item);
        lua_rawset(L, -3);
      }
      return;
    }
    default: lua_pushnil(L); return;
  }
}

}  // namespace ledlab::lua
