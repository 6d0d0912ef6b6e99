#pragma once
// How a host function runs (internal to host_functions.cpp and host_objects.cpp). Lua errors
// and yields are longjmps (Lua is C) that skip C++ destructors.
// So every host function is split in two: a body that does the C++ work with its objects in its
// own frame and says what to do next, and host_call, which does it once that frame is gone.
#include "engine/lua/runner_impl.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace ledlab::lua::detail {

inline SequenceRunner::Impl& impl(lua_State* T) { return SequenceRunner::Impl::of(T); }

enum class Then { return_values, raise_error, raise_fatal, yield };
struct Step {
  Then then = Then::return_values;
  int results = 0;
};

// The error message goes on the Lua stack, prefixed with the script line that made the call
// (through a ledlab prelude helper: the line that called the helper).
inline Step error_here(lua_State* T, std::string_view message) {
  const std::string text = caller_position(T) + std::string(message);
  lua_pushlstring(T, text.data(), text.size());
  return {Then::raise_error, 0};
}

inline Step fatal(lua_State* T, std::string message) {
  impl(T).note_fatal(std::move(message));
  return {Then::raise_fatal, 0};
}

inline Step suspend(lua_State* T, PendingOp op) {
  impl(T).threads[T].pending = std::move(op);
  return {Then::yield, 0};
}

template <Step (*Body)(lua_State*)>
Step run_body(lua_State* T) {
  try {
    return Body(T);
  } catch (const std::invalid_argument& e) {  // a sink refused what the script gave it
    return error_here(T, e.what());
  } catch (const std::exception& e) {  // a sink or host function threw: a script error
    return error_here(T, fmt::format("host function failed: {}", e.what()));
  }
}

template <Step (*Body)(lua_State*)>
int host_call(lua_State* T) {
  const Step step = run_body<Body>(T);
  switch (step.then) {
    case Then::return_values: return step.results;
    case Then::raise_error: return lua_error(T);
    case Then::raise_fatal: raise_fatal(T);
    case Then::yield: return lua_yieldk(T, 0, 0, SequenceRunner::Impl::finish_engine_call);
  }
  return 0;
}

}  // namespace ledlab::lua::detail
