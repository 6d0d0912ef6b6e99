#include "gui/view/results_view.hpp"

#include "gui/core/ticks.hpp"
#include "gui/view/style.hpp"

#include <fmt/format.h>
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace ledlab::gui {

namespace {

constexpr db::Verdict kVerdicts[] = {db::Verdict::pass, db::Verdict::fail, db::Verdict::dead, db::Verdict::not_judged};

// A one-line text field bound to a std::string; true when the text changed.
bool text_field(const char* id, const char* hint, std::string& text, float width, ImGuiInputTextFlags flags = 0) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s", text.c_str());
  ImGui::SetNextItemWidth(width);
  if (!ImGui::InputTextWithHint(id, hint, buf, sizeof buf, flags)) return false;
  text = buf;
  return true;
}

ImU32 verdict_colour(db::Verdict v) {
  return v == db::Verdict::pass ? IM_COL32(80, 200, 110, 255) : v == db::Verdict::fail ? IM_COL32(255, 80, 70, 255) : colours::dim;
}

// A combo over `items` (with `all` first when given); true when the choice changed.
bool choice(const char* id, int& chosen, const std::vector<std::string>& items, float width, const char* all = nullptr) {
  const int offset = all ? 1 : 0;
  if (items.empty() && !all) {
    ImGui::TextDisabled("-");
    return false;
  }
  chosen = std::clamp(chosen, 0, static_cast<int>(items.size()) + offset - 1);
  const char* shown = chosen < offset ? all : items.empty() ? "" : items[static_cast<std::size_t>(chosen - offset)].c_str();
  bool changed = false;
  ImGui::SetNextItemWidth(width);
  if (ImGui::BeginCombo(id, shown)) {
    for (int i = 0; i < static_cast<int>(items.size()) + offset; ++i) {
      const char* label = i < offset ? all : items[static_cast<std::size_t>(i - offset)].c_str();
      if (ImGui::Selectable(label, i == chosen) && i != chosen) chosen = i, changed = true;
    }
    ImGui::EndCombo();
  }
  return changed;
}

// The limits a value was judged against and everything else its result records (bits,
// errors, fit method, ...): the details behind one cell.
void value_tooltip(const db::ResultRecord& r) {
  ImGui::BeginTooltip();
  ImGui::PushTextWrapPos(ImGui::GetFontSize() * 36);
  if (r.lower_limit || r.upper_limit)
    ImGui::Text("limits: %s .. %s", r.lower_limit ? format_value(*r.lower_limit, r.unit).c_str() : "-",
                r.upper_limit ? format_value(*r.upper_limit, r.unit).c_str() : "-");
  else
    ImGui::TextDisabled("no limits");
  const auto extra = nlohmann::json::parse(r.extra_json, nullptr, false);
  if (extra.is_object() && !extra.empty()) ImGui::TextUnformatted(extra.dump(1).c_str());
  ImGui::PopTextWrapPos();
  ImGui::EndTooltip();
}

}  // namespace

void ResultsView::mark(const std::string& name) {
  const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
  widgets_[name] = {a.x, a.y, b.x, b.y};
}

void ResultsView::update(const Model& model) {
  widgets_.clear();
  const auto key = std::tuple(model.run ? model.run->id : 0, model.results.size());
  if (key != table_key_) {
    const bool same_run = std::get<0>(key) == std::get<0>(table_key_);
    table_key_ = key;
    table_ = ResultTable(model.results);
    names_ = table_.names();
    all_columns_.resize(table_.columns().size());
    for (std::size_t c = 0; c < all_columns_.size(); ++c) all_columns_[c] = c;
    rows_dirty_ = true;
    // The file name follows the run shown; filters and order stay while they mean something
    // (the table's header keeps the order by column index, so order_ does too).
    if (!same_run) {
      export_status_.clear();
      export_path_ = model.run ? fmt::format("results-{}.csv", model.run->uuid.substr(0, 8)) : "results.csv";
    }
    if (order_.column >= table_.columns().size()) order_ = {};
    if (!filter_.name.empty() && !std::binary_search(names_.begin(), names_.end(), filter_.name)) {
      filter_.name.clear();
      name_choice_ = 0;
    }
  }
  const auto lane_key = std::tuple(std::get<0>(table_key_), table_.size(), model.selected_lane);
  if (lane_key != lane_key_) {
    lane_key_ = lane_key;
    lane_ = lane_drilldown(table_, model.selected_lane);
    // Only the conditions this lane's results name: a lane's few rows read without gaps.
    lane_columns_.clear();
    for (std::size_t c = 0; c < table_.columns().size(); ++c)
      if (table_.columns()[c].kind != ColumnKind::condition ||
          std::any_of(lane_.rows.begin(), lane_.rows.end(), [&](std::size_t r) { return table_.condition(r, c).has_value(); }))
        lane_columns_.push_back(c);
  }
  static const auto no_runs = std::make_shared<const std::vector<ComparedRun>>();
  if (const auto& compared = model.compared ? model.compared : no_runs; compared != compared_) {
    compared_ = compared;
    compare_names_ = comparable_results(*compared_);
    if (!spec_ || std::find(compare_names_.begin(), compare_names_.end(), spec_->result) == compare_names_.end())
      spec_ = default_spec(*compared_);
    refresh_compare();
  }
  rows();
}

