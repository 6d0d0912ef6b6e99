#include "gui/view/dashboard.hpp"

#include "gui/core/ticks.hpp"
#include "gui/view/style.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ledlab::gui {

namespace {

std::string duration(double s) {
  if (!std::isfinite(s) || s < 0) return "--";
  const auto t = static_cast<long long>(s);
  if (t >= 86400) return fmt::format("{}d {:02}h{:02}m", t / 86400, t % 86400 / 3600, t % 3600 / 60);
  return fmt::format("{:02}:{:02}:{:02}", t / 3600, t % 3600 / 60, t % 60);
}

ImU32 verdict_colour(db::RunOutcome outcome) {
  switch (outcome) {
    case db::RunOutcome::pass: return IM_COL32(80, 200, 110, 255);
    case db::RunOutcome::fail: return IM_COL32(255, 80, 70, 255);
    case db::RunOutcome::not_judged:
    case db::RunOutcome::not_finished: break;
  }
  return colours::dim;
}

std::size_t alarm_count(const Model& m) {
  std::size_t n = 0;
  for (const auto& i : m.instruments) n += i.alarm || !i.fault.empty();
  for (const auto& l : m.live.engine.interlocks) n += l.state == "tripped";
  return n;
}

}  // namespace

void Dashboard::frame(const Model& model) {
  const ImGuiIO& io = ImGui::GetIO();
  ui_.clear();
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(io.DisplaySize);
  ImGui::Begin("ledlab", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoBringToFrontOnFocus |
                   ImGuiWindowFlags_NoSavedSettings);
  if (model.run && static_cast<std::uint64_t>(model.run->id) != run_id_) {
    run_id_ = static_cast<std::uint64_t>(model.run->id);
    for (auto& [name, view] : views_) view.auto_fit = true;
  }
  const float top = 114;
  top_bar(model, top);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float left_w = std::clamp(avail.x * 0.24f, 300.0f, 420.0f);
  const float right_w = std::clamp(avail.x * 0.30f, 320.0f, 520.0f);
  const float centre_w = avail.x - left_w - right_w - 2 * ImGui::GetStyle().ItemSpacing.x;

  ImGui::BeginChild("left", ImVec2(left_w, avail.y), false);
  run_control(model);
  station(model);
  event_log(model);
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("centre", ImVec2(centre_w, avail.y), false, ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  plots(model, ImVec2(centre_w, avail.y));
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("right", ImVec2(right_w, avail.y), false);
  lanes(model, ImVec2(right_w, std::min(right_w - 60, avail.y * 0.52f)));
  results_.update(model);
  if (ImGui::BeginTabBar("store")) {
    auto front = [&](const char* name) { return tab_ == name ? ImGuiTabItemFlags_SetSelected : ImGuiTabItemFlags_None; };
    if (ImGui::BeginTabItem("Runs", nullptr, front("Runs"))) {
      browser(model);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Results", nullptr, front("Results"))) {
      results_.results_tab();
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Compare", nullptr, front("Compare"))) {
      results_.compare_tab();
      ImGui::EndTabItem();
    }
    const std::string lane_tab = model.selected_lane > 0 ? fmt::format("Lane {}###lane", model.selected_lane) : "Lane###lane";
    if (ImGui::BeginTabItem(lane_tab.c_str(), nullptr, front("Lane"))) {
      results_.lane_tab();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
    tab_.clear();
  }
  ImGui::EndChild();
  ImGui::End();
}

void Dashboard::top_bar(const Model& model, float height) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 o = ImGui::GetCursorScreenPos();
  const float w = ImGui::GetContentRegionAvail().x;
  const std::string state = model.state();
  dl->AddRectFilled(o, ImVec2(o.x + w, o.y + height), colours::panel_bg, 4);
  // The state badge: the one thing to read from across the lab.
  std::string badge = state;
  std::transform(badge.begin(), badge.end(), badge.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (fonts_.large) ImGui::PushFont(fonts_.large);
  const ImVec2 bs = ImGui::CalcTextSize(badge.c_str());
  const float badge_w = std::max(bs.x + 32, 190.0f);
  dl->AddRectFilled(ImVec2(o.x + 8, o.y + 8), ImVec2(o.x + 8 + badge_w, o.y + height - 8), colours::state(state), 6);
  dl->AddText(ImVec2(o.x + 8 + (badge_w - bs.x) / 2, o.y + (height - bs.y) / 2), IM_COL32(255, 255, 255, 255), badge.c_str());
  if (fonts_.large) ImGui::PopFont();

  const auto& live = model.live.engine;
  const float x = o.x + badge_w + 24;
  ImGui::SetCursorScreenPos(ImVec2(x, o.y + 8));
  ImGui::BeginGroup();
  if (model.run) {
    ImGui::Text("%s   run %s   station %s   DUT %s", model.run->sequence.c_str(), model.run->uuid.substr(0, 8).c_str(),
                (live.station.empty() ? model.station_name : live.station).c_str(),
                model.run->dut_serial.empty() ? "-" : model.run->dut_serial.c_str());
  } else {
    ImGui::Text("no run on display   station %s   store %s", model.station_name.c_str(), model.db_path.c_str());
  }
  const float bar_w = std::max(200.0f, w - badge_w - 420);
  const double progress = model.run && model.run->status == db::RunStatus::finished ? 1.0 : live.progress;
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, colours::vec(colours::state(state)));
  ImGui::ProgressBar(static_cast<float>(progress), ImVec2(bar_w, 24), fmt::format("{:.0f} %", progress * 100).c_str());
  ImGui::PopStyleColor();
  ImGui::Text("step: %s", live.step.empty() ? "-" : live.step.c_str());
  ImGui::SameLine(bar_w * 0.55f);
  ImGui::Text("ETA %s   elapsed %s   samples %lld", live.eta_s ? duration(*live.eta_s).c_str() : "--",
              duration(live.elapsed_s).c_str(), static_cast<long long>(model.samples));
  // The verdict in `ledlab show`'s words, with what it is built from; a run that did not
  // finish says it has none yet. One line: the whole of it on hover.
  if (model.verdict) {
    const std::string headline = "verdict: " + model.verdict->headline();
    const float room = w - badge_w - 420;
    ImGui::PushClipRect(ImVec2(x, o.y), ImVec2(x + room, o.y + height), true);
    ImGui::TextColored(colours::vec(verdict_colour(model.verdict->outcome)), "%s", headline.c_str());
    ImGui::PopClipRect();
    if (ImGui::IsItemHovered() && ImGui::CalcTextSize(headline.c_str()).x > room) {
      ImGui::BeginTooltip();
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
      ImGui::TextUnformatted(headline.c_str());
      ImGui::PopTextWrapPos();
      ImGui::EndTooltip();
    }
  }
  ImGui::EndGroup();

  // Alarms and the steering buttons, right-aligned.
  const std::size_t alarms = alarm_count(model);
  ImGui::SetCursorScreenPos(ImVec2(o.x + w - 390, o.y + 10));
  ImGui::BeginGroup();
  const ImU32 alarm_colour = alarms ? IM_COL32(200, 40, 40, 255) : IM_COL32(50, 54, 62, 255);
  ImGui::PushStyleColor(ImGuiCol_Button, colours::vec(alarm_colour));
  ImGui::Button(alarms ? fmt::format("{} ALARM{}", alarms, alarms > 1 ? "S" : "").c_str() : "no alarms", ImVec2(120, 32));
  ImGui::PopStyleColor();
  ImGui::SameLine();
  const bool attached = model.live.attached;
  ImGui::BeginDisabled(!attached);
  if (state == "paused" || state == "suspended") {
    if (ImGui::Button("Resume", ImVec2(110, 32))) steer("resume");
    ui_.item("resume");
  } else {
    if (ImGui::Button("Pause", ImVec2(110, 32))) steer("pause");
    ui_.item("pause");
  }
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Button, colours::vec(IM_COL32(150, 30, 30, 255)));
  if (ImGui::Button("Abort", ImVec2(110, 32))) ImGui::OpenPopup("confirm abort");
  ui_.item("abort");
  ImGui::PopStyleColor();
  ImGui::EndDisabled();
  if (ImGui::BeginPopup("confirm abort")) {
    ImGui::Text("Abort run %s? Instruments go to their safe state.", model.run ? model.run->uuid.substr(0, 8).c_str() : "");
    const bool confirmed = ImGui::Button("Abort the run");
    ui_.item("abort_confirm");
    if (confirmed) {
      steer("abort");
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  const std::string why = !live.message.empty() ? live.message
                          : !model.live.control_error.empty() && model.run && model.run->status == db::RunStatus::running
                              ? model.live.control_error
                              : model.notice;
  ImGui::PushTextWrapPos(o.x + w - 8);
  ImGui::TextColored(colours::vec(colours::dim), "%s", why.c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + height + 6));
}

void Dashboard::plots(const Model& model, ImVec2 size) {
  if (model.plots.empty()) {
    PlotView view;
    draw_plot("empty", PlotData{.title = model.run ? "waiting for data" : "no run: start one or open one from the store"},
              view, ImVec2(size.x, size.y - 8), scratch_);
    return;
  }
  // Plots with data share the area; those without get one short row at the bottom.
  std::vector<const PlotData*> full, empty;
  for (const auto& p : model.plots) (p.empty() ? empty : full).push_back(&p);
  const ImVec2 spacing = ImGui::GetStyle().ItemSpacing;
  const float empty_h = empty.empty() ? 0 : 44;
  const int n = static_cast<int>(full.size());
  const int rows = std::max(1, (n + 1) / 2);
  const float h = (size.y - empty_h - spacing.y * static_cast<float>(rows + (empty.empty() ? 0 : 1))) / static_cast<float>(rows);
  for (int i = 0; i < n; ++i) {
    const bool last_alone = i == n - 1 && n % 2 == 1;
    const float w = last_alone ? size.x : (size.x - spacing.x) / 2;
    const auto& p = *full[static_cast<std::size_t>(i)];
    const ImVec2 at = ImGui::GetCursorScreenPos();
    draw_plot(p.title.c_str(), p, views_[p.title], ImVec2(w, h), scratch_);
    ui_.rect("plot:", p.title, at, ImVec2(at.x + w, at.y + h));
    if (i % 2 == 0 && !last_alone) ImGui::SameLine();
  }
  const float w = (size.x - spacing.x * static_cast<float>(empty.size() - (empty.empty() ? 0 : 1))) / static_cast<float>(std::max<std::size_t>(empty.size(), 1));
  for (std::size_t i = 0; i < empty.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(w, empty_h));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(o, ImVec2(o.x + w, o.y + empty_h), colours::panel_bg, 4);
    dl->AddText(ImVec2(o.x + 8, o.y + 13), colours::dim, fmt::format("{}: no data", empty[i]->title).c_str());
  }
}

