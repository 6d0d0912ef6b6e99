#pragma once
// Results across conditions: one result of two or more runs on one plot (BER vs temperature
// of two DUTs: one curve per run), and one lane's results across the conditions they were
// taken at (the drill-down). No ImGui here: the tests check the curves a plot would draw.
#include "db/reader.hpp"
#include "gui/core/model.hpp"
#include "gui/core/result_table.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::gui {

// How the results at one condition (one per lane) become one point. Dead lanes (they gave no
// signal) and NaN values are left out of every statistic; pass_fraction is the share of the
// judged results (pass or fail) that passed.
enum class LaneStatistic { median, mean, min, max, pass_fraction };
inline constexpr LaneStatistic kLaneStatistics[] = {LaneStatistic::median, LaneStatistic::mean, LaneStatistic::min,
                                                    LaneStatistic::max, LaneStatistic::pass_fraction};
std::string_view to_string(LaneStatistic statistic);  // "median", ..., "pass fraction"

struct CompareSpec {
  std::string result;  // "ber_upper"
  std::string x_key;   // a condition key: "temperature_c"
  LaneStatistic statistic = LaneStatistic::median;
};

// The runs (full uuids or unique prefixes) with their results, in the order given; the error
// names the uuid that could not be read.
Result<std::vector<ComparedRun>> load_compared(db::Reader& reader, const std::vector<std::string>& uuids);
// Whether a compared run has changed in the store since it was read: the runs list shows
// another status or end time (a running run's results are final once it ends).
bool compared_stale(const std::vector<ComparedRun>& compared, const std::vector<db::RunRecord>& runs);

// The result names any of the runs has with a condition, sorted.
std::vector<std::string> comparable_results(const std::vector<ComparedRun>& runs);
// The condition keys `result` takes more than one value of in some run, in column order.
std::vector<std::string> varying_conditions(const std::vector<ComparedRun>& runs, std::string_view result);
// What to plot first: the first result that every run has and that varies over a condition,
// over its first such condition, as the lanes' median; empty when the runs share none.
std::optional<CompareSpec> default_spec(const std::vector<ComparedRun>& runs);

// One curve per run (and per setting of any other condition the result varies over, e.g.
// each drive current of a BER-vs-temperature run), labelled with the DUT serial and the run,
// one point per value of spec.x_key, in x order.
PlotData compare_plot(const std::vector<ComparedRun>& runs, const CompareSpec& spec);

// One lane across conditions: its results (rows of the table, by name, then conditions) and,
// for each result that varies over a condition, its value against that condition.
struct LaneDrilldown {
  int lane = 0;
  std::vector<std::size_t> rows;
  std::vector<PlotData> plots;
};
LaneDrilldown lane_drilldown(const ResultTable& table, int lane);

}  // namespace ledlab::gui
