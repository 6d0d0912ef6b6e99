#include "engine/run/run_inputs.hpp"

#include "engine/lua/sequence_runner.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

using nlohmann::json;

namespace {

// The stored parameter values as -p overrides, so a resumed run sees exactly what it had.
lua::Overrides overrides_from(const json& values) {
  lua::Overrides out;
  if (!values.is_object()) return out;
  for (const auto& [name, v] : values.items()) {
    if (v.is_string()) {
      out[name] = v.get<std::string>();
    } else if (v.is_array()) {
      std::string list;
      for (const auto& item : v) list += (list.empty() ? "" : ",") + item.dump();
      out[name] = list;
    } else {
      out[name] = v.dump();
    }
  }
  return out;
}

}  // namespace

Result<Prepared> prepare_new(const RunRequest& request) {
  auto script = lua::SequenceScript::load_file(request.script);
  if (!script) return fail(script.error());
  auto decls = script->parameters(lua::RunOptions{}.instruction_budget, request.script_memory_bytes);
  if (!decls) return fail(decls.error());
  auto params = lua::resolve_parameters(*decls, request.overrides);
  if (!params) return fail(params.error());
  return Prepared{std::move(*script), std::move(*params), request.overrides, request.station, request.simulate,
                  request.virtual_time};
}

Result<Prepared> prepare_resume(const RunRequest& request, const db::RunRecord& run) {
  Prepared p;
  p.script = lua::SequenceScript(run.script_text, run.sequence + ".lua");
  p.parameters = json::parse(run.parameters_json, nullptr, false);
  p.overrides = overrides_from(p.parameters);
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