void ResultsView::refresh_compare() {
  compare_keys_.clear();
  compare_plot_ = {};
  if (!spec_ || !compared_) return;
  compare_keys_ = varying_conditions(*compared_, spec_->result);
  if (!compare_keys_.empty() && std::find(compare_keys_.begin(), compare_keys_.end(), spec_->x_key) == compare_keys_.end())
    spec_->x_key = compare_keys_.front();
  compare_plot_ = compare_plot(*compared_, *spec_);
}

const std::vector<std::size_t>& ResultsView::rows() {
  if (rows_dirty_) {
    rows_ = table_.rows(filter_, order_);
    rows_dirty_ = false;
  }
  return rows_;
}

void ResultsView::filters() {
  // Verdict, result name, lane and text: the failures, or one result across the lanes, of
  // thousands of per-lane results.
  if (choice("##verdict", verdict_choice_, {"pass", "fail", "dead", "not judged"}, 110, "all verdicts")) {
    filter_.verdict = verdict_choice_ > 0 ? std::optional(kVerdicts[verdict_choice_ - 1]) : std::nullopt;
    rows_dirty_ = true;
  }
  mark("verdict filter");
  ImGui::SameLine();
  const auto& names = names_;
  if (!filter_.name.empty()) {
    const auto it = std::find(names.begin(), names.end(), filter_.name);
    name_choice_ = it == names.end() ? 0 : static_cast<int>(it - names.begin()) + 1;
  }
  if (choice("##name", name_choice_, names, 170, "all results")) {
    filter_.name = name_choice_ > 0 ? names[static_cast<std::size_t>(name_choice_ - 1)] : std::string();
    rows_dirty_ = true;
  }
  mark("name filter");
  ImGui::SameLine();
  if (text_field("##lane", "lane", lane_text_, 60)) {
    int lane = 0;
    filter_.lane = lane_text_ == "array" ? std::optional(0)
                   : std::sscanf(lane_text_.c_str(), "%d", &lane) == 1 && lane >= 0 ? std::optional(lane)
                                                                                     : std::nullopt;
    rows_dirty_ = true;
  }
  mark("lane filter");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("a lane number, or 0 / array for the array's own results");
  ImGui::SameLine();
  if (text_field("##text", "text in any cell", filter_.text, -1)) rows_dirty_ = true;
  mark("text filter");
}

void ResultsView::export_row() {
  // Exactly the rows shown, in the order shown, to the file named here.
  text_field("##export path", "file.csv", export_path_, -140, ImGuiInputTextFlags_AutoSelectAll);
  mark("export path");
  ImGui::SameLine();
  ImGui::BeginDisabled(rows().empty());
  if (ImGui::Button("Export CSV", ImVec2(-1, 0))) {
    const auto written = table_.write_csv(export_path_, rows());
    export_failed_ = !written;
    std::error_code ec;
    const auto where = std::filesystem::absolute(export_path_, ec);
    export_status_ = written ? fmt::format("wrote {} row{} to {}", rows_.size(), rows_.size() == 1 ? "" : "s",
                                           (ec ? std::filesystem::path(export_path_) : where).string())
                             : written.error().describe();
  }
  mark("export");
  ImGui::EndDisabled();
  ImGui::TextColored(colours::vec(export_failed_ ? IM_COL32(255, 120, 100, 255) : colours::dim), "%zu of %zu results%s%s",
                     rows_.size(), table_.size(), export_status_.empty() ? "" : "; ", export_status_.c_str());
}

