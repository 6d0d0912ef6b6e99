#include "engine/run/run_snapshot.hpp"

#include <fmt/format.h>

namespace ledlab::engine {

using nlohmann::json;

namespace {

json optional_number(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// Reads one field, naming it when it is missing or of the wrong type.
template <class T>
void read_field(const json& j, const char* key, T& out, std::string& error) {
  if (!error.empty()) return;
  auto it = j.find(key);
  if (it == j.end()) {
    error = fmt::format("snapshot: missing field '{}'", key);
    return;
  }
  try {
    if constexpr (std::is_same_v<T, std::optional<double>>) {
      out = it->is_null() ? std::nullopt : std::optional<double>(it->template get<double>());
    } else {
      out = it->template get<T>();
    }
  } catch (const json::exception& e) {
    error = fmt::format("snapshot: field '{}': {}", key, e.what());
  }
}

}  // namespace

json to_json(const RunSnapshot& s) {
  json instruments = json::array();
  for (const auto& i : s.instruments)
    instruments.push_back({{"name", i.name}, {"kind", i.kind}, {"driver", i.driver}, {"address", i.address},
                           {"idn", i.idn}, {"link", i.link}, {"last_reading", i.last_reading},
                           {"last_reading_t_s", optional_number(i.last_reading_t_s)}, {"fault", i.fault},
                           {"alarm", i.alarm}});
  json interlocks = json::array();
  for (const auto& l : s.interlocks)
    interlocks.push_back({{"name", l.name}, {"kind", l.kind}, {"state", l.state}, {"action", l.action},
                          {"message", l.message}});
  json prompt;  // null: none waits
  if (s.prompt)
    prompt = {{"id", s.prompt->id}, {"text", s.prompt->text}, {"choices", s.prompt->choices},
              {"timeout_s", optional_number(s.prompt->timeout_s)},
              {"default", s.prompt->default_choice ? json(*s.prompt->default_choice) : json(nullptr)},
              {"asked_s", s.prompt->asked_s}};
  return {{"prompt", prompt}, {"run_uuid", s.run_uuid}, {"sequence", s.sequence}, {"station", s.station}, {"db_path", s.db_path},
          {"state", s.state}, {"step", s.step}, {"progress", s.progress}, {"eta_s", optional_number(s.eta_s)},
          {"elapsed_s", s.elapsed_s}, {"sim_time_s", s.sim_time_s}, {"time_scale", s.time_scale},
          {"records", s.records}, {"results", s.results}, {"suspensions", s.suspensions}, {"message", s.message},
          {"instruments", instruments}, {"interlocks", interlocks}};
}

Result<RunSnapshot> snapshot_from_json(const json& j) {
  if (!j.is_object()) return fail(Errc::protocol, "snapshot: expected a JSON object");
  RunSnapshot s;
  std::string error;
  read_field(j, "run_uuid", s.run_uuid, error);
  read_field(j, "sequence", s.sequence, error);
  read_field(j, "station", s.station, error);
  read_field(j, "db_path", s.db_path, error);
  read_field(j, "state", s.state, error);
  read_field(j, "step", s.step, error);
  read_field(j, "progress", s.progress, error);
  read_field(j, "eta_s", s.eta_s, error);
  read_field(j, "elapsed_s", s.elapsed_s, error);
  read_field(j, "sim_time_s", s.sim_time_s, error);
  read_field(j, "time_scale", s.time_scale, error);
  read_field(j, "records", s.records, error);
  read_field(j, "results", s.results, error);
  read_field(j, "suspensions", s.suspensions, error);
  read_field(j, "message", s.message, error);
  if (error.empty() && (!j.contains("instruments") || !j["instruments"].is_array()))
    error = "snapshot: missing list 'instruments'";
  if (error.empty() && (!j.contains("interlocks") || !j["interlocks"].is_array()))
    error = "snapshot: missing list 'interlocks'";
  if (!error.empty()) return fail(Errc::protocol, error);
  for (const auto& ji : j["instruments"]) {
    InstrumentStatus i;
    read_field(ji, "name", i.name, error);
    read_field(ji, "kind", i.kind, error);
    read_field(ji, "driver", i.driver, error);
    read_field(ji, "address", i.address, error);
    read_field(ji, "idn", i.idn, error);
    read_field(ji, "link", i.link, error);
    read_field(ji, "last_reading", i.last_reading, error);
    read_field(ji, "last_reading_t_s", i.last_reading_t_s, error);
    read_field(ji, "fault", i.fault, error);
    read_field(ji, "alarm", i.alarm, error);
    s.instruments.push_back(std::move(i));
  }
  for (const auto& jl : j["interlocks"]) {
    InterlockStatus l;
    read_field(jl, "name", l.name, error);
    read_field(jl, "kind", l.kind, error);
    read_field(jl, "state", l.state, error);
    read_field(jl, "action", l.action, error);
    read_field(jl, "message", l.message, error);
    s.interlocks.push_back(std::move(l));
  }
  if (const auto it = j.find("prompt"); error.empty() && it != j.end() && !it->is_null()) {
    PromptStatus p;
    read_field(*it, "id", p.id, error);
    read_field(*it, "text", p.text, error);
    read_field(*it, "choices", p.choices, error);
    read_field(*it, "timeout_s", p.timeout_s, error);
    read_field(*it, "asked_s", p.asked_s, error);
    if (error.empty() && it->contains("default") && (*it)["default"].is_string()) p.default_choice = (*it)["default"].get<std::string>();
    s.prompt = std::move(p);
  }
  if (!error.empty()) return fail(Errc::protocol, error);
  return s;
}

}  // namespace ledlab::engine
