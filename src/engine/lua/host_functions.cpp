// The functions a sequence calls: params, needs, sleep, log, progress, record, result, checkpoint,
// parallel, and the embedder's own (async or synchronous) host functions.
#include "engine/lua/host_call.hpp"
#include "engine/lua/lua_value.hpp"
#include "engine/lua/runner_impl.hpp"

#include <optional>
#include <stdexcept>
#include <string>

namespace ledlab::lua {

namespace {

Step params_body(lua_State* T) {
  auto& self = impl(T);
  if (!lua_istable(T, 1)) return error_here(T, fmt::format("params: expected a table, got {}", luaL_typename(T, 1)));
  const auto table = to_json(T, 1);
  if (!table) return error_here(T, "params{}: " + table.error().message);
  // Fatal like the runaway guard (a script cannot go on without its parameters), and like
  // every script error it names the line: the line of the params{} call.
  auto decls = parse_declarations(*table);
  if (!decls) return fatal(T, script_position(T) + decls.error().message);
  auto values = resolve_parameters(*decls, self.options.overrides);
  if (!values) return fatal(T, script_position(T) + values.error().message);
  push_json(T, *values);
  return {Then::return_values, 1};
}

// needs{...}: what the sequence needs of the station. The engine read it before the run
// (SequenceScript::needs) and checked the station against it before anything was switched
// on; in the run it only has to be a table.
Step needs_body(lua_State* T) {
  if (!lua_istable(T, 1)) return error_here(T, fmt::format("needs: expected a table, got {}", luaL_typename(T, 1)));
  return {};
}

asio::awaitable<Resumption> sleep_op(std::shared_ptr<Clock> clock, double seconds) {
  co_await clock->sleep(seconds);
  co_return Resumption{json(), false};
}

// Argument `arg` when it is a number. Bodies check their arguments themselves and raise with
// error_here, not luaL_check*, whose longjmp would skip the destructors of their frame.
std::optional<double> number_at(lua_State* T, int arg) {
  if (lua_type(T, arg) != LUA_TNUMBER) return std::nullopt;
  return lua_tonumber(T, arg);
}

Step sleep_body(lua_State* T) {
  const auto seconds = number_at(T, 1);
  if (!seconds) return error_here(T, fmt::format("sleep: expected a number of seconds, got {}", luaL_typename(T, 1)));
  // Negated: NaN fails it too. sleep(math.huge) used to return at once.
  if (!(*seconds >= 0 && *seconds <= kMaxSleepS))
    return error_here(T, fmt::format("sleep: {} s is not a duration from 0 to {:g} s", *seconds, kMaxSleepS));
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  auto clock = self.options.clock;
  return suspend(T, PendingOp{[clock, s = *seconds] { return sleep_op(clock, s); }, true});
}

Step now_body(lua_State* T) {
  lua_pushnumber(T, impl(T).options.clock->now_s());
  return {Then::return_values, 1};
}

Step log_body(lua_State* T) {
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  std::string text;
  for (int i = 1, n = lua_gettop(T); i <= n; ++i) {
    if (i > 1) text += ' ';
    const char* s = lua_isstring(T, i) ? lua_tostring(T, i) : nullptr;  // no __tostring
    if (s != nullptr) {
      text += s;
    } else if (lua_isboolean(T, i) || lua_isnil(T, i)) {
      text += lua_isnil(T, i) ? "nil" : (lua_toboolean(T, i) ? "true" : "false");
    } else {
      auto value = to_json(T, i);
      if (!value) return error_here(T, "log: " + value.error().message);
      text += value->dump();
    }
  }
  if (self.sinks.log) self.sinks.log(text);
  return {};
}

Step progress_body(lua_State* T) {
  const auto fraction = number_at(T, 1);
  if (!fraction || !(*fraction >= 0 && *fraction <= 1))
    return error_here(T, fmt::format("progress: the fraction done must be a number from 0 to 1, got {}",
                                     fraction ? fmt::format("{}", *fraction) : luaL_typename(T, 1)));
  if (!lua_isnoneornil(T, 2) && !lua_isstring(T, 2))
    return error_here(T, fmt::format("progress: the text must be a string, got {}", luaL_typename(T, 2)));
  const char* text = lua_isnoneornil(T, 2) ? "" : lua_tostring(T, 2);
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  if (self.sinks.progress) self.sinks.progress(*fraction, text);
  return {};
}

template <auto Sinks::*Member>
Step record_body(lua_State* T) {
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  const auto value = args_to_json(T, 1);
  if (!value) return error_here(T, value.error().message);
  if (self.sinks.*Member) (self.sinks.*Member)(*value);
  return {};
}

Step checkpoint_body(lua_State* T) {
  if (lua_type(T, 1) != LUA_TSTRING)
    return error_here(T, fmt::format("checkpoint: the first argument must be a name, got {}", luaL_typename(T, 1)));
  const char* name = lua_tostring(T, 1);
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  const auto state = lua_isnoneornil(T, 2) ? Result<json>(json()) : to_json(T, 2);
  if (!state) return error_here(T, "checkpoint: " + state.error().message);
  if (self.sinks.checkpoint) self.sinks.checkpoint(name, *state);
  return {};
}

Step parallel_body(lua_State* T) {
  if (!lua_istable(T, 1)) return error_here(T, fmt::format("parallel: expected a table of functions, got {}", luaL_typename(T, 1)));
  const auto n = static_cast<lua_Integer>(lua_rawlen(T, 1));
  for (lua_Integer i = 1; i <= n; ++i) {
    const int type = lua_rawgeti(T, 1, i);
    lua_pop(T, 1);
    if (type != LUA_TFUNCTION) return error_here(T, fmt::format("parallel{{}}: entry {} is not a function", i));
  }
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  auto group = std::make_shared<Scope>(*self.executor);
  auto& siblings = self.threads[T].scope->children;
  std::erase_if(siblings, [](const std::weak_ptr<Scope>& s) { return s.expired(); });  // finished groups
  siblings.push_back(group);
  std::vector<lua_State*> branches;
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_State* branch = self.new_thread(T, group);
    lua_rawgeti(T, 1, i);
    lua_xmove(T, branch, 1);
    branches.push_back(branch);
  }
  return suspend(T, PendingOp{[&self, branches, group] { return self.run_parallel(branches, group); }, false});
}

asio::awaitable<Resumption> call_async(const AsyncFunction& fn, json args) {
  // Kept as separate statements: GCC 12 miscompiles a co_await inside an aggregate
  // initialiser in co_return (the awaited value is destroyed before it is copied).
  // An exception must not escape: the driver races this against the stop signal with
  // Asio's ||, which waits for the first operation that completes *without* throwing.
  Resumption r;
  try {
    Result<json> value = co_await fn(std::move(args));
    r.value = std::move(value);
  } catch (const std::exception& e) {
    r.value = fail(Errc::io, fmt::format("host function failed: {}", e.what()));
  }
  co_return r;
}

Step async_call_body(lua_State* T) {
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  const auto index = static_cast<std::size_t>(lua_tointeger(T, lua_upvalueindex(1)));
  auto args = lua_toboolean(T, lua_upvalueindex(2)) ? args_list_to_json(T, 1) : args_to_json(T, 1);
  if (!args) return error_here(T, "arguments: " + args.error().message);
  return suspend(T, PendingOp{[&self, index, args = std::move(*args)] { return call_async(self.async_fns[index], args); },
                              true});
}

Step sync_call_body(lua_State* T) {
  auto& self = impl(T);
  if (self.should_stop(T)) return {Then::raise_fatal, 0};
  const auto index = static_cast<std::size_t>(lua_tointeger(T, lua_upvalueindex(1)));
  auto args = lua_toboolean(T, lua_upvalueindex(2)) ? args_list_to_json(T, 1) : args_to_json(T, 1);
  if (!args) return error_here(T, "arguments: " + args.error().message);
  const auto r = self.sync_fns[index](std::move(*args));
  if (!r) return error_here(T, r.error().describe());
  push_json(T, *r);
  return {Then::return_values, 1};
}

constexpr auto lua_params = host_call<params_body>;
constexpr auto lua_needs = host_call<needs_body>;
constexpr auto lua_sleep = host_call<sleep_body>;
constexpr auto lua_log = host_call<log_body>;
constexpr auto lua_now = host_call<now_body>;
constexpr auto lua_progress = host_call<progress_body>;
constexpr auto lua_record = host_call<record_body<&Sinks::record>>;
constexpr auto lua_result = host_call<record_body<&Sinks::result>>;
constexpr auto lua_checkpoint = host_call<checkpoint_body>;
constexpr auto lua_parallel = host_call<parallel_body>;

}  // namespace