void ResultsView::draw_rows(const char* id, const std::vector<std::size_t>& rows, const std::vector<std::size_t>& shown,
                            bool sortable, ImVec2 size) {
  const auto& columns = table_.columns();
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                          ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV;
  if (sortable) flags |= ImGuiTableFlags_Sortable;
  // The column set is part of the id: another run may have other conditions.
  ImGui::PushID(static_cast<int>(shown.size()));
  if (!ImGui::BeginTable(id, static_cast<int>(shown.size()), flags, size)) {
    ImGui::PopID();
    return;
  }
  ImGui::TableSetupScrollFreeze(1, 1);
  for (std::size_t c : shown) {
    ImGui::TableSetupColumn(columns[c].title.c_str(), c == order_.column && sortable ? ImGuiTableColumnFlags_DefaultSort : 0, 0,
                            static_cast<ImGuiID>(c));
  }
  // The headers one by one (as TableHeadersRow draws them), each with its place on screen.
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    if (!ImGui::TableSetColumnIndex(static_cast<int>(i))) continue;
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableHeader(columns[shown[i]].title.c_str());
    ImGui::PopID();
    mark(fmt::format("{} header {}", id, columns[shown[i]].title));
  }
  if (sortable)
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty && specs->SpecsCount > 0) {
      order_ = {specs->Specs[0].ColumnUserID, specs->Specs[0].SortDirection == ImGuiSortDirection_Descending};
      specs->SpecsDirty = false;
      rows_dirty_ = true;  // the new order shows from the next frame
    }
  ImGuiListClipper clipper;  // thousands of per-lane results: lay out only the visible rows
  clipper.Begin(static_cast<int>(rows.size()));
  while (clipper.Step())
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const std::size_t row = rows[static_cast<std::size_t>(i)];
      const auto& r = table_.results()[row];
      ImGui::TableNextRow();
      for (std::size_t c : shown) {
        ImGui::TableNextColumn();
        const std::string text = table_.cell(row, c);
        if (c == shown.front()) {
          ImGui::PushID(static_cast<int>(row));
          if (ImGui::Selectable(text.c_str(), false, ImGuiSelectableFlags_SpanAllColumns) && r.lane) send_(SelectLane{*r.lane});
          if (i < 3) mark(fmt::format("{} row {}", id, i));
          if (ImGui::IsItemHovered() && r.lane) ImGui::SetTooltip("lane %d: its plots, its map cell, its Lane tab", *r.lane);
          ImGui::PopID();
        } else if (columns[c].kind == ColumnKind::verdict) {
          ImGui::TextColored(colours::vec(verdict_colour(db::verdict_of(r))), "%s", text.c_str());
        } else if (columns[c].kind == ColumnKind::value) {
          ImGui::TextUnformatted(text.c_str());
          if (i < 3) mark(fmt::format("{} value {}", id, i));
          if (ImGui::IsItemHovered()) value_tooltip(r);
        } else {
          ImGui::TextUnformatted(text.c_str());
        }
      }
    }
  ImGui::EndTable();
  ImGui::PopID();
}

void ResultsView::results_tab() {
  if (table_.size() == 0) {
    ImGui::TextDisabled("no results");
    return;
  }
  filters();
  export_row();
  rows();
  draw_rows("results", rows_, all_columns_, true, ImVec2(0, 0));
}

void ResultsView::pick_box(const db::RunRecord& run) {
  // Picked by a uuid or a prefix of one (ledlab gui --compare 7d63).
  auto names_run = [&](const std::string& p) { return !p.empty() && run.uuid.starts_with(p); };
  bool picked = std::any_of(picked_.begin(), picked_.end(), names_run);
  ImGui::PushID(run.uuid.c_str());
  if (ImGui::Checkbox("##compare", &picked)) {
    if (picked) picked_.push_back(run.uuid);
    else std::erase_if(picked_, names_run);
    send_(CompareRuns{picked_});
  }
  mark("compare " + run.uuid.substr(0, 8));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("compare this run with the others ticked (Compare tab)");
  ImGui::PopID();
}

void ResultsView::pick(const std::vector<std::string>& uuids) {
  picked_ = uuids;
  send_(CompareRuns{picked_});
}