void Dashboard::lanes(const Model& model, ImVec2 size) {
  const auto& metrics = model.lanes.metrics;
  // Keep the metric the operator chose (by name) as metrics come and go.
  metric_ = 0;
  for (std::size_t i = 0; i < metrics.size(); ++i)
    if (metrics[i].name == wanted_metric_) metric_ = i;
  ImGui::Text("Array map");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  if (ImGui::BeginCombo("##metric", metrics.empty() ? "no data" : metrics[metric_].name.c_str())) {
    for (std::size_t i = 0; i < metrics.size(); ++i)
      if (ImGui::Selectable(metrics[i].name.c_str(), i == metric_)) wanted_metric_ = metrics[i].name;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (model.selected_lane > 0) {
    if (ImGui::SmallButton(fmt::format("lane {} x", model.selected_lane).c_str())) send_(SelectLane{0});
    ui_.item("lane_clear");
  } else {
    ImGui::TextDisabled("click a lane for its plots");
  }
  shown_metric_ = metrics.empty() ? "" : metrics[metric_].name;
  if (int lane = draw_lane_map(model.lanes, metric_, size, cells_); lane > 0) send_(SelectLane{lane});
}

nlohmann::json Dashboard::layout(const Model& model) const {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& c : cells_)
    cells.push_back({{"lane", c.lane}, {"x0", c.min.x}, {"y0", c.min.y}, {"x1", c.max.x}, {"y1", c.max.y},
                     {"value", c.value ? nlohmann::json(*c.value) : nlohmann::json(nullptr)},
                     {"mark", to_string(c.mark)}});
  nlohmann::json j{{"run_uuid", model.run ? model.run->uuid : ""}, {"state", model.state()},
                   {"metric", shown_metric_}, {"rows", model.lanes.rows}, {"cols", model.lanes.cols}, {"cells", cells},
                   {"display", {ImGui::GetIO().DisplaySize.x, ImGui::GetIO().DisplaySize.y}},
                   {"attached", model.live.attached}, {"selected_lane", model.selected_lane},
                   {"notice", model.notice}, {"widgets", ui_.to_json()}, {"active", ui_.active()},
                   {"mouse", {ImGui::GetIO().MousePos.x, ImGui::GetIO().MousePos.y}}};
  nlohmann::json views = nlohmann::json::object();
  for (const auto& [title, v] : views_)
    views[title] = {{"x0", v.x0}, {"x1", v.x1}, {"y0", v.y0}, {"y1", v.y1}, {"auto_fit", v.auto_fit}};
  j["plots"] = std::move(views);
  // The run form as typed: a test sees its input arrive before it presses Start.
  nlohmann::json params = nlohmann::json::object();
  const std::string seq = sequence_ < static_cast<int>(model.sequences.size())
                              ? model.sequences[static_cast<std::size_t>(sequence_)].name + "/" : std::string("?/");
  for (const auto& [key, text] : param_text_)
    if (key.starts_with(seq)) params[key.substr(seq.size())] = text;
  j["form"] = {{"station", form_.station}, {"dut", form_.dut_serial}, {"operator", form_.operator_name},
               {"simulate", form_.simulate}, {"params", std::move(params)}};
  j["results"] = results_.layout();
  for (const auto& m : model.lanes.metrics)
    if (m.name == shown_metric_)
      j.update({{"unit", m.unit}, {"lo", m.lo}, {"hi", m.hi}, {"log", m.log_scale}, {"verdict", m.verdict}});
  return j;
}

}  // namespace ledlab::gui
