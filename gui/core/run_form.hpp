#pragma once
// The run-control form: what the next run from the dashboard is started with. Shown with a
// run on display it is filled from that run (its station file, DUT, operator, simulation and
// parameters as the store keeps them), so that "the same again on the next DUT" is one field.
#include "db/records.hpp"
#include "gui/core/model.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace ledlab::gui {

struct RunForm {
  std::string sequence;  // its name, as in SequenceEntry::name; empty: keep the one chosen
  std::string station;   // station file
  std::string dut_serial;
  std::string operator_name;
  bool simulate = true;
  std::map<std::string, std::string> params;  // name -> text as on the command line
};

// A parameter value as the command line writes it: 25,55,85 for a list, 1e-06 for a number.
std::string param_text(const nlohmann::json& value);

// No run on display: the dashboard's own --station, the login name as operator, simulated.
RunForm blank_form(const std::string& station_file, const std::string& user);

// The form for another run like `run`. A store written before a field existed gives the
// blank form's value for it.
RunForm form_from_run(const db::RunRecord& run, const RunForm& blank);

// What Start sends: every parameter whose text differs from the sequence's declared default.
StartRun start_request(const RunForm& form, const SequenceEntry& sequence,
                       const std::map<std::string, std::string>& param_texts);

}  // namespace ledlab::gui
