#include "engine/lua/sequence_runner.hpp"

#include "engine/lua/lua_value.hpp"
#include "engine/lua/runner_impl.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

namespace ledlab::lua {

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::finished: return "finished";
    case RunStatus::failed: return "failed";
    case RunStatus::aborted: return "aborted";
  }
  return "unknown";
}

asio::awaitable<ThreadEnd> SequenceRunner::Impl::drive(lua_State* T, int nargs) {
  using namespace asio::experimental::awaitable_operators;
  auto scope = threads[T].scope;
  for (;;) {
    if (scope->stopped) co_return ThreadEnd{ThreadEnd::stopped, {}, {}};
    threads[T].executed = 0;
    int nresults = 0;
    int status = LUA_OK;
    {
      ScriptRunning running(memory);
      status = lua_resume(T, L, nargs, &nresults);
    }
    if (status == LUA_OK) co_return ThreadEnd{};
    if (status != LUA_YIELD) {
      // Over the memory limit the script ends, whatever error the refusal became on its way out.
      const bool over_memory = memory.exceeded;
      if (over_memory) note_fatal(memory_limit_message(T, memory));
      if (over_memory || is_fatal(T, -1)) {
        if (fatal_message.empty() && !aborted) co_return ThreadEnd{ThreadEnd::stopped, {}, {}};
        if (fatal_traceback.empty() && !fatal_message.empty()) {
          luaL_traceback(L, T, fatal_message.c_str(), 0);
          fatal_traceback = lua_tostring(L, -1);
          lua_pop(L, 1);
        }
        co_return ThreadEnd{ThreadEnd::fatal, {}, {}};
      }
      const char* text = lua_tostring(T, -1);  // no __tostring: it could raise out of here
      ThreadEnd end{ThreadEnd::error,
                    text != nullptr ? text : fmt::format("(error object is a {} value)", luaL_typename(T, -1)), {}};
      luaL_traceback(L, T, end.message.c_str(), 0);
      end.traceback = lua_tostring(L, -1);
      lua_pop(L, 1);
      co_return end;
    }
    lua_pop(T, nresults);
    // Pause acts here, at the engine call the script just made: nothing new is started.
    while (holding() && !scope->stopped && resume_signal) {
      auto signal = resume_signal;
      co_await (signal->async_wait(asio::as_tuple(asio::use_awaitable)) || scope->wait());
    }
    if (scope->stopped) continue;  // aborted while paused: the loop top ends the thread
    PendingOp op = std::move(threads[T].pending);
    threads[T].pending = {};
    Resumption r;
    if (op.interruptible) {
      auto operation = op.start();
      auto stopped = scope->wait();
      auto raced = co_await (std::move(operation) || std::move(stopped));
      if (raced.index() == 1) continue;  // stopped: the loop top ends the thread
      r = std::move(std::get<0>(raced));
    } else {
      r = co_await op.start();
    }
    if (r.fatal) co_return ThreadEnd{ThreadEnd::fatal, {}, {}};
    if (scope->stopped) continue;
    lua_pushboolean(T, r.value ? 1 : 0);
    if (r.value) {
      push_json(T, *r.value);
    } else {
      const auto text = r.value.error().describe();
      lua_pushlstring(T, text.data(), text.size());
    }
    lua_pushboolean(T, 1);
    nargs = 3;
  }
}

asio::awaitable<Resumption> SequenceRunner::Impl::run_parallel(std::vector<lua_State*> branches,
                                                               std::shared_ptr<Scope> group) {
  struct Join {
    explicit Join(const asio::any_io_executor& ex) : done(ex, asio::steady_timer::time_point::max()) {}
    std::size_t remaining = 0;
    asio::steady_timer done;
    std::optional<std::string> first_error;
    bool fatal = false;
  };
  auto ex = co_await asio::this_coro::executor;
  auto join = std::make_shared<Join>(ex);
  join->remaining = branches.size();
  for (lua_State* branch : branches) {
    asio::co_spawn(
        ex,
        [this, branch, group, join]() -> asio::awaitable<void> {
          const ThreadEnd end = co_await drive(branch, 0);
          release_thread(branch);
          if (end.kind == ThreadEnd::error && !join->first_error) {
            join->first_error = end.message;
            group->stop();  // the siblings end at their next engine call
          } else if (end.kind == ThreadEnd::fatal) {
            join->fatal = true;
            group->stop();
          }
          if (--join->remaining == 0) join->done.cancel();
        },
        asio::detached);
  }
  if (join->remaining > 0) co_await join->done.async_wait(asio::as_tuple(asio::use_awaitable));
  if (join->fatal) co_return Resumption{json(), true};
  if (join->first_error) {
    // The branch's message already says where it failed; raise it as it is.
    co_return Resumption{fail(Errc::invalid_argument, "parallel branch failed: " + *join->first_error), false};
  }
  co_return Resumption{json(), false};
}

// Stores the value on top of the stack under `dotted_name` in the environment, creating
// intermediate tables ("bert.gate" -> env.bert.gate).
void SequenceRunner::Impl::set_global(const std::string& dotted_name) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, env_ref);
  std::string_view rest = dotted_name;
  for (auto dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
    const std::string part(rest.substr(0, dot));
    lua_pushlstring(L, part.data(), part.size());
    if (lua_rawget(L, -2) != LUA_TTABLE) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushlstring(L, part.data(), part.size());
      lua_pushvalue(L, -2);
      lua_rawset(L, -4);
    }
    lua_remove(L, -2);
    rest.remove_prefix(dot + 1);
  }
  lua_pushlstring(L, rest.data(), rest.size());
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 2);
}

