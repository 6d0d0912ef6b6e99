#include "engine/lua/sequence_script.hpp"

#include "engine/lua/lua_value.hpp"
#include "engine/lua/sandbox.hpp"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <optional>
#include <system_error>

namespace ledlab::lua {
namespace {

// State of a declaration pass, reached from hooks and C functions through the extra space.
// Two passes: the parameters pass stops at params{}; the needs pass gives params{} the
// resolved values (the script may compute its needs from them) and stops at needs{}.
enum class Declaration { params, needs };

struct DeclarePass {
  Declaration wanted = Declaration::params;
  const Overrides* overrides = nullptr;  // needs pass: the run's -p values
  std::uint64_t budget = 0;
  std::uint64_t executed = 0;
  std::optional<nlohmann::json> declared;
  std::string declared_at;  // "name:line: " of the call, for errors in the declarations
  std::string error;  // set when the pass ended on its own guard, or on bad parameters
};

constexpr int kHookEvery = 1000;

DeclarePass& pass_of(lua_State* L) { return **static_cast<DeclarePass**>(lua_getextraspace(L)); }

// The declarations are all a pass wants: it stops at its call. (Statement-scoped temporaries
// only: the raise is a longjmp that would skip C++ destructors.)
int declare(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  pass_of(L).declared = to_json(L, 1).value_or(nlohmann::json());
  pass_of(L).declared_at = script_position(L);
  raise_fatal(L);
}

int declare_params(lua_State* L) {
  auto& pass = pass_of(L);
  if (pass.wanted == Declaration::params) return declare(L);
  // The needs pass: params{} returns what it will return in the run. Bad declarations or
  // overrides end the pass here; the parameters pass reports them with their own words.
  bool pushed = false;
  {
    auto table = to_json(L, 1);
    auto decls = table ? parse_declarations(*table) : Result<std::vector<ParamDecl>>(fail(table.error()));
    auto values = decls ? resolve_parameters(*decls, *pass.overrides) : Result<nlohmann::json>(fail(decls.error()));
    if (values) {
      push_json(L, *values);
      pushed = true;
    } else {
      pass.error = script_position(L) + values.error().message;
    }
  }
  if (!pushed) raise_fatal(L);
  return 1;
}

int declare_needs(lua_State* L) {
  if (pass_of(L).wanted == Declaration::needs) return declare(L);
  return 0;  // the parameters pass goes on to params{} (needs{} before it is allowed)
}

// In a declaration pass every name the sandbox does not define is an engine call (sleep,
// an instrument, ...): the script declared nothing before it, so the pass stops.
int stop_at_engine_call(lua_State* L) { raise_fatal(L); }

// Sinks that only report go nowhere in a declaration pass; the script may use them before
// params{} (a banner line, say) without ending the pass.
int ignore_call(lua_State*) { return 0; }

void count_hook(lua_State* L, lua_Debug*) {
  auto& pass = pass_of(L);
  pass.executed += kHookEvery;
  if (pass.executed > pass.budget) {
    luaL_where(L, 0);
    pass.error = fmt::format("{}script ran {} instructions before declaring its {} (runaway loop?)",
                             lua_tostring(L, -1), pass.executed,
                             pass.wanted == Declaration::params ? "parameters" : "needs");
    raise_fatal(L);
  }
}

}  // namespace

Result<SequenceScript> SequenceScript::load_file(const std::filesystem::path& path) {
  // A directory opens as an empty stream on Linux and would run as an empty script.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    return fail(Errc::not_found, fmt::format("cannot open sequence '{}': {}", path.string(),
                                             ec ? ec.message() : "no such file"));
  if (std::filesystem::is_directory(status))
    return fail(Errc::invalid_argument, fmt::format("sequence '{}' is a directory, not a Lua file", path.string()));
  if (!std::filesystem::is_regular_file(status))
    return fail(Errc::invalid_argument, fmt::format("sequence '{}' is not a regular file", path.string()));
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::not_found, fmt::format("cannot open sequence '{}'", path.string()));
  // Read one byte past the cap: the file may have grown since status() looked.
  std::string text(kMaxScriptBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) return fail(Errc::io, fmt::format("cannot read sequence '{}'", path.string()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxScriptBytes)
    return fail(Errc::invalid_argument, fmt::format("sequence '{}' is larger than {} MiB; a sequence script is code, "
                                                    "not data", path.string(), kMaxScriptBytes >> 20));
  return SequenceScript(std::move(text), path.filename().string());
}

