#pragma once
// The dashboard's frame: builds every panel from one Model (between ImGui::NewFrame and
// ImGui::Render) and sends the operator's commands to the data thread through `send`.
// It reads nothing else and blocks on nothing.
#include "gui/core/model.hpp"
#include "gui/core/result_table.hpp"
#include "gui/core/run_form.hpp"
#include "gui/view/lane_map.hpp"
#include "gui/view/plot.hpp"
#include "gui/view/ui_map.hpp"
#include "gui/view/results_view.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <functional>
#include <map>

struct ImFont;

namespace ledlab::gui {

struct DashboardFonts {
  ImFont* large = nullptr;  // the state badge; null: the default font
};

class Dashboard {
 public:
  using Send = std::function<void(Command)>;
  using Fonts = DashboardFonts;

  explicit Dashboard(Send send, Fonts fonts = Fonts{}) : send_(std::move(send)), fonts_(fonts), results_(send_) {}

  void frame(const Model& model);

  // The operator's actions, also used by the headless mode (the same path as the buttons).
  void steer(const std::string& command) { send_(Steer{command}); }
  void answer(const std::string& choice) { send_(Answer{choice}); }
  void select_metric(const std::string& name) { wanted_metric_ = name; }
  // Notes where the named widgets are, for layout() (`ledlab gui --ui-map`); off by default.
  void enable_ui_map() { ui_.enable(); }
  // Headless and tests: the right-hand tab to bring to the front ("Runs", "Results", "Compare",
  // "Lane"), once; and the runs to tick for comparison, as the runs list's boxes do.
  void show_tab(std::string name) { tab_ = std::move(name); }
  void compare(const std::vector<std::string>& uuids) { results_.pick(uuids); }

  // The window reloads its fonts when the UI scale changes (moved to another monitor).
  void set_fonts(Fonts fonts) { fonts_ = fonts; }

  // Where the lane map's cells, the named widgets and the plots were drawn in the last frame,
  // with the metric and its range, each plot's view (x0..x1), the selected lane, the UI scale
  // and the font size.
  nlohmann::json layout(const Model& model) const;

 private:
  void top_bar(const Model& model, float height);
  void run_control(const Model& model);
  void station(const Model& model);
  void event_log(const Model& model);
  void plots(const Model& model, ImVec2 size);
  void lanes(const Model& model, ImVec2 size);
  void browser(const Model& model);
  void lab_filters(const Model& model);
  void prompt_modal(const Model& model);

  Send send_;
  Fonts fonts_;
  int sequence_ = 0;
  std::map<std::string, std::string> param_text_;  // "<sequence>/<param>" -> text being edited
  std::array<std::string, 4> lab_filter_text_;     // lab runs: station, DUT, DUT type, sequence
  bool lab_filters_filled_ = false;                // from the model's filter, once
  RunForm form_;                                   // station, DUT, operator, simulate
  std::int64_t form_run_ = -1;                     // the run the form was filled from (0: none)
  UiMap ui_;
  std::map<std::string, PlotView> views_;
  PlotScratch scratch_;
  std::size_t metric_ = 0;
  std::string wanted_metric_ = "optical power";
  std::string shown_metric_;
  std::vector<LaneCell> cells_;
  struct PlotRect {
    std::string title;
    ImVec2 min, max;
    bool drawn = false;  // its data drawn (not "no data", not too small)
  };
  std::vector<PlotRect> plot_rects_;  // where the last frame put the plots, for layout()
  std::uint64_t run_id_ = 0;
  ResultsView results_;  // the Results, Compare and Lane tabs
  std::string tab_;      // to bring to the front in the next frame
  std::uint64_t prompt_shown_ = 0;  // the id of the prompt whose modal is open (0: none)
  std::string prompt_answered_;     // the choice sent for it, while the engine has not yet taken it
  bool prompt_abort_armed_ = false; // the modal's abort asked once, to be confirmed
};

}  // namespace ledlab::gui
