#include "gui/core/compare.hpp"

#include "gui/core/ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace ledlab::gui {

namespace {

using Rows = std::vector<std::size_t>;
using Setting = std::vector<std::optional<double>>;  // values of the conditions that split curves

Rows rows_named(const ResultTable& table, std::string_view result, std::optional<int> lane = std::nullopt) {
  Rows rows;
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto& r = table.results()[i];
    if (r.name == result && (!lane || r.lane.value_or(0) == *lane)) rows.push_back(i);
  }
  return rows;
}

// Whether `column` takes more than one value among `rows` (a missing value is one of them).
bool varies(const ResultTable& table, const Rows& rows, std::size_t column) {
  std::set<std::optional<double>> seen;
  for (std::size_t r : rows)
    if (seen.insert(table.condition(r, column)).second && seen.size() > 1) return true;
  return false;
}

// The conditions that tell curves apart: set (not measured) conditions other than x that take
// more than one value at some x (a condition that follows x, one value per x, does not split).
std::vector<std::size_t> splitting_columns(const ResultTable& table, const Rows& rows, std::size_t x_column) {
  std::vector<std::size_t> out;
  for (std::size_t c = 0; c < table.columns().size(); ++c) {
    const auto& col = table.columns()[c];
    if (col.kind != ColumnKind::condition || col.measured || c == x_column) continue;
    std::map<double, std::set<std::optional<double>>> at_x;
    for (std::size_t r : rows)
      if (const auto x = table.condition(r, x_column)) at_x[*x].insert(table.condition(r, c));
    if (std::any_of(at_x.begin(), at_x.end(), [](const auto& kv) { return kv.second.size() > 1; })) out.push_back(c);
  }
  return out;
}

std::optional<double> reduce(const ResultTable& table, const Rows& rows, LaneStatistic statistic) {
  if (statistic == LaneStatistic::pass_fraction) {
    int pass = 0, judged = 0;
    for (std::size_t r : rows) {
      const db::Verdict v = db::verdict_of(table.results()[r]);
      judged += v == db::Verdict::pass || v == db::Verdict::fail;
      pass += v == db::Verdict::pass;
    }
    if (judged == 0) return std::nullopt;
    return static_cast<double>(pass) / judged;
  }
  std::vector<double> values;
  for (std::size_t r : rows) {
    const auto& result = table.results()[r];
    if (db::verdict_of(result) != db::Verdict::dead && std::isfinite(result.value)) values.push_back(result.value);
  }
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  switch (statistic) {
    case LaneStatistic::min: return values.front();
    case LaneStatistic::max: return values.back();
    case LaneStatistic::mean: {
      double sum = 0;
      for (double v : values) sum += v;
      return sum / static_cast<double>(values.size());
    }
    case LaneStatistic::median:
    case LaneStatistic::pass_fraction: break;
  }
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string setting_label(const ResultTable& table, const std::vector<std::size_t>& columns, const Setting& setting) {
  std::string label;
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const auto& col = table.columns()[columns[k]];
    label += label.empty() ? "" : ", ";
    label += setting[k] ? format_value(*setting[k], col.unit) : fmt::format("no {}", col.title);
  }
  return label;
}

// The curves of `rows` over the condition in `x_column`: one per setting of the splitting
// conditions, one point per x value; `label` names them (with the setting, when there are several).
std::vector<Curve> curves_over(const ResultTable& table, const Rows& rows, std::size_t x_column, LaneStatistic statistic,
                               const std::string& label) {
  const auto split = splitting_columns(table, rows, x_column);
  std::map<Setting, std::map<double, Rows>> groups;
  for (std::size_t r : rows) {
    const auto x = table.condition(r, x_column);
    if (!x || !std::isfinite(*x)) continue;
    Setting setting;
    for (std::size_t c : split) setting.push_back(table.condition(r, c));
    groups[setting][*x].push_back(r);
  }
  std::vector<Curve> curves;
  for (const auto& [setting, by_x] : groups) {
    const std::string at = setting_label(table, split, setting);
    Curve curve{.label = at.empty() ? label : label.empty() ? at : fmt::format("{} at {}", label, at)};
    for (const auto& [x, at_x] : by_x)
      if (const auto y = reduce(table, at_x, statistic)) curve.points.push_back({.x = x, .y = *y});
    if (!curve.points.empty()) curves.push_back(std::move(curve));
  }
  return curves;
}

// Log axes where the values are all positive and span two decades or more (frequency), and
// for values all under 1e-6 (error ratios): those read in decades, never as "0.000001".
void choose_scales(PlotData& plot) {
  auto log_axis = [&](auto get) {
    double lo = INFINITY, hi = 0;
    for (const auto& c : plot.curves)
      for (const auto& p : c.points) {
        const double v = get(p);
        if (!(v > 0)) return false;
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
    return hi >= 100 * lo || hi < 1e-6;
  };
  plot.x_log = log_axis([](const PlotPoint& p) { return p.x; });
  plot.y_log = log_axis([](const PlotPoint& p) { return p.y; });
}

std::string run_label(const db::RunRecord& run) {
  return fmt::format("{} run {}", run.dut_serial.empty() ? "no DUT" : run.dut_serial, run.uuid.substr(0, 8));
}

}  // namespace

std::string_view to_string(LaneStatistic statistic) {
  switch (statistic) {
    case LaneStatistic::median: return "median";
    case LaneStatistic::mean: return "mean";
    case LaneStatistic::min: return "min";
    case LaneStatistic::max: return "max";
    case LaneStatistic::pass_fraction: return "pass fraction";
  }
  return "median";
}