SequenceRunner::SequenceRunner(SequenceScript script, RunOptions options, Sinks sinks)
    : impl_(std::make_unique<Impl>(std::move(script), options.memory_limit_bytes)) {
  auto& s = *impl_;
  s.options = std::move(options);
  if (!s.options.clock) s.options.clock = std::make_shared<Clock>(1.0);
  s.sinks = std::move(sinks);
  s.L = new_state(s.memory);
  if (s.L == nullptr) throw std::bad_alloc();
  // Threads created later copy the main thread's extra space: every C function and hook
  // finds the runner through it.
  *static_cast<Impl**>(lua_getextraspace(s.L)) = &s;
  push_sandbox_env(s.L);
  s.env_ref = luaL_ref(s.L, LUA_REGISTRYINDEX);
  s.install_builtins();
}

SequenceRunner::~SequenceRunner() {
  if (impl_->L != nullptr) lua_close(impl_->L);
}

// Upvalues of a host function's closure: 1 its index in async_fns/sync_fns, 2 whether its
// arguments always arrive as a list.
void SequenceRunner::add_async(std::string name, AsyncFunction fn, Arguments shape) {
  auto& s = *impl_;
  if (s.wrap_call) fn = s.wrap_call(name, std::move(fn));
  s.async_fns.push_back(std::move(fn));
  lua_pushinteger(s.L, static_cast<lua_Integer>(s.async_fns.size() - 1));
  lua_pushboolean(s.L, shape == Arguments::list ? 1 : 0);
  lua_pushcclosure(s.L, async_call_entry, 2);
  s.set_global(name);
}

void SequenceRunner::add_function(std::string name, SyncFunction fn, Arguments shape) {
  auto& s = *impl_;
  s.sync_fns.push_back(std::move(fn));
  lua_pushinteger(s.L, static_cast<lua_Integer>(s.sync_fns.size() - 1));
  lua_pushboolean(s.L, shape == Arguments::list ? 1 : 0);
  lua_pushcclosure(s.L, sync_call_entry, 2);
  s.set_global(name);
}

void SequenceRunner::abort(std::string reason) {
  auto& s = *impl_;
  if (s.aborted) return;
  s.aborted = true;
  s.abort_reason = std::move(reason);
  if (s.root) s.root->stop();
}

bool SequenceRunner::abort_requested() const { return impl_->aborted; }

void SequenceRunner::interrupt(std::string reason) {
  auto& s = *impl_;
  {
    const std::lock_guard lock(s.interrupt_mutex);
    if (s.interrupted.load(std::memory_order_relaxed)) return;
    s.interrupt_reason = std::move(reason);
  }
  s.interrupted.store(true, std::memory_order_release);
}

void SequenceRunner::pause() { impl_->paused = true; }

void SequenceRunner::resume() {
  auto& s = *impl_;
  s.paused = false;
  if (!s.holding() && s.resume_signal) s.resume_signal->cancel();  // wakes every waiting thread
}

bool SequenceRunner::paused() const { return impl_->paused; }

void SequenceRunner::hold(const std::string& holder) {
  auto& h = impl_->holders;
  if (std::find(h.begin(), h.end(), holder) == h.end()) h.push_back(holder);
}

void SequenceRunner::release(const std::string& holder) {
  auto& s = *impl_;
  std::erase(s.holders, holder);
  if (!s.holding() && s.resume_signal) s.resume_signal->cancel();
}

bool SequenceRunner::held() const { return !impl_->holders.empty(); }

void SequenceRunner::set_call_wrapper(CallWrapper wrapper) { impl_->wrap_call = std::move(wrapper); }

asio::awaitable<RunOutcome> SequenceRunner::run() {
  auto& s = *impl_;
  s.executor = co_await asio::this_coro::executor;
  s.root = std::make_shared<Scope>(*s.executor);
  s.resume_signal = std::make_shared<asio::steady_timer>(*s.executor, asio::steady_timer::time_point::max());
  if (s.aborted) s.root->stop();

  // Overrides are checked before the sequence does anything (params{} checks them again).
  if (!s.options.overrides.empty()) {
    auto decls = s.script.parameters(s.options.instruction_budget, s.options.memory_limit_bytes);
    if (!decls) co_return RunOutcome{RunStatus::failed, decls.error().message, {}};
    auto values = resolve_parameters(*decls, s.options.overrides);
    if (!values) co_return RunOutcome{RunStatus::failed, values.error().message, {}};
  }

  lua_rawgeti(s.L, LUA_REGISTRYINDEX, s.env_ref);
  const int loaded = load_chunk(s.L, s.script.text(), s.script.name(), -1);
  if (loaded != LUA_OK) {
    RunOutcome outcome{RunStatus::failed, lua_tostring(s.L, -1), {}};
    lua_pop(s.L, 2);
    co_return outcome;
  }
  lua_State* main_thread = s.new_thread(s.L, s.root);
  lua_xmove(s.L, main_thread, 1);  // the chunk becomes the thread's body
  lua_pop(s.L, 1);                 // the environment
  const ThreadEnd end = co_await s.drive(main_thread, 0);
  s.release_thread(main_thread);

  if (s.aborted) co_return RunOutcome{RunStatus::aborted, s.abort_reason, {}};
  switch (end.kind) {
    case ThreadEnd::finished: co_return RunOutcome{};
    case ThreadEnd::error: co_return RunOutcome{RunStatus::failed, end.message, end.traceback};
    case ThreadEnd::fatal: co_return RunOutcome{RunStatus::failed, s.fatal_message, s.fatal_traceback};
    case ThreadEnd::stopped: break;
  }
  co_return RunOutcome{RunStatus::failed, "the run was stopped", {}};
}

}  // namespace ledlab::lua