namespace {

// Runs the chunk in a fresh sandbox until `pass` has what it wants (or the script's first
// engine call). Errors before that come back as Errc::config.
Status run_pass(const SequenceScript& script, DeclarePass& pass, std::size_t memory_limit_bytes) {
  MemoryBudget memory(memory_limit_bytes);  // outlives the state
  std::unique_ptr<lua_State, decltype(&lua_close)> owner(new_state(memory), &lua_close);
  if (!owner) return fail(Errc::config, "cannot create a Lua state within the script memory limit");
  lua_State* L = owner.get();
  *static_cast<DeclarePass**>(lua_getextraspace(L)) = &pass;
  push_sandbox_env(L);
  lua_pushcfunction(L, declare_params);
  lua_setfield(L, -2, "params");
  lua_pushcfunction(L, declare_needs);
  lua_setfield(L, -2, "needs");
  for (const char* name : {"log", "progress", "record", "result", "checkpoint"}) {
    lua_pushcfunction(L, ignore_call);
    lua_setfield(L, -2, name);
  }
  lua_getmetatable(L, -1);
  lua_pushcfunction(L, stop_at_engine_call);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  if (load_chunk(L, script.text(), script.name(), -1) != LUA_OK) return fail(Errc::config, lua_tostring(L, -1));
  // The chunk runs as a thread of its own: after an error its frames are still there to tell
  // where the memory limit was hit.
  lua_State* T = lua_newthread(L);
  lua_insert(L, -2);
  lua_xmove(L, T, 1);
  lua_sethook(T, count_hook, LUA_MASKCOUNT, kHookEvery);
  int status = LUA_OK;
  {
    ScriptRunning running(memory);
    int nresults = 0;
    status = lua_resume(T, L, 0, &nresults);
  }
  if (status != LUA_OK && status != LUA_YIELD) {
    if (memory.exceeded) return fail(Errc::config, memory_limit_message(T, memory));
    if (!is_fatal(T, -1)) {
      const char* message = lua_tostring(T, -1);
      return fail(Errc::config, message != nullptr ? message : "error object is not a string");
    }
    if (!pass.error.empty()) return fail(Errc::config, pass.error);
  }
  return {};
}

}  // namespace

Result<std::vector<ParamDecl>> SequenceScript::parameters(std::uint64_t instruction_budget,
                                                          std::size_t memory_limit_bytes) const {
  DeclarePass pass;
  pass.budget = instruction_budget;
  if (auto st = run_pass(*this, pass, memory_limit_bytes); !st) return fail(st.error());
  if (!pass.declared) return std::vector<ParamDecl>{};
  auto decls = parse_declarations(*pass.declared);
  if (!decls) return fail(Errc::config, pass.declared_at + decls.error().message);
  return decls;
}

Result<std::optional<Declared>> SequenceScript::needs(const Overrides& overrides, std::uint64_t instruction_budget,
                                                      std::size_t memory_limit_bytes) const {
  DeclarePass pass;
  pass.wanted = Declaration::needs;
  pass.overrides = &overrides;
  pass.budget = instruction_budget;
  if (auto st = run_pass(*this, pass, memory_limit_bytes); !st) return fail(st.error());
  if (!pass.declared) return std::optional<Declared>{};
  return std::optional<Declared>{Declared{std::move(*pass.declared), std::move(pass.declared_at)}};
}

}  // namespace ledlab::lua
