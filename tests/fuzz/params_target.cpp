// -p overrides through a sequence's declarations: see input_targets.hpp.
#include "fuzz/input_targets.hpp"
#include "fuzz/lua_gen.hpp"
#include "fuzz/lua_literal.hpp"

#include "db/json_text.hpp"
#include "engine/lua/params.hpp"
#include "engine/lua/sequence_runner.hpp"
#include "engine/lua/sequence_script.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace ledlab::fuzz {
namespace {

using nlohmann::json;

// Small bounds keep each input fast; the shipped declarations need far less.
constexpr std::uint64_t kInstructionBudget = 200'000;
constexpr std::size_t kMemoryLimit = std::size_t{16} << 20;

struct ParamsInput {
  std::string declarations_from;  // "bandwidth.lua", "lua" or "gen"
  std::string script;             // the script, for "lua" and "gen"
  lua::Overrides overrides;
};

// A params{} call generated from bytes: names, types, defaults, units and descriptions as a
// script should write them, or hostile values in their place.
std::string generated_declarations(std::string_view bytes) {
  static constexpr std::array<std::string_view, 6> kNames{"n", "i", "s", "b", "temps", "x"};
  static constexpr std::array<std::string_view, 5> kTypes{"number", "integer", "string", "boolean", "list"};
  Bytes in(bytes, false);  // the values' types matter here, not their sizes
  std::string script = std::string(kHostileHelpers) + "params {\n";
  while (!in.done()) {
    const unsigned name = in.next() % 8;
    if (name < kNames.size()) script += kNames[name];
    else script += "[" + (name == 6 ? raw_string(in, in.next() % 4) : hostile_value(in)) + "]";
    script += " = { ";
    const unsigned type = in.next() % 7;
    if (type < kTypes.size()) script += fmt::format("type = \"{}\", ", kTypes[type]);
    else if (type == 5) script += "type = " + hostile_value(in) + ", ";
    const unsigned fields = in.next();
    if (fields & 1) script += "default = " + hostile_value(in) + ", ";
    if (fields & 2) script += "default = {" + hostile_list(in, in.next() % 4) + "}, ";
    if (fields & 4) script += "unit = " + hostile_value(in) + ", ";
    if (fields & 8) script += "description = " + hostile_value(in) + ", ";
    if (fields & 16) {  // a key params{} does not know
      script += "[" + hostile_value(in) + "] = ";
      script += hostile_value(in) + ", ";
    }
    script += "},\n";
  }
  return script + "}\n";
}

ParamsInput split(std::string_view input) {
  ParamsInput in;
  auto next_line = [&] {
    const auto nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input.remove_prefix(nl == std::string_view::npos ? input.size() : nl + 1);
    return line;
  };
  std::string_view first = next_line();
  if (first.starts_with('@')) in.declarations_from = first.substr(1);
  if (in.declarations_from == "lua" || in.declarations_from == "gen") {
    while (!input.empty()) {
      const std::string_view line = next_line();
      if (line == "@end") break;
      in.script.append(line).push_back('\n');
    }
    if (in.declarations_from == "gen") in.script = generated_declarations(in.script);
  }
  while (!input.empty()) {
    const std::string_view line = next_line();
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;  // `ledlab run` refuses these itself
    in.overrides.insert_or_assign(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  return in;
}

// A shipped sequence's declarations, read once per process.
const Result<std::vector<lua::ParamDecl>>& shipped(const std::string& file) {
  static std::map<std::string, Result<std::vector<lua::ParamDecl>>> cache;
  if (auto it = cache.find(file); it != cache.end()) return it->second;
  auto script = lua::SequenceScript::load_file(std::filesystem::path(LEDLAB_SOURCE_DIR) / "sequences" / file);
  auto decls = script ? script->parameters() : Result<std::vector<lua::ParamDecl>>(fail(script.error()));
  return cache.emplace(file, std::move(decls)).first->second;
}

bool is_finite_number(const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }

std::optional<std::string> check_value(const lua::ParamDecl& d, const json& v) {
  bool ok = false;
  if (d.type == "number") ok = is_finite_number(v);
  else if (d.type == "integer") ok = v.is_number_integer();
  else if (d.type == "string") ok = v.is_string();
  else if (d.type == "boolean") ok = v.is_boolean();
  else if (d.type == "list") ok = v.is_array() && std::all_of(v.begin(), v.end(), is_finite_number);
  if (ok) return std::nullopt;
  return fmt::format("parameter {} of type {} resolved to {}", d.name, d.type,
                     v.dump(-1, ' ', false, json::error_handler_t::replace));
}

// `record(params(<declarations>))` run with the overrides must hand the script the values
// resolve_parameters gives, or fail with its message.
std::optional<std::string> check_script_sees(const std::vector<lua::ParamDecl>& decls, const lua::Overrides& overrides,
                                             const Result<json>& resolved) {
  std::optional<json> recorded;
  lua::RunOptions options;
  options.instruction_budget = kInstructionBudget;
  options.memory_limit_bytes = kMemoryLimit;
  options.overrides = overrides;
  lua::Sinks sinks;
  sinks.record = [&](const json& v) { recorded = v; };
  boost::asio::io_context io;  // outlives the runner, whose timers it serves
  lua::SequenceRunner runner(lua::SequenceScript("record(params(" + declarations_literal(decls) + "))\n", "fuzz.lua"),
                             std::move(options), std::move(sinks));
  std::optional<lua::RunOutcome> outcome;
  boost::asio::co_spawn(io, runner.run(), [&](std::exception_ptr e, lua::RunOutcome o) {
    if (e) std::rethrow_exception(e);
    outcome = std::move(o);
  });
  io.run();
  if (!outcome) return std::string("the params{} script did not end");
  if (!resolved) {
    if (outcome->status != lua::RunStatus::failed || outcome->message != resolved.error().message)
      return fmt::format("the script ran ({}: {}) where resolving failed with: {}", to_string(outcome->status),
                         outcome->message, resolved.error().message);
    return std::nullopt;
  }
  if (outcome->status != lua::RunStatus::finished)
    return fmt::format("the params{{}} script failed ({}) where resolving succeeded", outcome->message);
  if (!recorded) return std::string("the params{} script recorded nothing");
  for (const auto& d : decls) {
    const json& want = (*resolved)[d.name];
    const json got = recorded->contains(d.name) ? (*recorded)[d.name] : json();
    const bool both_empty_lists = want.is_array() && want.empty() && got.is_object() && got.empty();  // {} in Lua
    if (got != want && !both_empty_lists)
      return fmt::format("the script got {} = {}, resolving gave {}", d.name, db::json_text(got), db::json_text(want));
  }
  return std::nullopt;
}

std::optional<std::string> check_resolved(const std::vector<lua::ParamDecl>& decls, const lua::Overrides& overrides,
                                          const json& values) {
  if (!values.is_object() || values.size() != decls.size())
    return fmt::format("{} values resolved for {} declarations", values.size(), decls.size());
  for (const auto& d : decls) {
    if (!values.contains(d.name)) return fmt::format("parameter {} is missing", d.name);
    if (auto bad = check_value(d, values[d.name])) return bad;
    const auto o = overrides.find(d.name);
    const auto alone = o == overrides.end() ? Result<json>(d.default_value) : lua::parse_override(d, o->second);
    if (!alone || *alone != values[d.name])
      return fmt::format("parameter {} resolved to {}, alone it gives {}", d.name, db::json_text(values[d.name]),
                         alone ? db::json_text(*alone) : alone.error().message);
  }
  (void)values.dump();  // strict: throws (a finding) on text that is not UTF-8
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_params_input(std::string_view input, std::uint64_t) {
  const ParamsInput in = split(input);
  Result<std::vector<lua::ParamDecl>> decls = std::vector<lua::ParamDecl>{};
  if (!in.script.empty()) {
    decls = lua::SequenceScript(in.script, "fuzz.lua").parameters(kInstructionBudget, kMemoryLimit);
    if (!decls) {
      // Syntax errors, script errors and refused declarations alike name the script line.
      if (!decls.error().message.starts_with("fuzz.lua:"))
        return "declaring the parameters failed without naming the line: " + decls.error().message;
      return std::nullopt;
    }
  } else if (!in.declarations_from.empty()) {
    std::error_code ec;
    if (in.declarations_from.find('/') != std::string::npos ||
        !std::filesystem::is_regular_file(std::filesystem::path(LEDLAB_SOURCE_DIR) / "sequences" / in.declarations_from,
                                          ec))
      return std::nullopt;  // a mutated file name: nothing to declare from
    decls = shipped(in.declarations_from);
    if (!decls) return "a shipped sequence's declarations fail: " + decls.error().message;
  }
  // `ledlab run` refuses text that is not UTF-8 first (engine/run/run_inputs.cpp).
  bool utf8 = true;
  for (const auto& [name, value] : in.overrides) utf8 = utf8 && !db::utf8_error(name) && !db::utf8_error(value);

  const auto resolved = lua::resolve_parameters(*decls, in.overrides);
  if (!resolved) {
    // The first override (in name order) that fails on its own is the one the error names.
    const auto culprit = std::find_if(in.overrides.begin(), in.overrides.end(), [&](const auto& o) {
      return !lua::resolve_parameters(*decls, lua::Overrides{{o.first, o.second}});
    });
    if (culprit == in.overrides.end()) return "resolving failed, but no override fails alone: " + resolved.error().message;
    if (resolved.error().message.find(culprit->first) == std::string::npos)
      return fmt::format("the error does not name parameter '{}': {}", culprit->first, resolved.error().message);
  } else if (utf8) {
    if (auto bad = check_resolved(*decls, in.overrides, *resolved)) return bad;
  }
  if (!utf8) return std::nullopt;
  return check_script_sees(*decls, in.overrides, resolved);
}

}  // namespace ledlab::fuzz
