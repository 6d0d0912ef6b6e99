#pragma once
// The dashboard's results views, thin over gui/core/result_table and gui/core/compare: the
// Results tab (conditions as columns, sort, filter, CSV export of the rows shown), the Compare
// tab (runs picked in the runs list, one result on one plot) and the Lane tab (the selected
// lane's results across conditions). What they hold is the operator's choices and the rows,
// plots and tables those choices give, rebuilt only when the data or a choice changes.
#include "gui/core/compare.hpp"
#include "gui/core/model.hpp"
#include "gui/core/result_table.hpp"
#include "gui/view/plot.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ledlab::gui {

class ResultsView {
 public:
  using Send = std::function<void(Command)>;
  explicit ResultsView(Send send) : send_(std::move(send)) {}

  // Follows the model (the run's results, the selected lane, the compared runs); once a
  // frame, whichever tab is in front, so that each tab shows (and layout() states) the same.
  void update(const Model& model);
  void results_tab();
  void compare_tab();
  void lane_tab();
  // The runs list's box that picks a run for comparison (sends the picked runs when toggled).
  void pick_box(const db::RunRecord& run);
  // Picks these runs for comparison at once (headless, tests).
  void pick(const std::vector<std::string>& uuids);
  // What the tabs show, for tests: the Results rows and columns, the Compare plot's curves,
  // the Lane tab's rows and plots, and where the widgets drawn in the last frame are
  // ("text filter", "export path", "export", "results header temperature_c", "results row 0").
  nlohmann::json layout() const;

 private:
  // The rows the filters and the order give, recomputed when either has changed.
  const std::vector<std::size_t>& rows();
  // The conditions the compared result varies over and its plot, after a change of either.
  void refresh_compare();
  void filters();
  void export_row();
  // A table of `rows` with those of the table's columns; `sortable` for the Results tab. A click on a
  // lane's row selects that lane (its plots, its map cell, the Lane tab).
  void draw_rows(const char* id, const std::vector<std::size_t>& rows, const std::vector<std::size_t>& columns,
                 bool sortable, ImVec2 size);
  void draw_plot_in(const PlotData& plot, ImVec2 size);
  // Records where the last widget was drawn this frame, by name (layout()["widgets"]).
  void mark(const std::string& name);

  Send send_;
  // The Results tab.
  ResultTable table_;
  std::vector<std::string> names_;         // its result names (the name filter's choices)
  std::vector<std::size_t> all_columns_;   // 0 .. columns - 1
  std::tuple<db::RunId, std::size_t> table_key_{-1, 0};
  ResultFilter filter_;
  ResultOrder order_;
  bool rows_dirty_ = true;
  std::vector<std::size_t> rows_;
  int verdict_choice_ = 0, name_choice_ = 0;
  std::string lane_text_;
  std::string export_path_;
  std::string export_status_;
  bool export_failed_ = false;
  // The Compare tab: runs in the order picked, and what is plotted of them.
  std::vector<std::string> picked_;
  std::shared_ptr<const std::vector<ComparedRun>> compared_;
  std::vector<std::string> compare_names_, compare_keys_;
  std::optional<CompareSpec> spec_;
  PlotData compare_plot_;
  bool pop_out_ = false;
  // The Lane tab.
  std::tuple<db::RunId, std::size_t, int> lane_key_{-1, 0, -1};
  LaneDrilldown lane_;
  std::vector<std::size_t> lane_columns_;
  std::map<std::string, PlotView> views_;
  PlotScratch scratch_;
  std::map<std::string, std::array<float, 4>> widgets_;  // name -> x0, y0, x1, y1 in screen pixels
};

}  // namespace ledlab::gui