Result<std::vector<ComparedRun>> load_compared(db::Reader& reader, const std::vector<std::string>& uuids) {
  std::vector<ComparedRun> out;
  for (const auto& uuid : uuids) {
    auto run = reader.find_run(uuid);
    if (!run) return fail(run.error().code, fmt::format("compare run {}: {}", uuid, run.error().describe()));
    auto results = reader.results(run->id);
    if (!results) return fail(results.error().code, fmt::format("compare run {}: {}", uuid, results.error().describe()));
    out.push_back({std::move(*run), ResultTable(std::move(*results))});
  }
  return out;
}

bool compared_stale(const std::vector<ComparedRun>& compared, const std::vector<db::RunRecord>& runs) {
  for (const auto& c : compared)
    for (const auto& r : runs)
      if (r.id == c.run.id && (r.status != c.run.status || r.ended_s != c.run.ended_s)) return true;
  return false;
}

std::vector<std::string> comparable_results(const std::vector<ComparedRun>& runs) {
  std::set<std::string> names;
  for (const auto& run : runs) {
    const auto& t = run.results;
    for (std::size_t i = 0; i < t.size(); ++i)
      for (std::size_t c = 0; c < t.columns().size(); ++c)
        if (t.condition(i, c)) {
          names.insert(t.results()[i].name);
          break;
        }
  }
  return {names.begin(), names.end()};
}

std::vector<std::string> varying_conditions(const std::vector<ComparedRun>& runs, std::string_view result) {
  std::vector<std::string> keys;
  for (const auto& key : condition_keys())
    for (const auto& run : runs) {
      const auto column = run.results.condition_column(key.key);
      if (column && varies(run.results, rows_named(run.results, result), *column)) {
        keys.emplace_back(key.key);
        break;
      }
    }
  return keys;
}

std::optional<CompareSpec> default_spec(const std::vector<ComparedRun>& runs) {
  if (runs.empty()) return std::nullopt;
  // Per-lane results first (BER of each lane against temperature), then the array's own.
  auto names = comparable_results(runs);
  auto per_lane = [&](const std::string& name) {
    for (const auto& r : runs)
      for (const auto& x : r.results.results())
        if (x.name == name && x.lane) return true;
    return false;
  };
  std::stable_partition(names.begin(), names.end(), per_lane);
  for (const auto& name : names) {
    const bool everywhere = std::all_of(runs.begin(), runs.end(), [&](const ComparedRun& r) {
      return std::any_of(r.results.results().begin(), r.results.results().end(), [&](const auto& x) { return x.name == name; });
    });
    const auto keys = varying_conditions(runs, name);
    if (everywhere && !keys.empty()) return CompareSpec{name, keys.front()};
  }
  return std::nullopt;
}

PlotData compare_plot(const std::vector<ComparedRun>& runs, const CompareSpec& spec) {
  PlotData plot{.x_label = spec.x_key, .y_label = spec.result};
  for (const auto& key : condition_keys())
    if (key.key == spec.x_key) plot.x_unit = key.unit;
  bool per_lane = false;
  for (const auto& run : runs) {
    const Rows rows = rows_named(run.results, spec.result);
    const auto column = run.results.condition_column(spec.x_key);
    if (rows.empty() || !column) continue;
    for (std::size_t r : rows) per_lane = per_lane || run.results.results()[r].lane.has_value();
    if (plot.y_unit.empty()) plot.y_unit = run.results.results()[rows.front()].unit;
    for (auto& curve : curves_over(run.results, rows, *column, spec.statistic, run_label(run.run)))
      plot.curves.push_back(std::move(curve));
  }
  if (spec.statistic == LaneStatistic::pass_fraction) {
    plot.y_label = fmt::format("{}: fraction passing", spec.result);
    plot.y_unit = "1";
  }
  plot.title = per_lane && spec.statistic != LaneStatistic::pass_fraction
                   ? fmt::format("{} vs {} ({} over the live lanes)", spec.result, spec.x_key, to_string(spec.statistic))
                   : fmt::format("{} vs {}", plot.y_label, spec.x_key);
  choose_scales(plot);
  return plot;
}

LaneDrilldown lane_drilldown(const ResultTable& table, int lane) {
  LaneDrilldown out{.lane = lane};
  ResultFilter filter{.lane = lane};
  out.rows = table.rows(filter, ResultOrder{});
  // Each result name of the lane, in the order of its first row.
  std::vector<std::string> names;
  for (std::size_t r : out.rows)
    if (std::find(names.begin(), names.end(), table.results()[r].name) == names.end()) names.push_back(table.results()[r].name);
  for (const auto& name : names) {
    const Rows rows = rows_named(table, name, lane);
    // Against the first set condition it varies over, else the first measured one.
    std::optional<std::size_t> x_column;
    for (bool measured : {false, true})
      for (std::size_t c = 0; c < table.columns().size() && !x_column; ++c)
        if (table.columns()[c].kind == ColumnKind::condition && table.columns()[c].measured == measured &&
            varies(table, rows, c))
          x_column = c;
    if (!x_column) continue;
    const auto& x = table.columns()[*x_column];
    PlotData plot{.title = fmt::format("lane {}: {} vs {}", lane, name, x.title), .x_label = x.title, .x_unit = x.unit,
                  .y_label = name, .y_unit = table.results()[rows.front()].unit};
    // One lane: each point is its own value (a statistic of one); a dead lane's values are
    // no signal and are not drawn, the table still lists them.
    plot.curves = curves_over(table, rows, *x_column, LaneStatistic::median, fmt::format("lane {}", lane));
    if (plot.curves.empty()) continue;
    choose_scales(plot);
    out.plots.push_back(std::move(plot));
  }
  return out;
}

}  // namespace ledlab::gui