void ResultsView::compare_tab() {
  if (!compared_ || compared_->empty()) {
    ImGui::TextDisabled("Tick two or more runs in the Runs tab to compare them here.");
    return;
  }
  const auto& runs = *compared_;
  if (!spec_) {
    ImGui::TextDisabled("These runs share no result taken at more than one condition.");
    for (const auto& r : runs) ImGui::BulletText("%s run %s", r.run.dut_serial.c_str(), r.run.uuid.substr(0, 8).c_str());
    return;
  }
  bool dirty = false;
  const auto& names = compare_names_;
  int name = static_cast<int>(std::find(names.begin(), names.end(), spec_->result) - names.begin());
  if (choice("##compare result", name, names, 170)) {
    spec_->result = names[static_cast<std::size_t>(name)];
    refresh_compare();
  }
  ImGui::SameLine();
  ImGui::TextUnformatted("vs");
  ImGui::SameLine();
  const auto& keys = compare_keys_;
  int key = static_cast<int>(std::find(keys.begin(), keys.end(), spec_->x_key) - keys.begin());
  if (choice("##compare x", key, keys, 150) && !keys.empty()) {
    spec_->x_key = keys[static_cast<std::size_t>(key)];
    dirty = true;
  }
  ImGui::SameLine();
  std::vector<std::string> statistics;
  for (auto s : kLaneStatistics) statistics.emplace_back(to_string(s));
  int statistic = static_cast<int>(spec_->statistic);
  if (choice("##compare statistic", statistic, statistics, 110)) {
    spec_->statistic = kLaneStatistics[statistic];
    dirty = true;
  }
  if (dirty) refresh_compare();
  ImGui::Checkbox("in its own window", &pop_out_);
  if (pop_out_) {
    const ImVec2 display = ImGui::GetIO().DisplaySize;
    ImGui::SetNextWindowSize(ImVec2(display.x * 0.6f, display.y * 0.6f), ImGuiCond_FirstUseEver);
    if (ImGui::Begin("Compare runs", &pop_out_)) draw_plot_in(compare_plot_, ImGui::GetContentRegionAvail());
    ImGui::End();
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  draw_plot_in(compare_plot_, ImVec2(avail.x, std::max(avail.y, 220.0f)));
}

void ResultsView::lane_tab() {
  if (lane_.lane <= 0) {
    ImGui::TextDisabled("Click a lane on the map, or a lane's row in the Results tab.");
    return;
  }
  ImGui::Text("Lane %d: %zu results", lane_.lane, lane_.rows.size());
  if (lane_.rows.empty()) return;
  const float row_h = ImGui::GetTextLineHeightWithSpacing();
  const float avail = ImGui::GetContentRegionAvail().y;
  const float table_h = std::min(row_h * static_cast<float>(lane_.rows.size() + 2), lane_.plots.empty() ? avail : avail * 0.4f);
  draw_rows("lane results", lane_.rows, lane_columns_, false, ImVec2(0, table_h));
  if (lane_.plots.empty()) return;
  ImGui::BeginChild("lane plots");
  const float w = ImGui::GetContentRegionAvail().x;
  for (const auto& plot : lane_.plots) draw_plot_in(plot, ImVec2(w, 200));
  ImGui::EndChild();
}

nlohmann::json ResultsView::layout() const {
  using nlohmann::json;
  json columns = json::array();
  for (const auto& c : table_.columns()) columns.push_back(c.title);
  auto plot_json = [](const PlotData& p) {
    json curves = json::array();
    for (const auto& c : p.curves) {
      json points = json::array();
      for (const auto& pt : c.points) points.push_back({pt.x, pt.y});
      curves.push_back({{"label", c.label}, {"points", points}});
    }
    return json{{"title", p.title}, {"x_log", p.x_log}, {"y_log", p.y_log}, {"curves", curves}};
  };
  json lane_plots = json::array();
  for (const auto& p : lane_.plots) lane_plots.push_back(plot_json(p));
  json widgets = json::object();
  for (const auto& [name, r] : widgets_) widgets[name] = r;
  return {{"widgets", widgets},
          {"columns", columns},
          {"rows", rows_.size()},
          {"results", table_.size()},
          {"export", export_path_},
          {"picked", picked_},
          {"compare", spec_ ? plot_json(compare_plot_) : json(nullptr)},
          {"lane", {{"lane", lane_.lane}, {"rows", lane_.rows.size()}, {"plots", lane_plots}}}};
}

void ResultsView::draw_plot_in(const PlotData& plot, ImVec2 size) {
  PlotView& view = views_[plot.title];
  draw_plot(plot.title.c_str(), plot, view, size, scratch_);
}

}  // namespace ledlab::gui
