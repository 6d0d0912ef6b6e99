#pragma once
// Internals of SequenceRunner shared by sequence_runner.cpp (the driver loop and the public
// API) and host_functions.cpp (the functions scripts call). Not part of the library's API.
#include "engine/lua/sequence_runner.hpp"

#include "engine/lua/sandbox.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <lua.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

namespace ledlab::lua {

namespace asio = boost::asio;
using nlohmann::json;

namespace detail {

constexpr int kHookEvery = 1000;  // instructions between two looks at the guard and abort flag

// A stop signal for a group of Lua threads: the whole run (abort) or one parallel{} group
// (a branch failed). Stopping a scope stops the scopes nested in it.
struct Scope {
  explicit Scope(const asio::any_io_executor& ex) : timer(ex, asio::steady_timer::time_point::max()) {}
  void stop() {
    if (stopped) return;
    stopped = true;
    timer.cancel();  // wakes every wait() at once
    for (auto& weak : children)
      if (auto child = weak.lock()) child->stop();
  }
  asio::awaitable<void> wait() {
    if (!stopped) co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  bool stopped = false;
  asio::steady_timer timer;
  std::vector<std::weak_ptr<Scope>> children;
};

// What an engine call hands back to its suspended thread.
struct Resumption {
  Result<json> value;
  bool fatal = false;  // end the thread without resuming it (a parallel branch hit the guard)
};

struct PendingOp {
  std::function<asio::awaitable<Resumption>()> start;
  bool interruptible = true;  // raced with the thread's stop signal
};

struct ThreadState {
  std::uint64_t executed = 0;  // instructions since the last engine call
  std::shared_ptr<Scope> scope;
  PendingOp pending;
  int ref = LUA_NOREF;  // registry anchor keeping the thread alive
};

struct ThreadEnd {
  enum Kind { finished, error, fatal, stopped } kind = finished;
  std::string message;
  std::string traceback;
};

// Entry points of the embedder's host functions (upvalue 1: index into async_fns/sync_fns).
int async_call_entry(lua_State* T);
int sync_call_entry(lua_State* T);

// Host objects (host_objects.cpp): a kind's metatable is registered under its type key.
struct ObjectKind {
  std::string name;  // the constructor's name
  std::string kind;  // in errors: "kind:method: ..."
  std::string type_key;
  std::vector<std::string> methods;
  ObjectFactory make;
};
void register_object_kind(lua_State* L, std::size_t index, const ObjectKind& kind, bool list_arguments);

}  // namespace detail

using namespace detail;

struct SequenceRunner::Impl {
  Impl(SequenceScript s, std::size_t memory_limit_bytes) : script(std::move(s)), memory(memory_limit_bytes) {}
  SequenceScript script;
  MemoryBudget memory;  // declared before L's users: it outlives the state (closed in ~SequenceRunner)
  RunOptions options;
  Sinks sinks;
  lua_State* L = nullptr;
  int env_ref = LUA_NOREF;
  std::vector<AsyncFunction> async_fns;
  std::vector<SyncFunction> sync_fns;
  std::vector<ObjectKind> object_kinds;
  std::size_t live_objects = 0;
  std::unordered_map<lua_State*, ThreadState> threads;
  std::optional<asio::any_io_executor> executor;
  std::shared_ptr<Scope> root;
  bool paused = false;
  std::vector<std::string> holders;  // interlocks and lost links holding the script
  CallWrapper wrap_call;
  bool holding() const { return paused || !holders.empty(); }
  std::shared_ptr<asio::steady_timer> resume_signal;  // cancelled by resume(); waited on while paused
  bool aborted = false;
  std::string abort_reason;
  std::string fatal_message;  // why the run was ended from inside (guard, bad parameter)
  std::string fatal_traceback;
  // interrupt(): set from another thread, read by the count hook.
  std::atomic<bool> interrupted{false};
  std::mutex interrupt_mutex;
  std::string interrupt_reason;

  static Impl& of(lua_State* L) { return **static_cast<Impl**>(lua_getextraspace(L)); }

  // Records why the run ends from inside; the caller then raises the fatal error.
  void note_fatal(std::string message) {
    if (fatal_message.empty()) fatal_message = std::move(message);
  }
  bool should_stop(lua_State* T) { return aborted || threads[T].scope->stopped; }

  lua_State* new_thread(lua_State* from, std::shared_ptr<Scope> scope) {
    lua_State* T = lua_newthread(from);
    lua_sethook(T, count_hook, LUA_MASKCOUNT, kHookEvery);
    auto& state = threads[T];
    state.scope = std::move(scope);
    state.ref = luaL_ref(from, LUA_REGISTRYINDEX);
    return T;
  }
  void release_thread(lua_State* T) {
    const auto it = threads.find(T);
    if (it == threads.end()) return;
    luaL_unref(L, LUA_REGISTRYINDEX, it->second.ref);
    threads.erase(it);
  }

  // Continuation after an engine call: the driver pushed ok, value-or-message, add-position.
  static int finish_engine_call(lua_State* T, int, lua_KContext) {
    if (lua_toboolean(T, -3)) {
      lua_pop(T, 1);
      return 1;
    }
    lua_pop(T, 1);
    {
      const std::string where = caller_position(T);  // the script line that made the call
      lua_pushlstring(T, where.data(), where.size());
    }
    lua_insert(T, -2);
    lua_concat(T, 2);
    return lua_error(T);
  }

  // Notes the interrupt's reason at the script's position; the caller raises (a longjmp must
  // not skip this frame's lock).
  void note_interrupt(lua_State* T) {
    std::string reason;
    {
      const std::lock_guard lock(interrupt_mutex);
      reason = interrupt_reason;
    }
    note_fatal(script_position(T) + reason);
  }

  static void count_hook(lua_State* T, lua_Debug*) {
    auto& self = of(T);
    if (self.interrupted.load(std::memory_order_acquire)) {
      self.note_interrupt(T);
      raise_fatal(T);
    }
    if (self.should_stop(T)) raise_fatal(T);
    auto& state = self.threads[T];
    state.executed += kHookEvery;
    if (state.executed <= self.options.instruction_budget) return;
    luaL_where(T, 0);
    self.note_fatal(fmt::format("{}script ran {} instructions without yielding to the engine (runaway loop?)",
                                lua_tostring(T, -1), state.executed));
    raise_fatal(T);  // the message's temporaries are gone: a longjmp skips destructors
  }

  asio::awaitable<ThreadEnd> drive(lua_State* T, int nargs);
  asio::awaitable<Resumption> run_parallel(std::vector<lua_State*> branches, std::shared_ptr<Scope> group);
  void install_builtins();
  void install_prelude();
  void set_global(const std::string& dotted_name);
};

}  // namespace ledlab::lua
