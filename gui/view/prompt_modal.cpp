// The operator prompt a run waits on (prompt{} in its sequence), as a modal window over the
// dashboard: it dims everything else and takes the input until it is answered, so a person at
// the bench cannot miss it. Its choices are buttons; the answer goes to the engine like a
// steer, naming who gave it.
#include "gui/view/dashboard.hpp"
#include "gui/view/style.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace ledlab::gui {

void Dashboard::prompt_modal(const Model& model) {
  const auto& live = model.live.engine;
  const bool waiting = model.live.attached && live.prompt.has_value();
  // ### keeps one popup id while the title says what the run waits for.
  constexpr const char* kId = "The run waits for the operator###operator prompt";
  if (waiting && live.prompt->id != prompt_shown_) {
    prompt_shown_ = live.prompt->id;
    prompt_answered_.clear();
    prompt_abort_armed_ = false;
    ImGui::OpenPopup(kId);
  }
  if (!waiting) prompt_shown_ = 0;
  const ImVec2 display = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(display.x / 2, display.y / 2), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(std::min(display.x * 0.9f, px(640)), 0));
  ImGui::PushStyleColor(ImGuiCol_TitleBgActive, colours::vec(colours::state("waiting for operator")));
  const bool open = ImGui::BeginPopupModal(kId, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings);
  ImGui::PopStyleColor();
  if (!open) return;
  if (!waiting) {  // answered (here or elsewhere), timed out, or the run ended
    ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
    return;
  }
  const auto& prompt = *live.prompt;
  if (fonts_.large) ImGui::PushFont(fonts_.large);
  ImGui::PushTextWrapPos(0);
  ImGui::TextUnformatted(prompt.text.c_str());
  ImGui::PopTextWrapPos();
  if (fonts_.large) ImGui::PopFont();
  ui_.item("prompt_text");
  if (prompt.timeout_s) {
    // On the run's clock, as the engine counts it.
    const double left = prompt.asked_s + *prompt.timeout_s - live.sim_time_s;
    ImGui::TextColored(colours::vec(colours::dim), "%s",
                       prompt.default_choice
                           ? fmt::format("without an answer within {:.0f} s the run goes on with '{}'", std::max(left, 0.0),
                                         *prompt.default_choice).c_str()
                           : fmt::format("without an answer within {:.0f} s the sequence fails", std::max(left, 0.0)).c_str());
  }
  ImGui::Spacing();
  const ImGuiStyle& style = ImGui::GetStyle();
  float button_w = px(120);
  for (const auto& c : prompt.choices) button_w = std::max(button_w, ImGui::CalcTextSize(c.c_str()).x + 2 * style.FramePadding.x);
  ImGui::BeginDisabled(!prompt_answered_.empty());
  for (std::size_t i = 0; i < prompt.choices.size(); ++i) {
    const std::string& choice = prompt.choices[i];
    if (i > 0 && ImGui::GetContentRegionAvail().x > button_w + style.ItemSpacing.x) ImGui::SameLine();
    if (ImGui::Button(choice.c_str(), ImVec2(button_w, px(40)))) {
      answer(choice);
      prompt_answered_ = choice;
    }
    ui_.item("prompt:", choice);
  }
  ImGui::EndDisabled();
  if (!prompt_answered_.empty()) ImGui::TextColored(colours::vec(colours::dim), "sent '%s'", prompt_answered_.c_str());
  // Abort stays in reach: the modal takes the input from the top bar's button.
  ImGui::Separator();
  if (!prompt_abort_armed_) {
    if (ImGui::SmallButton("Abort the run...")) prompt_abort_armed_ = true;
    ui_.item("prompt_abort");
  } else {
    ImGui::PushStyleColor(ImGuiCol_Button, colours::vec(IM_COL32(150, 30, 30, 255)));
    if (ImGui::Button("Abort: instruments go to their safe state")) steer("abort");
    ui_.item("prompt_abort_confirm");
    ImGui::PopStyleColor();
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) prompt_abort_armed_ = false;
  }
  ImGui::EndPopup();
}

}  // namespace ledlab::gui
