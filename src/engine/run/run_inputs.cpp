#include "engine/run/run_inputs.hpp"

#include "db/json_text.hpp"
#include "engine/lua/sequence_runner.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ledlab::engine {

using nlohmann::json;

namespace {

// The stored parameter values as -p overrides, so a resumed run sees exactly what it had.
// A value equal to the script's default (same JSON text, so 85 is not 85.0) is left to the
// script, which then gets it as it wrote it: an override text is parsed by the declared
// type, and "85" in a list of numbers would come back as 85.0, a different series key. Every
// other value was itself parsed from an override, and its text parses back to it.
lua::Overrides overrides_from(const json& values, const std::vector<lua::ParamDecl>& decls) {
  lua::Overrides out;
  if (!values.is_object()) return out;
  for (const auto& [name, v] : values.items()) {
    const auto decl = std::find_if(decls.begin(), decls.end(), [&](const auto& d) { return d.name == name; });
    if (decl != decls.end() && db::json_text(decl->default_value) == db::json_text(v)) continue;
    if (v.is_string()) {
      out[name] = v.get<std::string>();
    } else if (v.is_array()) {
      std::string list;
      for (const auto& item : v) list += (list.empty() ? "" : ",") + db::json_text(item);
      out[name] = list;
    } else {
      out[name] = db::json_text(v);
    }
  }
  return out;
}

// Text that goes into the store and out as JSON must be UTF-8 (RFC 8259 section 8.1).
Status check_utf8(std::string_view what, std::string_view text) {
  if (auto bad = db::utf8_error(text))
    return fail(Errc::config, fmt::format("{}: the value is not valid UTF-8 ({})", what, *bad));
  return {};
}

Status check_request_text(const RunRequest& request) {
  for (const auto& [name, value] : request.overrides) {
    if (auto st = check_utf8("parameter name", name); !st) return st;
    if (auto st = check_utf8(fmt::format("parameter {}", name), value); !st) return st;
  }
  if (auto st = check_utf8("--dut", request.dut_serial); !st) return st;
  return check_utf8("--operator", request.operator_name);
}

}  // namespace

Result<SequenceNeeds> sequence_needs(const lua::SequenceScript& script, const lua::Overrides& overrides,
                                     std::size_t memory_limit_bytes) {
  auto declared = script.needs(overrides, lua::RunOptions{}.instruction_budget, memory_limit_bytes);
  if (!declared) return fail(declared.error());
  if (!*declared) return SequenceNeeds{};
  auto needs = parse_needs((*declared)->table);
  if (!needs) return fail(Errc::config, (*declared)->at + needs.error().message);
  return needs;
}

Result<Prepared> prepare_new(const RunRequest& request) {
  if (auto st = check_request_text(request); !st) return fail(st.error());
  auto script = lua::SequenceScript::load_file(request.script);
  if (!script) return fail(script.error());
  auto decls = script->parameters(lua::RunOptions{}.instruction_budget, request.script_memory_bytes);
  if (!decls) return fail(decls.error());
  auto params = lua::resolve_parameters(*decls, request.overrides);
  if (!params) return fail(params.error());
  auto needs = sequence_needs(*script, request.overrides, request.script_memory_bytes);
  if (!needs) return fail(needs.error());
  return Prepared{std::move(*script), std::move(*params), request.overrides, request.station, request.simulate,
                  request.virtual_time, std::move(*needs)};
}

Result<Prepared> prepare_resume(const RunRequest& request, const db::RunRecord& run) {
  Prepared p;
  p.script = lua::SequenceScript(run.script_text, run.sequence + ".lua");
  p.parameters = json::parse(run.parameters_json, nullptr, false);
  auto decls = p.script.parameters();
  p.overrides = overrides_from(p.parameters, decls ? *decls : std::vector<lua::ParamDecl>{});
  auto needs = sequence_needs(p.script, p.overrides, request.script_memory_bytes);
  if (!needs) return fail(needs.error());
  p.needs = std::move(*needs);
  const json station = json::parse(run.station_json, nullptr, false);
  if (!request.station.source.empty()) {
    p.station = request.station;  // the operator named the station file to go on with
  } else {
    if (!station.is_object() || !station.contains("text"))
      return fail(Errc::config, fmt::format("run {} has no station text stored; give --station", run.uuid));
    auto parsed = parse_station(station["text"].get<std::string>(), station.value("source", "stored station"));
    if (!parsed) return fail(parsed.error());
    p.station = std::move(*parsed);
    // The run's own time scale (`ledlab run --time-scale` overrides the file's).
    if (station.contains("time_scale") && station["time_scale"].is_number())
      p.station.time_scale = station["time_scale"].get<double>();
  }
  if (request.time_scale > 0) p.station.time_scale = request.time_scale;
  p.simulate = request.simulate || (station.is_object() && station.value("simulated", false));
  p.virtual_time = request.virtual_time || (station.is_object() && station.value("virtual_time", false));
  return p;
}

}  // namespace ledlab::engine
