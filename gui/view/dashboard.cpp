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

// The three columns share the window by proportion, so that a large window gives the plots
// and the lane map the room it has. The side columns keep a readable minimum; in a narrow window
// they give way to the plots, down to a floor, before the plots become too small to draw.
struct Columns {
  float left, centre, right;
};
Columns columns(float width, float gap) {
  float left = std::max(width * 0.21f, px(240)), right = std::max(width * 0.28f, px(270));
  const float min_centre = px(300);
  const float over = left + right + 2 * gap + min_centre - width;
  if (over > 0) {
    const float floor_left = px(170), floor_right = px(200);
    const float room = (left - floor_left) + (right - floor_right);
    const float k = room > 0 ? std::min(1.0f, over / room) : 0;
    left -= (left - floor_left) * k;
    right -= (right - floor_right) * k;
  }
  return {left, std::max(1.0f, width - left - right - 2 * gap), right};  // 0 would mean "the rest" to ImGui
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
  top_bar(model, px(114));
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const Columns cols = columns(avail.x, ImGui::GetStyle().ItemSpacing.x);
  const float left_w = cols.left, right_w = cols.right, centre_w = cols.centre;

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
  // The map as large as the column allows (cells are square, the legend beside them), leaving
  // the lower part of the column to the runs and results.
  lanes(model, ImVec2(right_w, std::min(right_w - px(60), avail.y * 0.55f)));
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
  prompt_modal(model);
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
  const float badge_w = std::max(bs.x + px(32), std::min(px(190), w * 0.2f));
  dl->AddRectFilled(ImVec2(o.x + px(8), o.y + px(8)), ImVec2(o.x + px(8) + badge_w, o.y + height - px(8)), colours::state(state), px(6));
  dl->AddText(ImVec2(o.x + px(8) + (badge_w - bs.x) / 2, o.y + (height - bs.y) / 2), IM_COL32(255, 255, 255, 255), badge.c_str());
  if (fonts_.large) ImGui::PopFont();

  const auto& live = model.live.engine;
  const float x = o.x + badge_w + px(24);
  // The buttons on the right take what they need; the run's lines get the rest, clipped.
  const ImGuiStyle& style = ImGui::GetStyle();
  // Narrower buttons in a narrow window, never narrower than their labels.
  const float button_w = std::max(std::min(w * 0.08f, px(110)), ImGui::CalcTextSize("Resume").x + 2 * style.FramePadding.x);
  const float alarm_w = std::max(button_w + px(10), ImGui::CalcTextSize("no alarms").x + 2 * style.FramePadding.x);
  const float buttons_w = alarm_w + 2 * button_w + 2 * style.ItemSpacing.x;
  const float room = std::max(px(100), w - (x - o.x) - buttons_w - px(16));
  ImGui::SetCursorScreenPos(ImVec2(x, o.y + px(8)));
  ImGui::PushClipRect(ImVec2(x, o.y), ImVec2(x + room, o.y + height), true);
  ImGui::BeginGroup();
  if (model.run) {
    ImGui::Text("%s   run %s   station %s   DUT %s", model.run->sequence.c_str(), model.run->uuid.substr(0, 8).c_str(),
                (live.station.empty() ? model.station_name : live.station).c_str(),
                model.run->dut_serial.empty() ? "-" : model.run->dut_serial.c_str());
  } else {
    ImGui::Text("no run on display   station %s   store %s", model.station_name.c_str(), model.db_path.c_str());
  }
  const float bar_w = room;
  const double progress = model.run && model.run->status == db::RunStatus::finished ? 1.0 : live.progress;
  // The bar moves in whole pixels: a change too small to see does not redraw the window.
  const double bar_fill = std::floor(std::clamp(progress, 0.0, 1.0) * bar_w) / bar_w;
  ImGui::PushStyleColor(ImGuiCol_PlotHistogram, colours::vec(colours::state(state)));
  ImGui::ProgressBar(static_cast<float>(bar_fill), ImVec2(bar_w, px(24)), fmt::format("{:.0f} %", progress * 100).c_str());
  ImGui::PopStyleColor();
  const std::string step = fmt::format("step: {}", live.step.empty() ? "-" : live.step);
  // A run waiting on a person has no ETA: when it goes on is theirs to say.
  const std::string eta = live.prompt && model.live.attached ? "waits for the operator" : live.eta_s ? duration(*live.eta_s) : "--";
  const std::string clock = fmt::format("ETA {}   elapsed {}   samples {}", eta, duration(live.elapsed_s), model.samples);
  // The clock at the middle of the bar; nearer when the window is narrow, so that it stays in
  // view; the step's end gives way first (clipped).
  const float step_end = ImGui::CalcTextSize(step.c_str()).x + px(24), clock_w = ImGui::CalcTextSize(clock.c_str()).x;
  float clock_x = std::max(bar_w * 0.55f, step_end);
  if (clock_x + clock_w > room) clock_x = std::max(room - clock_w, std::min(step_end, bar_w * 0.55f));
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::PushClipRect(at, ImVec2(at.x + clock_x - px(12), at.y + ImGui::GetTextLineHeight()), true);
  ImGui::TextUnformatted(step.c_str());
  ImGui::PopClipRect();
  ImGui::SameLine(clock_x);
  ImGui::TextUnformatted(clock.c_str());
  // The verdict in `ledlab show`'s words, with what it is built from; a run that did not
  // finish says it has none yet. One line: the whole of it on hover.
  if (model.verdict) {
    const std::string headline = "verdict: " + model.verdict->headline();
    ImGui::TextColored(colours::vec(verdict_colour(model.verdict->outcome)), "%s", headline.c_str());
    if (ImGui::IsItemHovered() && ImGui::CalcTextSize(headline.c_str()).x > room) {
      ImGui::BeginTooltip();
      ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
      ImGui::TextUnformatted(headline.c_str());
      ImGui::PopTextWrapPos();
      ImGui::EndTooltip();
    }
  }
  ImGui::EndGroup();
  ImGui::PopClipRect();

  // Alarms and the steering buttons, right-aligned.
  const std::size_t alarms = alarm_count(model);
  ImGui::SetCursorScreenPos(ImVec2(o.x + w - buttons_w - px(8), o.y + px(10)));
  ImGui::BeginGroup();
  const ImU32 alarm_colour = alarms ? IM_COL32(200, 40, 40, 255) : IM_COL32(50, 54, 62, 255);
  ImGui::PushStyleColor(ImGuiCol_Button, colours::vec(alarm_colour));
  ImGui::Button(alarms ? fmt::format("{} ALARM{}", alarms, alarms > 1 ? "S" : "").c_str() : "no alarms", ImVec2(alarm_w, px(32)));
  ImGui::PopStyleColor();
  ImGui::SameLine();
  const bool attached = model.live.attached;
  ImGui::BeginDisabled(!attached);
  if (state == "paused" || state == "suspended") {
    if (ImGui::Button("Resume", ImVec2(button_w, px(32)))) steer("resume");
    ui_.item("resume");
  } else {
    if (ImGui::Button("Pause", ImVec2(button_w, px(32)))) steer("pause");
    ui_.item("pause");
  }
  ImGui::SameLine();
  ImGui::PushStyleColor(ImGuiCol_Button, colours::vec(IM_COL32(150, 30, 30, 255)));
  if (ImGui::Button("Abort", ImVec2(button_w, px(32)))) ImGui::OpenPopup("confirm abort");
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
  ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + height + px(6)));
}