namespace detail {
int async_call_entry(lua_State* T) { return host_call<async_call_body>(T); }
int sync_call_entry(lua_State* T) { return host_call<sync_call_body>(T); }
}  // namespace detail

void SequenceRunner::Impl::install_builtins() {
  const std::pair<const char*, lua_CFunction> builtins[] = {
      {"params", lua_params},     {"sleep", lua_sleep},   {"log", lua_log},
      {"progress", lua_progress}, {"record", lua_record}, {"result", lua_result},
      {"checkpoint", lua_checkpoint}, {"parallel", lua_parallel}, {"now", lua_now},
      {"needs", lua_needs}};
  for (const auto& [name, fn] : builtins) {
    lua_pushcfunction(L, fn);
    set_global(name);
  }
  install_prelude();
}

// Helpers written in Lua on top of the built-ins, loaded into the script's environment.
// Their errors are raised at level 2: the message names the script line that called them, so
// they check every argument before a built-in could fail on it inside the prelude. The
// comparisons are negated: a NaN fails them (a NaN timeout would never expire).
static_assert(kMaxSleepS == 1e8, "the prelude's poll bound is kMaxSleepS");
constexpr const char* kPrelude = R"lua(
function wait_until(condition, options)
  if type(condition) ~= "function" then error("wait_until: the first argument must be a function", 2) end
  if options ~= nil and type(options) ~= "table" then
    error("wait_until: the options must be a table, e.g. { poll = 10, timeout = 600 }", 2)
  end
  options = options or {}
  local poll = options.poll or 10
  local what = options.what or "condition"
  if type(poll) ~= "number" or not (poll > 0 and poll <= 1e8) then
    error("wait_until: poll must be a number of seconds > 0 and <= 1e8", 2)
  end
  if options.timeout ~= nil and (type(options.timeout) ~= "number" or not (options.timeout >= 0)) then
    error("wait_until: timeout must be a number of seconds >= 0", 2)
  end
  if type(what) ~= "string" then error("wait_until: what must be a string", 2) end
  local started = now()
  while not condition() do
    local waited = now() - started
    if options.timeout and waited >= options.timeout then
      error(("wait_until: %s not met within %g s"):format(what, options.timeout), 2)
    end
    sleep(poll)
  end
  return now() - started
end
)lua";

void SequenceRunner::Impl::install_prelude() {
  lua_rawgeti(L, LUA_REGISTRYINDEX, env_ref);
  if (load_chunk(L, kPrelude, "[ledlab prelude]", -1) != LUA_OK || lua_pcall(L, 0, 0, 0) != LUA_OK) {
    const std::string message = lua_tostring(L, -1);
    lua_pop(L, 2);
    throw std::logic_error("ledlab prelude: " + message);
  }
  lua_pop(L, 1);
}

}  // namespace ledlab::lua
