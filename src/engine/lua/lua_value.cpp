#include "engine/lua/lua_value.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ledlab::lua {
namespace {

// One conversion: the tables on the way down (to tell a cycle from a shared table) and what
// has been produced so far. The first bound crossed ends it.
class Converter {
 public:
  explicit Converter(lua_State* L) : L_(L) {}

  // Converts one more value; the bounds cover everything this converter has produced.
  Result<nlohmann::json> run(int index) {
    auto value = convert(index);
    if (!error_.empty()) return fail(Errc::invalid_argument, error_);
    return value;
  }

 private:
  bool count(std::size_t text_bytes) {
    if (!error_.empty()) return false;
    if (++values_ > kMaxJsonValues) {
      error_ = fmt::format("more than {} values (a table shared many times over counts each time)", kMaxJsonValues);
      return false;
    }
    text_bytes_ += text_bytes;
    if (text_bytes_ > kMaxJsonTextBytes) {
      error_ = fmt::format("more than {} MiB of text", kMaxJsonTextBytes >> 20);
      return false;
    }
    return true;
  }

  nlohmann::json convert(int index) {
    index = lua_absindex(L_, index);
    const int type = lua_type(L_, index);
    std::size_t len = 0;
    const char* text = type == LUA_TSTRING ? lua_tolstring(L_, index, &len) : nullptr;
    if (!count(len)) return nullptr;
    switch (type) {
      case LUA_TBOOLEAN: return lua_toboolean(L_, index) != 0;
      case LUA_TNUMBER:
        if (lua_isinteger(L_, index)) return static_cast<std::int64_t>(lua_tointeger(L_, index));
        return lua_tonumber(L_, index);
      case LUA_TSTRING: return std::string(text, len);
      case LUA_TTABLE: break;
      default: return nullptr;
    }
    const void* table = lua_topointer(L_, index);
    if (std::find(path_.begin(), path_.end(), table) != path_.end()) {
      error_ = "table contains itself (a cycle)";
      return nullptr;
    }
    if (path_.size() >= static_cast<std::size_t>(kMaxJsonDepth) || !lua_checkstack(L_, 4)) {
      error_ = fmt::format("tables nested deeper than {} levels", kMaxJsonDepth);
      return nullptr;
    }
    path_.push_back(table);
    auto value = convert_table(index);
    path_.pop_back();
    return value;
  }

  nlohmann::json convert_table(int index) {
    const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L_, index));
    lua_Integer keys = 0;
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      ++keys;
      lua_pop(L_, 1);
    }
    if (n > 0 && keys == n) {
      auto array = nlohmann::json::array();
      for (lua_Integer i = 1; i <= n && error_.empty(); ++i) {
        lua_rawgeti(L_, index, i);
        array.push_back(convert(-1));
        lua_pop(L_, 1);
      }
      return array;
    }
    auto object = nlohmann::json::object();
    lua_pushnil(L_);
    while (lua_next(L_, index) != 0) {
      std::string key;
      switch (lua_type(L_, -2)) {
        case LUA_TSTRING:
        case LUA_TNUMBER:
          lua_pushvalue(L_, -2);  // convert a copy: lua_next needs the key untouched
          key = lua_tostring(L_, -1);
          lua_pop(L_, 1);
          break;
        case LUA_TBOOLEAN: key = lua_toboolean(L_, -2) ? "true" : "false"; break;
        default: key = lua_typename(L_, lua_type(L_, -2)); break;
      }
      if (count(key.size())) object[key] = convert(-1);
      lua_pop(L_, 1);
      if (!error_.empty()) {
        lua_pop(L_, 1);  // the key: the traversal ends here
        break;
      }
    }
    return object;
  }

  lua_State* L_;
  std::vector<const void*> path_;
  std::size_t values_ = 0;
  std::size_t text_bytes_ = 0;
  std::string error_;
};

}  // namespace

Result<nlohmann::json> to_json(lua_State* L, int index) { return Converter(L).run(index); }

Result<nlohmann::json> args_to_json(lua_State* L, int first) {
  if (lua_gettop(L) == first) return to_json(L, first);
  return args_list_to_json(L, first);
}

Result<nlohmann::json> args_list_to_json(lua_State* L, int first) {
  const int top = lua_gettop(L);
  Converter converter(L);
  auto array = nlohmann::json::array();
  for (int i = first; i <= top; ++i) {
    auto value = converter.run(i);
    if (!value) return fail(value.error());
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