void Dashboard::plots(const Model& model, ImVec2 size) {
  plot_rects_.clear();
  if (model.plots.empty()) {
    PlotView view;
    draw_plot("empty", PlotData{.title = model.run ? "waiting for data" : "no run: start one or open one from the store"},
              view, ImVec2(size.x, size.y - px(8)), scratch_);
    return;
  }
  // Plots with data share the area; those without get one short row at the bottom.
  std::vector<const PlotData*> full, empty;
  for (const auto& p : model.plots) (p.empty() ? empty : full).push_back(&p);
  const ImVec2 spacing = ImGui::GetStyle().ItemSpacing;
  const float empty_h = empty.empty() ? 0 : px(44);
  const int n = static_cast<int>(full.size());
  // Two plots a row where both are wide enough to read; one a row in a narrow window.
  const int per_row = n >= 2 && size.x >= 2 * px(320) + spacing.x ? 2 : 1;
  const int rows = std::max(1, (n + per_row - 1) / per_row);
  const float h = (size.y - empty_h - spacing.y * static_cast<float>(rows + (empty.empty() ? 0 : 1))) / static_cast<float>(rows);
  for (int i = 0; i < n; ++i) {
    const bool alone = per_row == 1 || (i == n - 1 && n % 2 == 1);
    const float w = alone ? size.x : (size.x - spacing.x) / 2;
    const auto& p = *full[static_cast<std::size_t>(i)];
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const bool drawn = draw_plot(p.title.c_str(), p, views_[p.title], ImVec2(w, h), scratch_);
    plot_rects_.push_back({p.title, at, ImVec2(at.x + w, at.y + h), drawn});
    ui_.rect("plot:", p.title, at, ImVec2(at.x + w, at.y + h));
    if (i % 2 == 0 && !alone) ImGui::SameLine();
  }
  const float w = (size.x - spacing.x * static_cast<float>(empty.size() - (empty.empty() ? 0 : 1))) / static_cast<float>(std::max<std::size_t>(empty.size(), 1));
  for (std::size_t i = 0; i < empty.size(); ++i) {
    if (i > 0) ImGui::SameLine();
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImGui::Dummy(ImVec2(w, empty_h));
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(o, ImVec2(o.x + w, o.y + empty_h), colours::panel_bg, px(4));
    dl->AddText(ImVec2(o.x + px(8), o.y + (empty_h - ImGui::GetFontSize()) / 2), colours::dim,
                fmt::format("{}: no data", empty[i]->title).c_str());
    plot_rects_.push_back({empty[i]->title, o, ImVec2(o.x + w, o.y + empty_h), false});
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
  ImGui::SetNextItemWidth(px(180));
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
  nlohmann::json plots = nlohmann::json::array();
  for (const auto& p : plot_rects_)
    plots.push_back({{"title", p.title}, {"x0", p.min.x}, {"y0", p.min.y}, {"x1", p.max.x}, {"y1", p.max.y}, {"drawn", p.drawn}});
  nlohmann::json j{{"run_uuid", model.run ? model.run->uuid : ""}, {"state", model.state()}, {"plots", plots},
                   {"scale", ui_scale()}, {"font_px", ImGui::GetFontSize()},
                   {"metric", shown_metric_}, {"rows", model.lanes.rows}, {"cols", model.lanes.cols}, {"cells", cells},
                   {"display", {ImGui::GetIO().DisplaySize.x, ImGui::GetIO().DisplaySize.y}},
                   {"attached", model.live.attached}, {"selected_lane", model.selected_lane},
                   {"notice", model.notice}, {"widgets", ui_.to_json()}, {"active", ui_.active()},
                   {"prompt", model.live.attached && model.live.engine.prompt ? nlohmann::json(model.live.engine.prompt->text)
                                                                              : nlohmann::json(nullptr)},
                   {"mouse", {ImGui::GetIO().MousePos.x, ImGui::GetIO().MousePos.y}}};
  nlohmann::json views = nlohmann::json::object();
  for (const auto& [title, v] : views_)
    views[title] = {{"x0", v.x0}, {"x1", v.x1}, {"y0", v.y0}, {"y1", v.y1}, {"auto_fit", v.auto_fit}};
  j["views"] = std::move(views);  // each plot's data range on screen, by title
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
