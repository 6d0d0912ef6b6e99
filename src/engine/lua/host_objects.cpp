// Host objects (sequence_runner.hpp, HostObject): a full userdata holding the C++ object, with
// a metatable per kind whose __index holds the methods and whose __gc destroys the object.
#include "engine/lua/host_call.hpp"
#include "engine/lua/lua_value.hpp"

#include <new>

namespace ledlab::lua {

namespace {

struct ObjectBox {
  HostObject* object = nullptr;
};

// Upvalue `n` of the running C closure as an index.
std::size_t index_upvalue(lua_State* T, int n) { return static_cast<std::size_t>(lua_tointeger(T, lua_upvalueindex(n))); }

// The collector's finalizer, set by the host, not the script: it runs with hooks off (sandbox.hpp,
// setmetatable), which is safe because it only destroys the C++ object.
int object_gc(lua_State* L) {
  auto* box = static_cast<ObjectBox*>(lua_touserdata(L, 1));
  if (box != nullptr && box->object != nullptr) {
    delete box->object;
    box->object = nullptr;
    --SequenceRunner::Impl::of(L).live_objects;
  }
  return 0;
}

Step object_new_body(lua_State* T) {
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  const ObjectKind& kind = self.object_kinds[index_upvalue(T, 1)];
  // The box comes first, before any C++ object of this frame: an allocation over the memory
  // limit raises (a longjmp) that would skip their destructors.
  auto* box = static_cast<ObjectBox*>(lua_newuserdatauv(T, sizeof(ObjectBox), 0));
  new (box) ObjectBox{};
  luaL_setmetatable(T, kind.type_key.c_str());
  lua_insert(T, 1);  // the arguments follow the box
  if (self.live_objects >= kMaxLiveObjects) lua_gc(T, LUA_GCCOLLECT);  // only what the script holds counts
  if (self.live_objects >= kMaxLiveObjects)
    return error_here(T, fmt::format("{}: the script holds {} objects already (at most {})", kind.name,
                                     self.live_objects, kMaxLiveObjects));
  auto args = lua_toboolean(T, lua_upvalueindex(2)) ? args_list_to_json(T, 2) : args_to_json(T, 2);
  if (!args) return error_here(T, fmt::format("{}: arguments: {}", kind.name, args.error().message));
  auto made = kind.make(std::move(*args));
  if (!made) return error_here(T, fmt::format("{}: {}", kind.name, made.error().describe()));
  box->object = made->release();
  ++self.live_objects;
  lua_settop(T, 1);
  return {Then::return_values, 1};
}

Step object_method_body(lua_State* T) {
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  const ObjectKind& kind = self.object_kinds[index_upvalue(T, 1)];
  const std::string& method = kind.methods[index_upvalue(T, 2)];
  auto* box = static_cast<ObjectBox*>(luaL_testudata(T, 1, kind.type_key.c_str()));
  if (box == nullptr)
    return error_here(T, fmt::format("{}:{}: call it on the object with a colon, object:{}(...), not with {}", kind.kind,
                                     method, method, luaL_typename(T, 1)));
  if (box->object == nullptr) return error_here(T, fmt::format("{}:{}: the object is gone", kind.kind, method));
  auto args = args_list_to_json(T, 2);
  if (!args) return error_here(T, fmt::format("{}:{}: arguments: {}", kind.kind, method, args.error().message));
  const auto r = box->object->call(method, *args);
  if (!r) return error_here(T, fmt::format("{}:{}: {}", kind.kind, method, r.error().describe()));
  push_json(T, *r);
  return {Then::return_values, 1};
}

constexpr auto lua_object_new = host_call<object_new_body>;
constexpr auto lua_object_method = host_call<object_method_body>;

}  // namespace

namespace detail {

// The kind's metatable: methods in __index, __gc, and a __metatable field, so that the script
// can neither read nor replace it (getmetatable returns the kind's name instead).
void register_object_kind(lua_State* L, std::size_t index, const ObjectKind& kind, bool list_arguments) {
  if (luaL_newmetatable(L, kind.type_key.c_str()) == 0) throw std::logic_error("host object kind registered twice: " + kind.kind);
  lua_createtable(L, 0, static_cast<int>(kind.methods.size()));
  for (std::size_t m = 0; m < kind.methods.size(); ++m) {
    lua_pushinteger(L, static_cast<lua_Integer>(index));
    lua_pushinteger(L, static_cast<lua_Integer>(m));
    lua_pushcclosure(L, lua_object_method, 2);
    lua_setfield(L, -2, kind.methods[m].c_str());
  }
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, object_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushstring(L, kind.kind.c_str());
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lua_pushinteger(L, static_cast<lua_Integer>(index));
  lua_pushboolean(L, list_arguments ? 1 : 0);
  lua_pushcclosure(L, lua_object_new, 2);
}

}  // namespace detail

void SequenceRunner::add_object(std::string name, std::string kind, std::vector<std::string> methods, ObjectFactory make,
                                Arguments shape) {
  auto& s = *impl_;
  const std::size_t index = s.object_kinds.size();
  s.object_kinds.push_back(ObjectKind{name, kind, "ledlab.object." + kind, std::move(methods), std::move(make)});
  register_object_kind(s.L, index, s.object_kinds.back(), shape == Arguments::list);
  s.set_global(name);
}

void SequenceRunner::add_prelude(const std::string& name, std::string_view source) {
  auto& s = *impl_;
  lua_rawgeti(s.L, LUA_REGISTRYINDEX, s.env_ref);
  if (load_chunk(s.L, source, "[ledlab " + name + "]", -1) != LUA_OK || lua_pcall(s.L, 0, 0, 0) != LUA_OK) {
    const std::string message = lua_tostring(s.L, -1);
    lua_pop(s.L, 2);
    throw std::logic_error("ledlab " + name + ": " + message);
  }
  lua_pop(s.L, 1);
}

}  // namespace ledlab::lua
