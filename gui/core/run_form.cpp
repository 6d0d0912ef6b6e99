#include "gui/core/run_form.hpp"

#include <fmt/format.h>

namespace ledlab::gui {

std::string param_text(const nlohmann::json& value) {
  if (value.is_array()) {
    std::string s;
    for (const auto& x : value) s += (s.empty() ? "" : ",") + param_text(x);
    return s;
  }
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return fmt::format("{}", value.get<long long>());
  if (value.is_number()) return fmt::format("{:g}", value.get<double>());
  return value.dump();
}

RunForm blank_form(const std::string& station_file, const std::string& user) {
  return {.sequence = {}, .station = station_file, .dut_serial = {}, .operator_name = user, .simulate = true, .params = {}};
}

RunForm form_from_run(const db::RunRecord& run, const RunForm& blank) {
  RunForm form = blank;
  form.sequence = run.sequence;
  form.dut_serial = run.dut_serial;
  if (!run.operator_name.empty()) form.operator_name = run.operator_name;
  const auto station = nlohmann::json::parse(run.station_json, nullptr, false);
  if (station.is_object()) {
    if (const auto it = station.find("source"); it != station.end() && it->is_string() && !it->get<std::string>().empty())
      form.station = it->get<std::string>();
    if (const auto it = station.find("simulated"); it != station.end() && it->is_boolean()) form.simulate = it->get<bool>();
  }
  const auto params = nlohmann::json::parse(run.parameters_json, nullptr, false);
  if (params.is_object())
    for (const auto& [name, value] : params.items()) form.params[name] = param_text(value);
  return form;
}

StartRun start_request(const RunForm& form, const SequenceEntry& sequence,
                       const std::map<std::string, std::string>& param_texts) {
  StartRun start{.script = sequence.path, .params = {}, .station = form.station, .dut_serial = form.dut_serial,
                 .operator_name = form.operator_name, .simulate = form.simulate};
  for (const auto& p : sequence.params) {
    const auto it = param_texts.find(p.name);
    if (it != param_texts.end() && it->second != param_text(p.default_value)) start.params[p.name] = it->second;
  }
  return start;
}

}  // namespace ledlab::gui
