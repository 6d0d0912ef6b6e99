// BER vs temperature runs: confidence bars on a log axis, per-temperature verdicts, BER map.
#include "analysis/array_statistics.hpp"
#include "report/sections.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace ledlab::report {
namespace {

// One array result at a temperature, null when absent.
const RunResult* result_at(const RunData& run, std::string_view name, double t) {
  for (const auto* r : run.array_results(name))
    if (r->extra.value("temperature_c", std::nan("")) == t) return r;
  return nullptr;
}

double at_temperature(const RunData& run, std::string_view name, double t) {
  const RunResult* r = result_at(run, name, t);
  return r ? r->record.value : std::nan("");
}

// The array verdict at a temperature, as the run's verdict counts it.
std::string verdict_cell(const RunResult* r) {
  if (!r) return "-";
  switch (db::verdict_of(r->record)) {
    case db::Verdict::pass: return "<b class=pass>pass</b>";
    case db::Verdict::fail: return "<b class=fail>fail</b>";
    case db::Verdict::dead: return "dead";
    case db::Verdict::not_judged: break;
  }
  return "not judged";
}

}  // namespace

std::string ber_section(const RunData& run) {
  if (!run.has("ber_upper")) return {};
  std::string html = "<h2>BER vs temperature</h2>\n";
  const auto temps = run.distinct("ber_upper", "temperature_c");
  double limit = std::nan("");
  for (const auto* r : run.lane_results("ber_upper"))
    if (r->record.upper_limit) limit = *r->record.upper_limit;

  // The worst live lanes (highest upper bound at any temperature) with their bounds.
  std::map<int, double> worst;
  for (const auto* r : run.lane_results("ber_upper"))
    if (!r->dead()) worst[*r->record.lane] = std::max(worst[*r->record.lane], r->record.value);
  std::vector<std::pair<double, int>> ranked;
  for (auto [lane, v] : worst) ranked.emplace_back(-v, lane);
  std::ranges::sort(ranked);
  if (ranked.size() > 5) ranked.resize(5);

  PlotSpec plot{.title = "BER per lane (point: k/N, or the bound with no errors; bars: one-sided bounds)",
                .x_label = "chamber temperature (°C)", .y_label = "bit error ratio", .y_scale = ScaleKind::log,
                .y_ticks = TickStyle::power_of_ten};
  if (std::isfinite(limit)) plot.limits.push_back({limit, fmt::format("BER limit {}", power_of_ten_label(limit))});
  for (auto [neg, lane] : ranked) {
    PlotSeries s{.name = fmt::format("{}{}", lane_position(run, lane), ranked.front().second == lane ? ": worst" : ""),
                 .markers = true};
    for (const auto* r : run.lane_results("ber_upper")) {
      if (*r->record.lane != lane) continue;
      const double ber = r->extra.value("ber", 0.0), lower = r->extra.value("ber_lower", 0.0);
      s.x.push_back(r->extra.value("temperature_c", std::nan("")));
      s.y.push_back(ber > 0 ? ber : r->record.value);
      s.y_low.push_back(lower > 0 ? lower : std::nan(""));
      s.y_high.push_back(r->record.value);
    }
    plot.series.push_back(std::move(s));
  }
  PlotSeries median{.name = "median upper bound, live lanes", .color = "#555", .dashed = true};
  for (double t : temps) {
    median.x.push_back(t);
    median.y.push_back(analysis::median(run.lane_values("ber_upper", "temperature_c", t)));
  }
  plot.series.push_back(std::move(median));
  html += render_plot(plot);
  const RunResult* worst_r = nullptr;  // the worst lane's worst result
  if (!ranked.empty()) {
    // The worst lane, named with where it sits on the array and the figure that makes it so.
    const int lane = ranked.front().second;
    for (const auto* r : run.lane_results("ber_upper"))
      if (*r->record.lane == lane && (!worst_r || r->record.value > worst_r->record.value)) worst_r = r;
    html += fmt::format("<p>Worst lane: <b>{}</b>, BER upper bound {} at {} ({} errors in {} bits).</p>\n",
                        escape(lane_position(run, lane)), power_of_ten_label(worst_r->record.value),
                        fmt_value(worst_r->extra.value("temperature_c", std::nan("")), "°C"),
                        worst_r->extra.value("errors", 0.0), power_of_ten_label(worst_r->extra.value("bits", 0.0)));
  }

  std::vector<std::vector<std::string>> rows;
  double worst_t = temps.empty() ? 0 : temps.front();
  double fewest = INFINITY;
  for (double t : temps) {
    const double good = at_temperature(run, "aggregate_throughput_bps", t);
    if (std::isfinite(good) && good < fewest) fewest = good, worst_t = t;
    rows.push_back({fmt_value(t, "°C"), fmt::format("{:.0f}", at_temperature(run, "error_free_lanes", t)),
                    fmt_value(good, "b/s"), fmt_value(at_temperature(run, "energy_per_bit_pj", t), "pJ/bit"),
                    verdict_cell(result_at(run, "array_pass", t))});
  }
  // Without throughput results the map shows the temperature of the worst lane's worst bound.
  if (!std::isfinite(fewest) && worst_r) worst_t = worst_r->extra.value("temperature_c", worst_t);
  html += html_table({"temperature", "error-free lanes", "aggregate throughput (lanes meeting the limit)",
                      "energy per bit (LED only)", "array"}, rows);
  // The sequence's own summary of how the error-free count moved (issue 15).
  for (const auto* r : run.array_results("error_free_lanes_change"))
    html += fmt::format("<p>Error-free lanes: {} ({:+.0f} lanes from the first temperature to the last{}).</p>\n",
                        escape(r->extra.value("by_temperature", std::string{})), r->record.value,
                        r->extra.value("falling", false) ? ", falling with temperature" : "");

  const auto upper = run.lane_values("ber_upper", "temperature_c", worst_t);
  std::vector<bool> flagged(upper.size(), false);
  MarkedLane marked;
  double highest = -INFINITY;
  for (const auto* r : run.lane_results("ber_upper")) {
    if (r->extra.value("temperature_c", std::nan("")) != worst_t && !r->dead()) continue;
    if (r->dead() || db::verdict_of(r->record) == db::Verdict::fail) flagged[static_cast<std::size_t>(*r->record.lane - 1)] = true;
    if (!r->dead() && r->record.value > highest) {
      highest = r->record.value;
      marked = {*r->record.lane, fmt::format("the highest bound here, {}", power_of_ten_label(r->record.value))};
      if (std::isfinite(limit)) marked.limit = limit;
    }
  }
  html += lane_map(run, fmt::format("BER upper bound per lane at {} (crossed: dead or over the limit)", fmt_value(worst_t, "°C")),
                   upper, "", true, flagged, TickStyle::power_of_ten, marked);
  return html;
}

}  // namespace ledlab::report
