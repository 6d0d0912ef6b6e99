#pragma once
// The dashboard's frame: builds every panel from one Model (between ImGui::NewFrame and
// ImGui::Render) and sends the operator's commands to the data thread through `send`.
// It reads nothing else and blocks on nothing.
#include "gui/core/model.hpp"
#include "gui/core/result_table.hpp"
#include "gui/view/lane_map.hpp"
#include "gui/view/plot.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <tuple>

struct ImFont;

namespace ledlab::gui {

struct DashboardFonts {
  ImFont* large = nullptr;  // the state badge; null: the default font
};

class Dashboard {
 public:
  using Send = std::function<void(Command)>;
  using Fonts = DashboardFonts;

  explicit Dashboard(Send send, Fonts fonts = Fonts{}) : send_(std::move(send)), fonts_(fonts) {}

  void frame(const Model& model);

  // The operator's actions, also used by the headless mode (the same path as the buttons).
  void steer(const std::string& command) { send_(Steer{command}); }
  void select_metric(const std::string& name) { wanted_metric_ = name; }
  // The window reloads its fonts when the UI scale changes (moved to another monitor).
  void set_fonts(Fonts fonts) { fonts_ = fonts; }

  // Where the lane map's cells and the plots were drawn in the last frame, with the metric and
  // its range, the UI scale and the font size.
  nlohmann::json layout(const Model& model) const;

 private:
  void top_bar(const Model& model, float height);
  void run_control(const Model& model);
  void station(const Model& model);
  void event_log(const Model& model);
  void plots(const Model& model, ImVec2 size);
  void lanes(const Model& model, ImVec2 size);
  void browser(const Model& model);
  void results(const Model& model);

  Send send_;
  Fonts fonts_;
  int sequence_ = 0;
  std::map<std::string, std::string> param_text_;  // "<sequence>/<param>" -> text being edited
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
  // The Results tab: its verdict filter (0: all), sort order and the rows they give.
  int result_filter_ = 0;
  ResultColumn sort_key_ = ResultColumn::name;
  bool sort_descending_ = false;
  std::tuple<std::size_t, db::RunId, ResultColumn, bool, std::optional<db::Verdict>> rows_key_{~std::size_t{0}, 0, {}, false, {}};
  std::vector<std::size_t> rows_;
};

}  // namespace ledlab::gui
