// The dashboard's side panels: run control, station, event log, run browser, results.
#include "core/time_format.hpp"
#include "gui/core/ticks.hpp"
#include "gui/view/dashboard.hpp"
#include "gui/view/style.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <initializer_list>
#include <map>

namespace ledlab::gui {

namespace {

std::string clock_time(double t_s) {
  return format_utc(t_s, "%m-%d %H:%M:%S");
}

// One labelled text field of the run form, named in the ui map.
void form_field(UiMap& ui, const char* label, const char* name, std::string& text) {
  ImGui::TableNextRow();
  ImGui::TableNextColumn();
  ImGui::TextUnformatted(label);
  ImGui::TableNextColumn();
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s", text.c_str());
  ImGui::SetNextItemWidth(-1);
  // A click selects the whole field: typing replaces it (a DUT serial is typed, not edited).
  if (ImGui::InputText((std::string("##") + name).c_str(), buf, sizeof buf, ImGuiInputTextFlags_AutoSelectAll)) text = buf;
  ui.item(name);
}

ImVec4 event_colour(db::EventKind kind) {
  switch (kind) {
    case db::EventKind::alarm: return colours::vec(IM_COL32(255, 90, 80, 255));
    case db::EventKind::fault: return colours::vec(IM_COL32(255, 150, 60, 255));
    case db::EventKind::operator_action: return colours::vec(IM_COL32(120, 190, 255, 255));
    case db::EventKind::state: return colours::vec(IM_COL32(130, 220, 140, 255));
    case db::EventKind::info: break;
  }
  return colours::vec(colours::text);
}

// A panel heading (ImGui 1.86 has no SeparatorText).
void section(const std::string& title) {
  ImGui::Spacing();
  ImGui::TextColored(colours::vec(colours::title), "%s", title.c_str());
  ImGui::Separator();
}

// A scrolling table with a frozen header row.
bool begin_list(const char* id, std::initializer_list<const char*> columns) {
  if (!ImGui::BeginTable(id, static_cast<int>(columns.size()),
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp))
    return false;
  ImGui::TableSetupScrollFreeze(0, 1);
  for (const char* c : columns) ImGui::TableSetupColumn(c);
  ImGui::TableHeadersRow();
  return true;
}

}  // namespace

void Dashboard::run_control(const Model& model) {
  section("Run control");
  if (model.sequences.empty()) {
    ImGui::TextDisabled("no sequences found");
    return;
  }
  // Another run on display fills the form from it: the next run is "the same again", maybe on
  // another DUT. With none, the dashboard's --station and the login name.
  const std::int64_t shown = model.run ? model.run->id : 0;
  if (shown != form_run_ || (!model.run && form_.station.empty() && !model.station_file.empty())) {
    form_run_ = shown;
    const char* user = std::getenv("USER");
    const RunForm blank = blank_form(model.station_file, user ? user : "");
    form_ = model.run ? form_from_run(*model.run, blank) : blank;
    for (const auto& [name, text] : form_.params) param_text_[form_.sequence + "/" + name] = text;
    for (std::size_t i = 0; i < model.sequences.size(); ++i)
      if (model.sequences[i].name == form_.sequence) sequence_ = static_cast<int>(i);
  }
  sequence_ = std::clamp(sequence_, 0, static_cast<int>(model.sequences.size()) - 1);
  const auto& seq = model.sequences[static_cast<std::size_t>(sequence_)];
  ImGui::SetNextItemWidth(-1);
  const bool choosing = ImGui::BeginCombo("##sequence", seq.name.c_str());
  ui_.item("sequence");  // the combo itself, before its list's items are the last ones
  if (choosing) {
    for (int i = 0; i < static_cast<int>(model.sequences.size()); ++i) {
      const auto& name = model.sequences[static_cast<std::size_t>(i)].name;
      if (ImGui::Selectable(name.c_str(), i == sequence_)) sequence_ = i;
      ui_.item("sequence:", name);
    }
    ImGui::EndCombo();
  }
  if (!seq.error.empty()) ImGui::TextColored(colours::vec(IM_COL32(255, 120, 100, 255)), "%s", seq.error.c_str());
  if (ImGui::BeginTable("form", 2, ImGuiTableFlags_SizingStretchProp)) {
    form_field(ui_, "station file", "station", form_.station);
    form_field(ui_, "DUT serial", "dut", form_.dut_serial);
    form_field(ui_, "operator", "operator", form_.operator_name);
    ImGui::EndTable();
  }
  ImGui::Checkbox("simulate (the station's twins)", &form_.simulate);
  ui_.item("simulate");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("unchecked: the station file's real instruments");
  std::map<std::string, std::string> texts;  // this sequence's parameters as typed
  // A long parameter list scrolls rather than pushing the station and the event log away.
  const float row = ImGui::GetFrameHeightWithSpacing();
  ImGui::BeginChild("params", ImVec2(0, std::min(row * static_cast<float>(seq.params.size()) + 4, row * 6.5f)));
  if (ImGui::BeginTable("params", 2, ImGuiTableFlags_SizingStretchProp)) {
    for (const auto& p : seq.params) {
      std::string& text = param_text_.try_emplace(seq.name + "/" + p.name, param_text(p.default_value)).first->second;
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%s%s", p.name.c_str(), p.unit.empty() ? "" : fmt::format(" [{}]", p.unit).c_str());
      if (ImGui::IsItemHovered() && !p.description.empty()) ImGui::SetTooltip("%s (%s)", p.description.c_str(), p.type.c_str());
      ImGui::TableNextColumn();
      char buf[256];
      std::snprintf(buf, sizeof buf, "%s", text.c_str());
      ImGui::SetNextItemWidth(-1);
      if (ImGui::InputText(("##" + p.name).c_str(), buf, sizeof buf, ImGuiInputTextFlags_AutoSelectAll)) text = buf;
      ui_.item("param:", p.name);
      texts[p.name] = text;
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
  const bool busy = model.live.attached;
  ImGui::BeginDisabled(busy);
  const char* label = busy ? "Start (a run is live)" : form_.simulate ? "Start run (simulated)" : "Start run (real instruments)";
  if (ImGui::Button(label, ImVec2(-1, 0))) send_(start_request(form_, seq, texts));
  ui_.item("start");
  ImGui::EndDisabled();
}

void Dashboard::station(const Model& model) {
  section(fmt::format("Station {}", model.station_name).c_str());
  if (model.instruments.empty()) {
    ImGui::TextDisabled("no instruments");
    return;
  }
  for (const auto& i : model.instruments) {
    const bool ok = i.link == "connected";
    const ImU32 dot = i.alarm ? IM_COL32(230, 50, 50, 255)
                      : !i.fault.empty() ? IM_COL32(240, 150, 40, 255)
                      : ok ? IM_COL32(60, 190, 90, 255)
                           : IM_COL32(120, 124, 132, 255);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddCircleFilled(ImVec2(p.x + px(7), p.y + px(9)), px(6), dot);
    ImGui::Dummy(ImVec2(px(16), px(16)));
    ImGui::SameLine();
    ImGui::Text("%s", i.name.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s  %s", i.kind.c_str(), i.link.c_str());
    if (i.alarm) {
      ImGui::SameLine();
      ImGui::TextColored(colours::vec(IM_COL32(255, 80, 70, 255)), "ALARM");
    }
    ImGui::Indent(22);
    ImGui::PushTextWrapPos(0);
    if (!i.idn.empty()) ImGui::TextDisabled("%s", i.idn.c_str());
    if (!i.last_reading.empty()) ImGui::Text("%s", i.last_reading.c_str());
    if (!i.fault.empty()) ImGui::TextColored(colours::vec(IM_COL32(255, 150, 60, 255)), "fault: %s", i.fault.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Unindent(22);
  }
  for (const auto& l : model.live.engine.interlocks) {
    if (l.state == "ok") continue;
    ImGui::TextColored(colours::vec(l.state == "tripped" ? IM_COL32(255, 80, 70, 255) : IM_COL32(240, 180, 40, 255)),
                       "interlock %s %s: %s", l.name.c_str(), l.state.c_str(), l.message.c_str());
  }
}

void Dashboard::event_log(const Model& model) {
  section("Event log");
  ImGui::BeginChild("events", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
  // Newest first: interlock trips and operator actions are what the operator looks for.
  for (auto it = model.events.rbegin(); it != model.events.rend(); ++it) {
    ImGui::TextDisabled("%s", it->t_s ? clock_time(*it->t_s).c_str() : "");
    ImGui::SameLine();
    ImGui::TextColored(event_colour(it->kind), "%s: %s", it->source.c_str(), it->message.c_str());
  }
  if (model.events.empty()) ImGui::TextDisabled("no events");
  ImGui::EndChild();
}

// The lab database's filters (station, DUT, DUT type, sequence): applied with the button.
void Dashboard::lab_filters(const Model& model) {
  ImGui::TextDisabled("lab database %s", model.lab.c_str());
  if (!ImGui::BeginTable("lab filters", 2, ImGuiTableFlags_SizingStretchProp)) return;
  form_field(ui_, "station", "lab station", lab_filter_text_[0]);
  form_field(ui_, "DUT", "lab dut", lab_filter_text_[1]);
  form_field(ui_, "DUT type", "lab dut type", lab_filter_text_[2]);
  form_field(ui_, "sequence", "lab sequence", lab_filter_text_[3]);
  ImGui::EndTable();
  if (ImGui::Button("List runs")) {
    const auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional<std::string>(s); };
    db::RunFilter f = model.lab_filter;
    f.station = opt(lab_filter_text_[0]);
    f.dut_serial = opt(lab_filter_text_[1]);
    f.dut_type = opt(lab_filter_text_[2]);
    f.sequence = opt(lab_filter_text_[3]);
    send_(FilterRuns{f});
  }
  ui_.item("list runs");
}

void Dashboard::browser(const Model& model) {
  if (!model.store_error.empty()) ImGui::TextColored(colours::vec(IM_COL32(255, 150, 60, 255)), "%s", model.store_error.c_str());
  const bool lab = !model.lab.empty();
  if (lab) {
    if (!lab_filters_filled_) {
      lab_filters_filled_ = true;
      lab_filter_text_ = {model.lab_filter.station.value_or(""), model.lab_filter.dut_serial.value_or(""),
                          model.lab_filter.dut_type.value_or(""), model.lab_filter.sequence.value_or("")};
    }
    lab_filters(model);
  }
  if (!(lab ? begin_list("runs", {"started", "station", "sequence", "status", "run"})
            : begin_list("runs", {"cmp", "started", "sequence", "status", "run"})))
    return;
  for (std::size_t i = 0; i < model.runs.size(); ++i) {
    const auto& r = model.runs[i];
    ImGui::TableNextRow();
    if (!lab) {
      ImGui::TableNextColumn();
      results_.pick_box(r);
    }
    ImGui::TableNextColumn();
    // Lab runs of different stations may share a local id: the uuid tells them apart.
    const bool shown = model.run && (lab ? model.run->uuid == r.uuid : model.run->id == r.id);
    if (ImGui::Selectable(clock_time(r.started_s).c_str(), shown, ImGuiSelectableFlags_SpanAllColumns)) send_(OpenRun{r.uuid});
    if (lab) {
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(i < model.run_stations.size() ? model.run_stations[i].c_str() : "");
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(r.sequence.c_str());
    ImGui::TableNextColumn();
    ImGui::TextColored(colours::vec(colours::state(db::to_string(r.status))), "%s", std::string(db::to_string(r.status)).c_str());
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", r.uuid.substr(0, 8).c_str());
  }
  ImGui::EndTable();
}

}  // namespace ledlab::gui
